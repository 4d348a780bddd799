"""Distributor grades (分销等级): staff create, change and delete them; a distributor's
progress towards the next grade; and the automatic upgrade.

A grade's targets are the distributor's own paid sales in one currency (`DistributorSales`,
kept by the order reconciliation), their direct recruits and their team size (counters kept by
`network.actions`). A distributor meets a grade when every target the grade sets is reached.
The automatic upgrade moves active distributors up to the highest auto-upgrade grade they
meet and never down: a grade staff gave stays until staff change it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, ProtectedError, Q, QuerySet

from saleor_distribution.commissions.models import PlanVersion
from saleor_distribution.core import audit
from saleor_distribution.core.audit import Actor
from saleor_distribution.core.models import ActorType, AuditEvent
from saleor_distribution.core.money import check_currency
from saleor_distribution.installations.models import Installation
from saleor_distribution.network.error_codes import NetworkErrorCode
from saleor_distribution.network.models import (
    GRADE_NAME_MAX_LENGTH,
    Distributor,
    DistributorStatus,
    Grade,
)
from saleor_distribution.reports.models import DistributorSales

logger = logging.getLogger(__name__)

GRADE_FIELDS = (
    "name",
    "rank",
    "min_sales_amount",
    "min_sales_currency",
    "min_direct_count",
    "min_team_size",
    "auto_upgrade",
)
# Ranks and counts are PostgreSQL integers.
MAX_WHOLE = 2**31 - 1
MAX_SALES_AMOUNT = Decimal("1e17")
# Distributors upgraded per UPDATE (and per audit batch); bounded so that one run holds a
# bounded number of row locks, however many distributors qualify.
UPGRADE_BATCH = 5000
UPGRADE_MAX_BATCHES = 1000

# Unique per installation (constraints `network_grade_unique_<field>`), and the code of
# the refusal when another grade has the value.
UNIQUE_FIELDS = {
    "name": NetworkErrorCode.GRADE_NAME_TAKEN,
    "rank": NetworkErrorCode.GRADE_RANK_TAKEN,
}

SALES = "sales"
DIRECT_COUNT = "direct_count"
TEAM_SIZE = "team_size"


def _refuse(field: str, message: str, code: NetworkErrorCode) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code.value)})


# --- staff actions ----------------------------------------------------------------------------


def create_grade(installation: Installation, *, actor: Actor, **values: Any) -> Grade:
    """Staff add a grade. `values` are `GRADE_FIELDS` (name and rank required)."""
    _check_fields(values)
    grade = Grade(installation=installation)
    for name, value in values.items():
        setattr(grade, name, value)
    _validate(grade)
    with transaction.atomic():
        _save(grade, force_insert=True)
        audit.record(
            installation,
            actor=actor,
            action="grade.create",
            subject=grade,
            after=audit.snapshot(grade, GRADE_FIELDS),
        )
    return grade


def update_grade(grade: Grade, *, actor: Actor, **changes: Any) -> Grade:
    """Staff change a grade's name, rank, targets or auto-upgrade; only `changes` change.
    Raising a target never takes the grade from anyone who holds it (upgrades never go down)."""
    _check_fields(changes)
    with transaction.atomic():
        locked = Grade.objects.select_for_update(of=("self",)).get(pk=grade.pk)
        before = audit.snapshot(locked, GRADE_FIELDS)
        for name, value in changes.items():
            setattr(locked, name, value)
        _validate(locked)
        after = audit.snapshot(locked, GRADE_FIELDS)
        if after == before:
            return locked
        _save(locked)
        audit.record(
            locked.installation_id,
            actor=actor,
            action="grade.update",
            subject=locked,
            before=before,
            after=after,
        )
    return locked


def delete_grade(grade: Grade, *, actor: Actor) -> None:
    """Staff delete a grade nobody holds and no commission plan version (active or not: any
    may be activated again) gives rates to; otherwise GRADE_IN_USE and nothing changes."""
    try:
        with transaction.atomic():
            locked = Grade.objects.select_for_update(of=("self",)).get(pk=grade.pk)
            holders = Distributor.objects.filter(grade=locked).count()
            if holders:
                raise _refuse(
                    "id",
                    f"{holders} distributor(s) hold this grade; give them another grade first.",
                    NetworkErrorCode.GRADE_IN_USE,
                )
            plans = sorted(
                PlanVersion.objects.filter(
                    installation_id=locked.installation_id, grade_rates__has_key=str(locked.pk)
                ).values_list("number", flat=True)
            )
            if plans:
                listed = ", ".join(str(number) for number in plans)
                raise _refuse(
                    "id",
                    f"Commission plan version(s) {listed} set rates for this grade.",
                    NetworkErrorCode.GRADE_IN_USE,
                )
            audit.record(
                locked.installation_id,
                actor=actor,
                action="grade.delete",
                subject=locked,
                before=audit.snapshot(locked, GRADE_FIELDS),
            )
            locked.delete()
    except (IntegrityError, ProtectedError) as exc:
        # The grade row lock makes a concurrent `set_grade` wait for this transaction (its
        # foreign key check locks the grade row); should a holder appear anyway, the PROTECT
        # foreign key refuses the deletion and it is rolled back.
        raise _refuse(
            "id", "A distributor was just given this grade.", NetworkErrorCode.GRADE_IN_USE
        ) from exc


def _check_fields(values: Mapping[str, Any]) -> None:
    unknown = set(values) - set(GRADE_FIELDS)
    assert not unknown, f"unknown grade fields: {sorted(unknown)}"


def _whole(value: object, minimum: int = 0) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and minimum <= value <= MAX_WHOLE


def _validate(grade: Grade) -> None:
    """The grade's own rules, then uniqueness of name and rank in the installation (the
    constraints decide in a race; `_save` turns their error into the same refusal)."""
    errors: dict[str, ValidationError] = {}
    invalid, target = NetworkErrorCode.INVALID_GRADE, NetworkErrorCode.INVALID_GRADE_TARGET
    grade.name = grade.name.strip() if isinstance(grade.name, str) else grade.name
    longest = GRADE_NAME_MAX_LENGTH
    if not isinstance(grade.name, str) or not grade.name or len(grade.name) > longest:
        errors["name"] = ValidationError(
            f"A grade needs a name of at most {longest} characters.", code=invalid.value
        )
    if not _whole(grade.rank):
        errors["rank"] = ValidationError(
            "The rank is a whole number, 0 or more.", code=invalid.value
        )
    amount, currency = grade.min_sales_amount, grade.min_sales_currency
    if (
        not isinstance(amount, Decimal)
        or not amount.is_finite()
        or not (0 <= amount < MAX_SALES_AMOUNT)
        or amount != amount.quantize(Decimal("0.001"))
    ):
        errors["min_sales_amount"] = ValidationError(
            "The sales target is an amount of 0 or more.", code=target.value
        )
    elif currency:
        try:
            check_currency(currency)
        except ValueError:
            errors["min_sales_currency"] = ValidationError(
                "Not an ISO 4217 currency code.", code=target.value
            )
    elif amount:
        errors["min_sales_currency"] = ValidationError(
            "A sales target needs its currency.", code=target.value
        )
    for name in ("min_direct_count", "min_team_size"):
        value = getattr(grade, name)
        if value is not None and not _whole(value):
            errors[name] = ValidationError(
                "A target is a whole number, 0 or more.", code=target.value
            )
    if not isinstance(grade.auto_upgrade, bool):
        errors["auto_upgrade"] = ValidationError("Say yes or no.", code=invalid.value)
    if errors:
        raise ValidationError(errors)
    others = Grade.objects.filter(installation_id=grade.installation_id).exclude(pk=grade.pk)
    for field in UNIQUE_FIELDS:
        if others.filter(**{field: getattr(grade, field)}).exists():
            raise _taken(field)


def _taken(field: str) -> ValidationError:
    return _refuse(field, f"Another grade has this {field}.", UNIQUE_FIELDS[field])


def _save(grade: Grade, *, force_insert: bool = False) -> None:
    try:
        with transaction.atomic():
            grade.save(force_insert=force_insert)
    except IntegrityError as exc:
        for field in UNIQUE_FIELDS:
            if f"network_grade_unique_{field}" in str(exc):
                raise _taken(field) from exc
        raise


# --- progress ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetProgress:
    """One target of a grade: what it requires, where the distributor is, and whether it is
    met. Sales are Decimal amounts in `currency`; counts are whole numbers."""

    target: str  # SALES, DIRECT_COUNT or TEAM_SIZE
    required: Decimal | int
    current: Decimal | int
    met: bool
    currency: str = ""


@dataclass(frozen=True)
class GradeProgress:
    grade: Grade
    targets: tuple[TargetProgress, ...]

    @property
    def met(self) -> bool:
        """Every target is met (a grade without targets is staff-given only: never met)."""
        return bool(self.targets) and all(t.met for t in self.targets)


def next_grade(grades: Iterable[Grade], current: Grade | None) -> Grade | None:
    """The lowest grade ranked above `current` (for no grade: the lowest grade), if any."""
    floor = -1 if current is None else current.rank
    above = [g for g in grades if g.rank is not None and g.rank > floor]
    return min(above, key=lambda g: g.rank, default=None)


def target_progress(
    grade: Grade, *, sales: Mapping[str, Decimal], direct_count: int, team_size: int
) -> tuple[TargetProgress, ...]:
    """The grade's targets against a distributor's sales per currency and counters."""
    targets = []
    if grade.min_sales_currency:
        current = sales.get(grade.min_sales_currency, Decimal(0))
        targets.append(
            TargetProgress(
                SALES,
                grade.min_sales_amount,
                current,
                current >= grade.min_sales_amount,
                grade.min_sales_currency,
            )
        )
    if grade.min_direct_count is not None:
        targets.append(
            TargetProgress(
                DIRECT_COUNT,
                grade.min_direct_count,
                direct_count,
                direct_count >= grade.min_direct_count,
            )
        )
    if grade.min_team_size is not None:
        targets.append(
            TargetProgress(
                TEAM_SIZE, grade.min_team_size, team_size, team_size >= grade.min_team_size
            )
        )
    return tuple(targets)


def grade_progress(
    distributor: Distributor,
    grades: Sequence[Grade],
    sales: Mapping[str, Decimal],
) -> GradeProgress | None:
    """The distributor's next grade and how far they are from each of its targets (None at
    the top). `grades` are the installation's; `sales` the distributor's per currency."""
    current = next((g for g in grades if g.pk == distributor.grade_id), None)
    upcoming = next_grade(grades, current)
    if upcoming is None:
        return None
    return GradeProgress(
        upcoming,
        target_progress(
            upcoming,
            sales=sales,
            direct_count=distributor.direct_count,
            team_size=distributor.team_size,
        ),
    )


# --- automatic upgrade ------------------------------------------------------------------------


def meeting_targets(grade: Grade) -> QuerySet[Distributor]:
    """The active distributors of the grade's installation who meet every target it sets, as
    one query (the sales target is an index lookup in `DistributorSales`)."""
    assert grade.has_targets, "a grade without targets is given by staff only"
    rows = Distributor.objects.filter(
        installation_id=grade.installation_id, status=DistributorStatus.ACTIVE
    )
    if grade.min_direct_count is not None:
        rows = rows.filter(direct_count__gte=grade.min_direct_count)
    if grade.min_team_size is not None:
        rows = rows.filter(team_size__gte=grade.min_team_size)
    if grade.min_sales_currency and grade.min_sales_amount > 0:
        rows = rows.filter(
            Exists(
                DistributorSales.objects.filter(
                    distributor=OuterRef("pk"),
                    currency=grade.min_sales_currency,
                    amount__gte=grade.min_sales_amount,
                )
            )
        )
    return rows


def upgrade_grades(
    installation: Installation | None = None,
    *,
    distributor_ids: Iterable[int] | None = None,
    batch_size: int = UPGRADE_BATCH,
    max_batches: int = UPGRADE_MAX_BATCHES,
) -> int:
    """Move every active distributor who meets the targets of an auto-upgrade grade ranked
    above their own (or who has none) to the highest such grade; never down. Every
    installation, or one; every distributor, or only `distributor_ids` (e.g. those an order
    just changed). Grades are taken highest first, so a distributor who meets several lands
    on the highest, and a lower grade's pass skips anyone already above it.

    Set-based: per grade, the qualifying rows are claimed in batches (locked in id order,
    each batch after the previous one's last id, skipping rows a staff action holds: the
    next run gets them) and moved by one UPDATE per batch, with one
    `distributor.auto_upgrade` audit event per distributor (actor: system). Returns how
    many distributors were upgraded."""
    grades = Grade.objects.filter(auto_upgrade=True).order_by("installation_id", "-rank")
    if installation is not None:
        grades = grades.filter(installation=installation)
    only = None if distributor_ids is None else sorted(set(distributor_ids))
    if only == []:
        return 0
    total = 0
    for grade in grades:
        if not grade.has_targets:
            continue
        candidates = meeting_targets(grade).filter(
            Q(grade__isnull=True) | Q(grade__rank__lt=grade.rank)
        )
        if only is not None:
            candidates = candidates.filter(pk__in=only)
        after = 0
        for _ in range(max_batches):
            claimed = _upgrade_batch(grade, candidates.filter(pk__gt=after), batch_size)
            if claimed is None:  # staff deleted the grade meanwhile
                break
            total += len(claimed)
            if len(claimed) < batch_size:
                break
            after = claimed[-1]
    if total:
        logger.info("Distributors upgraded", extra={"count": total})
    return total


def _upgrade_batch(
    grade: Grade, candidates: QuerySet[Distributor], batch_size: int
) -> list[int] | None:
    """Claim and upgrade the next `batch_size` candidates in id order; their ids, ascending.
    (The caller continues after the last id, so no batch re-reads rows already moved.)
    None if the grade is gone: staff deleted it since the run read it."""
    with transaction.atomic():
        # The grade row, locked (FOR NO KEY UPDATE: a staff member's set_grade is not held
        # up) until this batch commits: a deletion that started first is waited for and
        # then seen (None); one that starts later waits for this batch and then finds
        # holders (GRADE_IN_USE). Without it the batch's foreign key check failed on a
        # grade deleted meanwhile, and the whole run stopped there.
        if not Grade.objects.select_for_update(no_key=True).filter(pk=grade.pk).exists():
            return None
        claimed = list(
            candidates.order_by("pk")
            .select_for_update(of=("self",), skip_locked=True)
            .values_list("pk", "grade_id")[:batch_size]
        )
        if not claimed:
            return []
        Distributor.objects.filter(pk__in=[pk for pk, _ in claimed]).update(grade=grade)
        AuditEvent.objects.bulk_create(
            [
                AuditEvent(
                    installation_id=grade.installation_id,
                    actor_type=ActorType.SYSTEM,
                    action="distributor.auto_upgrade",
                    subject_type=Distributor._meta.label_lower,
                    subject_id=str(pk),
                    before={"grade": old},
                    after={"grade": grade.pk},
                    reason=f"Met the targets of grade {grade.name}.",
                )
                for pk, old in claimed
            ],
            batch_size=1000,
        )
    return [pk for pk, _ in claimed]
