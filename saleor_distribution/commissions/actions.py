"""State changes of the commission engine: plans, voucher ownership, order reconciliation
and settlement."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from saleor_distribution.commissions import calculations
from saleor_distribution.commissions.attribution import (
    Buyer,
    attribute,
    attribution_inputs,
    buyer_of,
)
from saleor_distribution.commissions.calculations import (
    Beneficiary,
    Candidate,
    Move,
    Position,
    TargetCommission,
)
from saleor_distribution.commissions.error_codes import CommissionErrorCode
from saleor_distribution.commissions.lock_objects import (
    commissions_for_update,
    order_records_for_update,
)
from saleor_distribution.commissions.models import (
    BaseKind,
    Commission,
    CommissionProgramme,
    CommissionState,
    OrderRecord,
    PlanVersion,
    SettlementRun,
    UplineRule,
    VoucherOwnership,
)
from saleor_distribution.core import audit
from saleor_distribution.core.db import (
    insert_returning_pks,
    insert_unless_conflicting_many,
    update_rows,
)
from saleor_distribution.core.money import Money, is_quantized
from saleor_distribution.installations.models import Installation
from saleor_distribution.ledger import actions as ledger
from saleor_distribution.ledger.models import Account, Bucket, EntryCode, LedgerEntry
from saleor_distribution.network import fetch as network_fetch
from saleor_distribution.network import grades as network_grades
from saleor_distribution.network.models import Distributor, DistributorStatus, Grade
from saleor_distribution.reports.actions import record_orders_sales
from saleor_distribution.saleor import payloads

logger = logging.getLogger(__name__)

# A warning, not a refusal: past 3 levels a programme may count as a pyramid scheme in
# some jurisdictions (in China, 3 levels is the usual legal ceiling).
LEVELS_WARNING_ABOVE = 3
MAX_LEVELS = 100
DEFAULT_PLAN: dict[str, Any] = {
    "levels": 2,
    "level_rates": ["0.10", "0.05"],
    "cap_rate": Decimal("0.30"),
    "freeze_days": 7,
    "note": "Default plan: 2 levels, 10 % and 5 % of the line total after discounts "
    "(net of tax, shipping excluded), capped at 30 % of the order's base.",
}
SETTLE_BATCH = 100_000
SETTLE_MAX_BATCHES = 10_000


# --- Plans -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanVersionResult:
    version: PlanVersion
    warnings: list[str] = field(default_factory=list)


def _invalid(field_name: str, message: str, code: CommissionErrorCode) -> ValidationError:
    return ValidationError({field_name: ValidationError(message, code=code.value)})


def _rate(value: Any, field_name: str, *, fixed_currency: str | None = None) -> str:
    try:
        rate = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise _invalid(
            field_name, f"{value!r} is not a number.", CommissionErrorCode.INVALID_RATE
        ) from exc
    if not rate.is_finite() or rate < 0:
        raise _invalid(field_name, "Rates are 0 or more.", CommissionErrorCode.INVALID_RATE)
    if fixed_currency is None and rate > 1:
        raise _invalid(
            field_name,
            "A percentage rate is a fraction of the base, at most 1 (100 %).",
            CommissionErrorCode.INVALID_RATE,
        )
    if fixed_currency is not None and not is_quantized(rate, fixed_currency):
        raise _invalid(
            field_name,
            f"A fixed amount must be in {fixed_currency}'s minor unit.",
            CommissionErrorCode.INVALID_RATE,
        )
    return str(rate)


def _rates(
    values: Any,
    levels: int,
    field_name: str,
    *,
    exact: bool = False,
    fixed_currency: str | None = None,
) -> list[str]:
    if not isinstance(values, list | tuple) or not values:
        raise _invalid(
            field_name, "Give a list of rates, one per level.", CommissionErrorCode.INVALID
        )
    if len(values) > levels or (exact and len(values) != levels):
        raise _invalid(
            field_name,
            f"Give {'exactly' if exact else 'at most'} {levels} rates, one per level.",
            CommissionErrorCode.INVALID,
        )
    return [_rate(v, field_name, fixed_currency=fixed_currency) for v in values]


def _rules(rules: dict[str, Any] | None, levels: int, field_name: str) -> dict[str, Any]:
    cleaned = {}
    for key, rule in (rules or {}).items():
        kind = rule.get("kind") if isinstance(rule, dict) else None
        if kind not in (calculations.PERCENTAGE, calculations.FIXED):
            raise _invalid(
                field_name, f"{key}: kind is percentage or fixed.", CommissionErrorCode.INVALID
            )
        currency = rule.get("currency") if kind == calculations.FIXED else None
        if kind == calculations.FIXED:
            if not isinstance(currency, str) or len(currency) != 3 or not currency.isupper():
                raise _invalid(
                    field_name,
                    f"{key}: a fixed amount needs its currency.",
                    CommissionErrorCode.INVALID,
                )
        values = _rates(rule.get("values"), levels, field_name, fixed_currency=currency)
        cleaned[str(key)] = {"kind": kind, "values": values}
        if currency:
            cleaned[str(key)]["currency"] = currency
    return cleaned


def create_plan_version(
    installation: Installation,
    *,
    levels: int,
    level_rates: list[Any],
    grade_rates: dict[int, list[Any]] | None = None,
    category_rules: dict[str, Any] | None = None,
    product_rules: dict[str, Any] | None = None,
    base_kind: str = BaseKind.NET,
    include_shipping: bool = False,
    cap_rate: Decimal | str | None = None,
    self_purchase: bool = False,
    activity_days: int | None = None,
    upline_rule: str = UplineRule.SKIP,
    freeze_days: int = 7,
    note: str = "",
    staff_user_id: str = "",
    activate: bool = False,
) -> PlanVersionResult:
    """Create the next (immutable) version of the installation's plan. It is not in force
    until activated. Returns warnings: more than 3 levels, level rates above the cap."""
    if not isinstance(levels, int) or not 1 <= levels <= MAX_LEVELS:
        raise _invalid("levels", f"Levels go from 1 to {MAX_LEVELS}.", CommissionErrorCode.INVALID)
    rates = _rates(level_rates, levels, "level_rates", exact=True)
    grades: dict[str, list[str]] = {}
    if grade_rates:
        _check_rated_grades(installation, grade_rates)
        for grade_id, values in grade_rates.items():
            grades[str(int(grade_id))] = _rates(values, levels, "grade_rates")
    if base_kind not in BaseKind.values:
        raise _invalid("base_kind", "The base is net or gross.", CommissionErrorCode.INVALID)
    if upline_rule not in UplineRule.values:
        raise _invalid(
            "upline_rule", "The upline rule is skip or pass_up.", CommissionErrorCode.INVALID
        )
    cap = None
    if cap_rate is not None:
        cap = Decimal(_rate(cap_rate, "cap_rate"))
        if cap == 0:
            raise _invalid(
                "cap_rate",
                "A cap of 0 pays nothing; leave it empty for no cap.",
                CommissionErrorCode.INVALID_RATE,
            )
    if not isinstance(freeze_days, int) or freeze_days < 0:
        raise _invalid("freeze_days", "Freeze days are 0 or more.", CommissionErrorCode.INVALID)
    if activity_days is not None and (not isinstance(activity_days, int) or activity_days < 1):
        raise _invalid("activity_days", "Activity days are 1 or more.", CommissionErrorCode.INVALID)

    warnings = []
    if levels > LEVELS_WARNING_ABOVE:
        warnings.append(
            f"{levels} paid levels: more than {LEVELS_WARNING_ABOVE} may be unlawful where "
            "multi-level marketing is regulated (in China, 3 is the usual ceiling)."
        )
    if cap is not None and sum(Decimal(r) for r in rates) > cap:
        warnings.append(
            "The level rates add up to more than the cap: commissions will be scaled down."
        )

    with transaction.atomic():
        Installation.objects.select_for_update().filter(pk=installation.pk).first()
        if grade_rates:
            # Again, with the rated grades locked until this version is written: a deletion
            # that started first is waited for and then refused here; one that starts later
            # waits, then finds these rates and refuses itself (GRADE_IN_USE).
            _check_rated_grades(installation, grade_rates, lock=True)
        last = PlanVersion.objects.filter(installation=installation).aggregate(n=Max("number"))["n"]
        version = PlanVersion.objects.create(
            installation=installation,
            number=(last or 0) + 1,
            levels=levels,
            level_rates=rates,
            grade_rates=grades,
            category_rules=_rules(category_rules, levels, "category_rules"),
            product_rules=_rules(product_rules, levels, "product_rules"),
            base_kind=base_kind,
            include_shipping=include_shipping,
            cap_rate=cap,
            self_purchase=self_purchase,
            activity_days=activity_days,
            upline_rule=upline_rule,
            freeze_days=freeze_days,
            note=note,
            created_by=staff_user_id,
        )
        audit.record(
            installation,
            actor=_actor(staff_user_id),
            action="commissions.plan_version_created",
            subject=version,
            after={"number": version.number, "levels": levels, "level_rates": rates},
            reason=note,
        )
        if activate:
            activate_plan_version(installation, version, staff_user_id=staff_user_id)
    return PlanVersionResult(version, warnings)


def _check_rated_grades(
    installation: Installation, grade_rates: Mapping[Any, Any], *, lock: bool = False
) -> None:
    """Refuse rates for a grade the installation does not have (UNKNOWN_GRADE). With `lock`,
    the grades are locked FOR NO KEY UPDATE (a staff member's set_grade is not held up)."""
    grade_ids = [int(g) for g in grade_rates]
    found = Grade.objects.filter(installation=installation, pk__in=grade_ids)
    if lock:
        found = found.select_for_update(no_key=True)
    known = set(found.values_list("pk", flat=True))
    for grade_id in grade_ids:
        if grade_id not in known:
            raise _invalid(
                "grade_rates",
                f"Grade {grade_id} does not exist.",
                CommissionErrorCode.UNKNOWN_GRADE,
            )


def _actor(staff_user_id: str) -> audit.Actor:
    return audit.Actor.staff(staff_user_id) if staff_user_id else audit.Actor.system()


def activate_plan_version(
    installation: Installation, version: PlanVersion, *, staff_user_id: str = ""
) -> CommissionProgramme:
    """Put a version in force for new orders. Orders already computed keep theirs."""
    if version.installation_id != installation.pk:
        raise _invalid(
            "version",
            "That plan belongs to another installation.",
            CommissionErrorCode.WRONG_INSTALLATION,
        )
    with transaction.atomic():
        previous = _programme(installation)
        programme, _ = CommissionProgramme.objects.update_or_create(
            installation=installation,
            defaults={
                "active_version": version,
                "activated_at": timezone.now(),
                "activated_by": staff_user_id,
            },
        )
        audit.record(
            installation,
            actor=_actor(staff_user_id),
            action="commissions.plan_version_activated",
            subject=version,
            before={"active_version": previous.active_version_id if previous else None},
            after={"active_version": version.pk},
        )
    return programme


def _programme(installation: Installation) -> CommissionProgramme | None:
    return (
        CommissionProgramme.objects.filter(installation=installation)
        .select_related("active_version")
        .first()
    )


def active_plan_version(installation: Installation) -> PlanVersion:
    """The version in force; on first use, the default plan is created and activated."""
    programme = _programme(installation)
    if programme is not None:
        return programme.active_version
    with transaction.atomic():
        Installation.objects.select_for_update().filter(pk=installation.pk).first()
        programme = _programme(installation)  # another worker may have just created it
        if programme is not None:
            return programme.active_version
        result = create_plan_version(installation, activate=True, **DEFAULT_PLAN)
    return result.version


# --- Vouchers --------------------------------------------------------------------------


def assign_voucher(
    installation: Installation, *, code: str, distributor: Distributor, voucher_id: str = ""
) -> VoucherOwnership:
    """Record that a Saleor voucher code belongs to a distributor (or move it to another)."""
    if distributor.installation_id != installation.pk:
        raise _invalid(
            "distributor",
            "That distributor belongs to another installation.",
            CommissionErrorCode.WRONG_INSTALLATION,
        )
    normalised = code.strip().upper()
    if not normalised:
        raise _invalid("code", "A voucher code is required.", CommissionErrorCode.INVALID)
    ownership, _ = VoucherOwnership.objects.update_or_create(
        installation=installation,
        code=normalised,
        defaults={"distributor": distributor, "voucher_id": voucher_id},
    )
    return ownership


# --- Order reconciliation --------------------------------------------------------------


def _snapshot_key(updated_at: datetime | None, status: str, issued_at: datetime | None) -> tuple:
    epoch = datetime.min.replace(tzinfo=UTC)
    return (
        updated_at or epoch,
        status in calculations.TERMINAL_STATUSES,
        issued_at or epoch,
    )


def is_newer(order: payloads.Order, issued_at: datetime, record: OrderRecord) -> bool:
    """Newer by `updatedAt`; at an equal `updatedAt`, a terminal status beats a live one
    (an EXPIRED delivery may carry the creation's `updatedAt`), then the later `issuedAt`."""
    if record.version == 0:
        return True
    return _snapshot_key(order.updated_at, order.status, issued_at) > _snapshot_key(
        record.saleor_updated_at, record.status, record.issued_at
    )


def _lock_records(
    installation: Installation, saleor_order_ids: list[str]
) -> dict[str, OrderRecord]:
    """The orders' records, locked, created for orders seen for the first time. A row this
    transaction inserts is invisible to, and so locked against, every other one until
    commit; a concurrent insert of the same order waits for us, then skips."""
    found = {
        r.saleor_order_id: r for r in order_records_for_update(installation.pk, saleor_order_ids)
    }
    missing = sorted(set(saleor_order_ids) - set(found))
    if missing:
        new = [OrderRecord(installation=installation, saleor_order_id=i) for i in missing]
        for record in insert_unless_conflicting_many(new, "saleor_order_id"):
            found[record.saleor_order_id] = record
        raced = [i for i in missing if i not in found]
        if raced:
            found.update(
                (r.saleor_order_id, r) for r in order_records_for_update(installation.pk, raced)
            )
    return found


def _eligible_upline(
    installation: Installation,
    order: payloads.Order,
    ancestors: list[Distributor],
    buyer: Buyer,
    rules: calculations.PlanRules,
) -> list[Candidate]:
    sellers: set[int] = set()
    if rules.activity_days and ancestors:
        since = order.created - timedelta(days=rules.activity_days)
        sellers = set(
            OrderRecord.objects.filter(
                installation=installation,
                attributed_distributor_id__in=[a.pk for a in ancestors],
                saleor_created_at__gte=since,
                saleor_created_at__lte=order.created,
            )
            .exclude(status__in=calculations.TERMINAL_STATUSES)
            .exclude(saleor_order_id=order.id)
            .values_list("attributed_distributor_id", flat=True)
            .distinct()
        )
    return [
        Candidate(
            distributor_id=a.pk,
            grade_id=a.grade_id,
            eligible=(
                a.status == DistributorStatus.ACTIVE
                and (rules.self_purchase or not buyer.is_(a))
                and (not rules.activity_days or a.pk in sellers)
            ),
        )
        for a in ancestors
    ]


def _chain(
    installation: Installation,
    order: payloads.Order,
    distributor: Distributor | None,
    upline: list[Distributor],
    rules: calculations.PlanRules,
) -> list[Beneficiary]:
    if distributor is None:
        return []
    upline = upline if rules.levels > 1 else []
    candidates = [Candidate(distributor.pk, distributor.grade_id, True)]
    candidates += _eligible_upline(installation, order, upline, buyer_of(order), rules)
    return calculations.select_chain(candidates, rules)


def _state(bucket: str, amount: Decimal) -> str:
    return CommissionState.REVERSED if amount == 0 else CommissionState(bucket)


def _move_code(to_bucket: str) -> str:
    return {
        Bucket.FROZEN: EntryCode.COMMISSION_FROZEN,
        Bucket.PENDING: EntryCode.COMMISSION_UNFROZEN,
        Bucket.AVAILABLE: EntryCode.COMMISSION_SETTLED,
    }[Bucket(to_bucket)]


def _change_code(bucket: str, delta: Decimal) -> str:
    if delta > 0:
        return EntryCode.COMMISSION_ACCRUED
    return EntryCode.CLAWBACK if bucket == Bucket.AVAILABLE else EntryCode.COMMISSION_REVERSED


def _postings(commission: Commission, moves: list[Move], key: str) -> list[ledger.Posting]:
    postings: list[ledger.Posting] = []
    ref = {"reference_type": "commission", "reference_id": str(commission.pk)}
    for move in moves:
        if move.from_bucket is not None:
            postings += ledger.move_postings(
                distributor_id=commission.beneficiary_id,
                amount=Money(move.amount, commission.currency),
                from_bucket=move.from_bucket,
                to_bucket=move.to_bucket,
                code=_move_code(move.to_bucket),
                key=f"{key}:move",
                **ref,
            )
        else:
            postings.append(
                ledger.Posting(
                    distributor_id=commission.beneficiary_id,
                    bucket=move.to_bucket,
                    amount=Money(move.amount, commission.currency),
                    code=_change_code(move.to_bucket, move.amount),
                    idempotency_key=f"{key}:{move.to_bucket}",
                    **ref,
                )
            )
    return postings


def _apply_target(commission: Commission, target: TargetCommission) -> None:
    commission.quantity = target.quantity
    commission.base = target.base
    commission.rate_kind = target.rate_kind
    commission.rate = target.rate
    commission.rule_source = target.rule_source
    commission.gross_amount = target.gross_amount
    commission.refunded_amount = target.refunded_amount


def _row(commission: Commission) -> tuple[Any, ...]:
    return tuple(getattr(commission, name) for name in TRACKED_FIELDS)


TRACKED_FIELDS = [
    "quantity",
    "base",
    "rate_kind",
    "rate",
    "rule_source",
    "gross_amount",
    "refunded_amount",
    "amount",
    "state",
    "bucket",
    "matures_at",
]
UPDATED_FIELDS = [*TRACKED_FIELDS, "updated_at"]


@dataclass(frozen=True)
class Snapshot:
    """An order as one delivery carried it."""

    order: payloads.Order
    issued_at: datetime
    delivery_id: int | None = None


def reconcile_order(
    installation: Installation,
    order: payloads.Order,
    *,
    issued_at: datetime,
    delivery_id: int | None = None,
) -> str:
    """Bring the ledger to what the newest snapshot of an order implies.

    A snapshot that is not newer than the one applied changes nothing, so replaying any
    delivery, in any order, any number of times, converges. Otherwise: the order keeps the
    plan version it was first computed with; it is (re-)attributed when the snapshot's
    attribution inputs (ref, voucher, customer) changed and none of its commissions has
    settled yet (once money is available, a late ref does not move it to someone else);
    the target commissions are computed per line and level, and only the difference to
    what the ledger holds is posted, with keys derived from the order's snapshot version.
    """
    return reconcile_orders(installation, [Snapshot(order, issued_at, delivery_id)])[0]


def reconcile_orders(installation: Installation, snapshots: Sequence[Snapshot]) -> list[str]:
    """`reconcile_order` for several snapshots, in one transaction, each statement covering
    all of them (the order sync takes the inbox in batches: per order, the round trips and
    the statement compilation cost more than the work). The outcome is the one of
    reconciling them one by one in the given order: snapshots of one order are applied in
    turn, in rounds of distinct orders. Returns one outcome per snapshot."""
    outcomes: list[str] = [""] * len(snapshots)
    rounds: list[list[int]] = []
    seen: dict[str, int] = {}
    for index, snapshot in enumerate(snapshots):
        if snapshot.order.status == "DRAFT":
            outcomes[index] = "ignored: draft order"
            continue
        turn = seen.get(snapshot.order.id, 0)
        seen[snapshot.order.id] = turn + 1
        if turn == len(rounds):
            rounds.append([])
        rounds[turn].append(index)
    # No savepoint when called inside the inbox's transaction: a failure rolls it all back.
    with transaction.atomic(savepoint=False):
        for indices in rounds:
            done = _reconcile_round(installation, [snapshots[i] for i in indices])
            for i, outcome in zip(indices, done, strict=True):
                outcomes[i] = outcome
    return outcomes


@dataclass
class _Applying:
    """One order of a round whose snapshot is newer than the record's."""

    snapshot: Snapshot
    record: OrderRecord
    first: bool
    rules: calculations.PlanRules
    commissions: list[Commission]
    chain: list[Beneficiary] = field(default_factory=list)
    targets: list[TargetCommission] = field(default_factory=list)
    facts: calculations.OrderFacts | None = None
    entries: int = 0


def _reconcile_round(installation: Installation, snapshots: list[Snapshot]) -> list[str]:
    """Reconcile snapshots of distinct orders together (see `reconcile_orders`)."""
    records = _lock_records(installation, [s.order.id for s in snapshots])
    outcomes: list[str] = []
    applying: list[_Applying] = []
    active: PlanVersion | None = None
    rules_of: dict[int, calculations.PlanRules] = {}
    for snapshot in snapshots:
        order, record = snapshot.order, records[snapshot.order.id]
        if not is_newer(order, snapshot.issued_at, record):
            outcomes.append(
                f"ignored: order {order.number} has a newer snapshot (v{record.version})"
            )
            continue
        outcomes.append("")
        if record.plan_version is None:
            active = active or active_plan_version(installation)
            record.plan_version = active
        version = record.plan_version
        if version.pk not in rules_of:
            rules_of[version.pk] = version.rules()
        applying.append(
            _Applying(snapshot, record, record.version == 0, rules_of[version.pk], [])
        )
    if not applying:
        return outcomes
    locked = commissions_for_update([a.record for a in applying if not a.first])
    by_order: dict[int, list[Commission]] = {}
    for commission in locked:
        by_order.setdefault(commission.order_id, []).append(commission)
    _attribute(installation, applying, by_order)

    now = timezone.now()
    for item in applying:
        order, record = item.snapshot.order, item.record
        item.facts = calculations.order_facts(order, item.rules)
        item.targets = calculations.compute_commissions(item.facts, item.chain, item.rules)
        record.version += 1
        record.number = order.number
        record.currency = order.currency
        record.status = order.status
        record.charge_status = order.charge_status
        record.is_paid = order.is_paid
        record.customer_saleor_id = order.user.id if order.user else ""
        record.customer_email = (order.user_email or "")[:254]
        record.saleor_created_at = order.created
        record.saleor_updated_at = order.updated_at
        record.issued_at = item.snapshot.issued_at
        record.snapshot = order.model_dump(mode="json", by_alias=True)
        record.snapshot_delivery_id = item.snapshot.delivery_id
        record.fulfilled_at = item.facts.fulfilled_at
        record.matures_at = calculations.maturity(item.facts, item.rules)
        record.applied_at = now

    _reconcile_commissions(installation, applying, now)
    update_rows([a.record for a in applying], RECORD_FIELDS)
    # The sales figures (reports, distributors sorted by sales) move with the orders.
    record_orders_sales([(a.record, a.snapshot.order) for a in applying])
    # Their sellers may now meet an auto-upgrade grade's sales target: upgrade them once
    # the orders are committed, outside this transaction's locks. Best effort (`robust`):
    # the periodic upgrade catches anyone missed.
    sellers = {
        a.record.attributed_distributor_id
        for a in applying
        if a.record.attributed_distributor_id is not None
    }
    if sellers:
        transaction.on_commit(
            partial(network_grades.upgrade_grades, installation, distributor_ids=sellers),
            robust=True,
        )

    results = iter(applying)
    for index, outcome in enumerate(outcomes):
        if outcome:
            continue
        item = next(results)
        order, record = item.snapshot.order, item.record
        logger.info(
            "Order reconciled",
            extra={
                "installation_id": installation.pk,
                "order_id": order.id,
                "snapshot_version": record.version,
                "ledger_entries": item.entries,
            },
        )
        outcomes[index] = (
            f"reconciled order {order.number} v{record.version} ({order.status}): "
            f"{len(item.targets)} commissions, {item.entries} ledger entries"
        )
    return outcomes


# What a reconciliation writes to the order's record (all but the keys and the creation).
RECORD_FIELDS = [
    "plan_version",
    "version",
    "number",
    "currency",
    "status",
    "charge_status",
    "is_paid",
    "customer_saleor_id",
    "customer_email",
    "saleor_created_at",
    "saleor_updated_at",
    "issued_at",
    "snapshot",
    "snapshot_delivery_id",
    "fulfilled_at",
    "matures_at",
    "applied_at",
    "attributed_distributor",
    "attribution_source",
    "attribution_reason",
    "attribution_details",
    "attribution_inputs",
    "chain",
]


def _attribute(
    installation: Installation,
    applying: list[_Applying],
    commissions: dict[int, list[Commission]],
) -> None:
    """Set each order's chain: (re-)attributed when first seen, or when its attribution
    inputs changed and none of its commissions has settled; else the chain it has. The
    uplines of every attributed distributor are read in one query."""
    attributing = []
    due = []
    for item in applying:
        record = item.record
        item.commissions = commissions.get(record.pk, [])
        inputs = attribution_inputs(item.snapshot.order)
        settled = any(c.bucket == Bucket.AVAILABLE for c in item.commissions)
        if item.first or (inputs != record.attribution_inputs and not settled):
            due.append((item, inputs))
        else:
            item.chain = [
                Beneficiary(c["level"], c["distributor"], c["grade"]) for c in record.chain
            ]
    by_code = network_fetch.get_by_codes(
        installation, [inputs["ref"] for _, inputs in due if inputs["ref"]]
    )
    for item, inputs in due:
        record = item.record
        found = attribute(installation, item.snapshot.order, item.rules, by_code)
        record.attributed_distributor = found.distributor
        record.attribution_source = found.source
        record.attribution_reason = found.reason
        record.attribution_details = found.details
        record.attribution_inputs = inputs
        attributing.append((item, found.distributor))
    sellers = [d for item, d in attributing if d is not None and item.rules.levels > 1]
    uplines = network_fetch.ancestors_of_many(sellers, fields=network_fetch.CHAIN_FIELDS)
    for item, distributor in attributing:
        upline = uplines.get(distributor.pk, []) if distributor is not None else []
        item.chain = _chain(installation, item.snapshot.order, distributor, upline, item.rules)
        item.record.chain = [
            {"level": b.level, "distributor": b.distributor_id, "grade": b.grade_id}
            for b in item.chain
        ]


def _reconcile_commissions(
    installation: Installation, applying: list[_Applying], now: datetime
) -> None:
    """Bring each order's commissions to its targets, posting only the differences: one
    lock of every account involved (in primary-key order), one insert of the new
    commissions, one posting, one update of the changed ones."""
    involved: set[tuple[int, str]] = set()
    changes: list[tuple[_Applying, Commission, list[Move]]] = []
    new: list[tuple[_Applying, TargetCommission]] = []
    for item in applying:
        facts = item.facts
        assert facts is not None
        matures_at = item.record.matures_at
        existing = {(c.line_id, c.level, c.beneficiary_id): c for c in item.commissions}
        by_key = {t.key: t for t in item.targets}
        for wanted in item.targets:
            if wanted.key not in existing and wanted.gross_amount > 0:
                new.append((item, wanted))
                involved.add((wanted.beneficiary_id, facts.currency))
        for key, commission in existing.items():
            target = by_key.get(key)
            amount = target.amount if target else Decimal(0)
            bucket = calculations.target_bucket(facts, commission.bucket)
            moves = calculations.moves_between(
                Position(commission.bucket, commission.amount), Position(bucket, amount)
            )
            before = _row(commission)
            if target is not None:
                _apply_target(commission, target)
            if moves:
                involved.add((commission.beneficiary_id, commission.currency))
            commission.amount = amount
            commission.bucket = bucket
            commission.state = _state(bucket, amount)
            commission.matures_at = matures_at
            if moves or _row(commission) != before:
                commission.updated_at = now
                changes.append((item, commission, moves))

    accounts = ledger.lock_accounts(installation.pk, involved) if involved else {}
    created: list[tuple[_Applying, Commission]] = []
    for item, target in new:
        facts = item.facts
        assert facts is not None and item.record.plan_version_id is not None
        bucket = calculations.target_bucket(facts, None)
        commission = Commission(
            installation=installation,
            order=item.record,
            plan_version_id=item.record.plan_version_id,
            line_id=target.line_id,
            level=target.level,
            beneficiary_id=target.beneficiary_id,
            account=accounts[(target.beneficiary_id, facts.currency)],
            currency=facts.currency,
            amount=target.amount,
            bucket=bucket,
            state=_state(bucket, target.amount),
            matures_at=item.record.matures_at,
            created_at=now,
            updated_at=now,
        )
        _apply_target(commission, target)
        created.append((item, commission))
    insert_returning_pks([c for _, c in created])
    postings: list[ledger.Posting] = []
    moved = [(i, c, [Move(None, c.bucket, c.amount)]) for i, c in created if c.amount]
    for item, commission, moves in [*moved, *changes]:
        posting_key = f"recon:{item.record.pk}:{commission.pk}:{item.record.version}"
        posted = _postings(commission, moves, posting_key)
        item.entries += len(posted)
        postings += posted
    # The keys carry each order's new snapshot version, taken under the order's lock: they
    # cannot exist yet.
    for start in range(0, len(postings), ledger.MAX_POSTINGS):
        ledger.post(
            installation.pk,
            postings[start : start + ledger.MAX_POSTINGS],
            locked_accounts=accounts,
            keys_are_new=True,
        )
    if changes:
        update_rows([c for _, c, _ in changes], UPDATED_FIELDS)


# --- Settlement ------------------------------------------------------------------------


def settle_matured_commissions(
    *,
    now: datetime | None = None,
    batch_size: int = SETTLE_BATCH,
    max_batches: int = SETTLE_MAX_BATCHES,
) -> int:
    """Move every matured commission (paid, fulfilled, freeze days passed) from frozen to
    available, in set-based SQL, one batch (a `SettlementRun`) per transaction: the batch's
    commissions are claimed (skipping any a reconciliation holds locked), each account gets
    one balanced pair of entries for the run's total (`settle:{run}:{account}:{bucket}`),
    and the cached totals move in one UPDATE. Idempotent: a commission leaves the frozen
    state once. Returns how many commissions were settled."""
    now = now or timezone.now()
    total = 0
    for _ in range(max_batches):
        count = _settle_batch(now, batch_size)
        total += count
        if count < batch_size:
            break
    if total:
        logger.info("Commissions settled", extra={"count": total})
    return total


def _settle_batch(now: datetime, batch_size: int) -> int:
    # Raw SQL because the ORM has no INSERT ... SELECT. Only table names (from model
    # metadata) are interpolated; every value is a bound parameter.
    commission = Commission._meta.db_table
    entry = LedgerEntry._meta.db_table
    account = Account._meta.db_table
    features = connection.features
    skip_locked = " FOR UPDATE SKIP LOCKED" if features.has_select_for_update_skip_locked else ""
    lock_accounts = " FOR UPDATE" if features.has_select_for_update else ""
    at = connection.ops.adapt_datetimefield_value(now)
    frozen, available = Bucket.FROZEN.value, Bucket.AVAILABLE.value
    with transaction.atomic(), connection.cursor() as cursor:
        run = SettlementRun.objects.create(matured_before=now, started_at=now)
        # 1. Claim: commissions locked by a reconciliation in progress are skipped (next run).
        cursor.execute(
            f"UPDATE {commission} SET settlement_run_id = %s, state = %s, bucket = %s,"  # noqa: S608
            f" settled_at = %s, updated_at = %s"
            f" WHERE id IN (SELECT id FROM {commission}"
            f" WHERE state = %s AND matures_at <= %s AND amount > 0"
            f" ORDER BY matures_at LIMIT %s{skip_locked})",
            [
                run.pk,
                CommissionState.AVAILABLE.value,
                available,
                at,
                at,
                CommissionState.FROZEN.value,
                at,
                batch_size,
            ],
        )
        count = cursor.rowcount
        if count <= 0:
            run.delete()
            return 0
        # 2. Lock the run's accounts in pk order (the global lock order).
        cursor.execute(
            f"SELECT id FROM {account} WHERE id IN"  # noqa: S608
            f" (SELECT account_id FROM {commission} WHERE settlement_run_id = %s)"
            f" ORDER BY id{lock_accounts}",
            [run.pk],
        )
        # 3. One balanced pair per account and run: frozen -total, available +total. Each
        # commission names its run, so every entry is explained by the commissions it sums.
        select = (
            f"SELECT installation_id, account_id, %s, {{sign}}SUM(amount), %s, 'settlement',"  # noqa: S608
            f" %s, 'settle:' || %s || ':' || CAST(account_id AS TEXT) || ':' || %s, '', '', %s"
            f" FROM {commission} WHERE settlement_run_id = %s"
            f" GROUP BY installation_id, account_id"
        )
        code = EntryCode.COMMISSION_SETTLED.value
        run_id = str(run.pk)
        cursor.execute(
            f"INSERT INTO {entry} (installation_id, account_id, bucket, amount, code,"
            f" reference_type, reference_id, idempotency_key, reason, actor, created_at) "
            + select.format(sign="-")
            + " UNION ALL "
            + select.format(sign=""),
            [
                frozen,
                code,
                run_id,
                run_id,
                frozen,
                at,
                run.pk,
                available,
                code,
                run_id,
                run_id,
                available,
                at,
                run.pk,
            ],
        )
        # 4. Cached totals: one UPDATE for all the run's accounts.
        cursor.execute(
            f"UPDATE {account} SET frozen = {account}.frozen - s.total,"  # noqa: S608
            f" available = {account}.available + s.total"
            f" FROM (SELECT account_id, SUM(amount) AS total FROM {commission}"
            f" WHERE settlement_run_id = %s GROUP BY account_id) AS s"
            f" WHERE {account}.id = s.account_id",
            [run.pk],
        )
        SettlementRun.objects.filter(pk=run.pk).update(commission_count=count)
    return count
