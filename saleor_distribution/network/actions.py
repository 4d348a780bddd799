"""State changes of the network: distributors joining, their status and grade, their place in
the tree, customer bindings, invitations, referral clicks and the programme's network policy.

Every refusal raises `ValidationError({field: ValidationError(message, code=...)})` with a
`NetworkErrorCode` and leaves nothing changed (the few found after a write, such as a path
too long for the column, roll the transaction back). Staff actions write an `AuditEvent` in
the same transaction as the change.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils import timezone

from saleor_distribution.core import audit
from saleor_distribution.core.audit import Actor
from saleor_distribution.installations.models import Installation
from saleor_distribution.network import calculations, fetch, lock_objects
from saleor_distribution.network.calculations import (
    BindingOutcome,
    BindingRules,
    CurrentBinding,
    normalise_code,
)
from saleor_distribution.network.error_codes import NetworkErrorCode
from saleor_distribution.network.models import (
    PATH_MAX_LENGTH,
    BindingEndReason,
    BindingSource,
    CustomerBinding,
    Distributor,
    DistributorStatus,
    Grade,
    Invitation,
    JoiningMode,
    NetworkPolicy,
    ReferralClick,
    ReferralLink,
    TeamLevelCount,
    TouchModel,
)

logger = logging.getLogger(__name__)

CODE_ALPHABET = calculations.CODE_ALPHABET
CODE_LENGTH = 7
MAX_CODE_ATTEMPTS = 10
# Optimistic locking rounds when a concurrent move changes a path between read and lock.
MAX_LOCK_ATTEMPTS = 5
MAX_BIND_ATTEMPTS = 3
LEVEL_UPSERT_BATCH = 500

STATUS_FIELDS = (
    "status",
    "status_changed_at",
    "approved_at",
    "suspended_at",
    "rejected_at",
    "status_reason",
)


def refuse(field: str, message: str, code: NetworkErrorCode) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code.value)})


def generate_code(length: int = CODE_LENGTH) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


# --- joining ----------------------------------------------------------------------------------


def add_distributor(
    installation: Installation,
    *,
    saleor_user_id: str,
    email: str,
    parent: Distributor | None = None,
    code: str | None = None,
    status: str = DistributorStatus.ACTIVE,
    grade: Grade | None = None,
    display_name: str = "",
    joined_at: datetime | None = None,
) -> Distributor:
    """Insert a distributor under `parent` (or as a root), with a unique referral code.

    The parent's chain is locked (pk order) and re-read, so the new path is right even if the
    parent was just moved; the team counters of every ancestor grow in the same transaction.
    A given `code` must be 4-16 letters or digits (stored upper-case); without one, a random
    code in the unambiguous alphabet is drawn.
    """
    assert parent is None or parent.installation_id == installation.pk
    if code is not None and not calculations.is_valid_code(code):
        raise refuse(
            "code", "A referral code is 4 to 16 letters or digits.", NetworkErrorCode.CODE_INVALID
        )
    if grade is not None and grade.installation_id != installation.pk:
        raise refuse(
            "grade", "The grade belongs to another installation.", NetworkErrorCode.INVALID_GRADE
        )
    now = joined_at or timezone.now()
    with transaction.atomic():
        chain = _lock_chain(parent) if parent is not None else []
        for _ in range(MAX_CODE_ATTEMPTS):
            candidate = normalise_code(code) if code else generate_code()
            try:
                with transaction.atomic():
                    distributor = Distributor.objects.create(
                        installation=installation,
                        saleor_user_id=saleor_user_id,
                        email=email,
                        display_name=display_name,
                        code=candidate,
                        status=status,
                        grade=grade,
                        parent=chain[0] if chain else None,
                        depth=chain[0].depth + 1 if chain else 0,
                        joined_at=now,
                        approved_at=now if status == DistributorStatus.ACTIVE else None,
                        status_changed_at=now,
                    )
            except IntegrityError:
                if Distributor.objects.filter(
                    installation=installation, saleor_user_id=saleor_user_id
                ).exists():
                    raise refuse(
                        "saleor_user_id",
                        "The customer is already a distributor.",
                        NetworkErrorCode.ALREADY_DISTRIBUTOR,
                    ) from None
                if code:
                    raise refuse(
                        "code", "The referral code is taken.", NetworkErrorCode.CODE_TAKEN
                    ) from None
                continue
            distributor.path = calculations.child_path(
                chain[0].path if chain else None, distributor.pk
            )
            if len(distributor.path) > PATH_MAX_LENGTH:
                raise _too_deep("parent")
            Distributor.objects.filter(pk=distributor.pk).update(path=distributor.path)
            _count_insert([row.pk for row in chain])
            return distributor
    raise RuntimeError("could not find a free referral code")


def _too_deep(field: str) -> ValidationError:
    return refuse(
        field, "The network would be deeper than a path can hold.", NetworkErrorCode.TOO_DEEP
    )


def _lock_chain(parent: Distributor) -> list[Distributor]:
    """Lock `parent` and its ancestors (pk order); return them fresh, nearest first."""
    for _ in range(MAX_LOCK_ATTEMPTS):
        path = _fresh_path(parent)
        locked = lock_objects.distributors_for_update(
            parent.installation_id, calculations.path_ids(path)
        )
        fresh = locked.get(parent.pk)
        if fresh is not None and fresh.path == path:
            return [fresh] + [locked[pk] for pk in fresh.ancestor_ids]
    raise refuse(
        "parent",
        "The network changed while joining; try again.",
        NetworkErrorCode.CONCURRENT_CHANGE,
    )


def _fresh_path(distributor: Distributor) -> str:
    return Distributor.objects.values_list("path", flat=True).get(pk=distributor.pk)


def _count_insert(chain_ids: list[int]) -> None:
    if not chain_ids:
        return
    Distributor.objects.filter(pk__in=chain_ids).update(team_size=F("team_size") + 1)
    Distributor.objects.filter(pk=chain_ids[0]).update(direct_count=F("direct_count") + 1)
    _apply_level_deltas(calculations.inserted_level_deltas(chain_ids))


def _apply_level_deltas(deltas: Mapping[tuple[int, int], int]) -> None:
    """Add signed deltas to (ancestor, level) counters: one upsert per batch, in key order."""
    if not deltas:
        return
    table = connection.ops.quote_name(TeamLevelCount._meta.db_table)
    with connection.cursor() as cursor:
        for batch in calculations.batched(sorted(deltas.items()), LEVEL_UPSERT_BATCH):
            values = ", ".join(["(%s, %s, %s)"] * len(batch))
            params = [value for key, delta in batch for value in (*key, delta)]
            cursor.execute(
                f"INSERT INTO {table} (ancestor_id, relative_depth, count) VALUES {values} "  # noqa: S608
                f"ON CONFLICT (ancestor_id, relative_depth) "
                f"DO UPDATE SET count = {table}.count + excluded.count",
                params,
            )
    if any(delta < 0 for delta in deltas.values()):
        emptied = {ancestor for (ancestor, _), delta in deltas.items() if delta < 0}
        TeamLevelCount.objects.filter(ancestor_id__in=emptied, count=0).delete()


def resolve_parent(
    installation: Installation,
    *,
    saleor_user_id: str,
    inviter_code: str | None = None,
    at: datetime | None = None,
) -> Distributor | None:
    """The parent of a customer joining now: the inviter at join time, else the default
    sponsor, else none (a root).

    The inviter is, in order: the `inviter_code` given with the application (must name an
    active distributor), the recorded invitation (`distribution.invite`), the distributor the
    customer is bound to. Inactive candidates from the last two are skipped.
    """
    if inviter_code:
        inviter = fetch.get_by_code(installation, inviter_code)
        if inviter is None:
            raise refuse(
                "inviter_code",
                "No distributor has this referral code.",
                NetworkErrorCode.INVITER_NOT_FOUND,
            )
        if not inviter.is_active:
            raise refuse(
                "inviter_code",
                "The inviting distributor is not active.",
                NetworkErrorCode.INVITER_NOT_ACTIVE,
            )
        return inviter
    invitation = fetch.invitation_for(installation, saleor_user_id)
    if invitation is not None and invitation.inviter.is_active:
        return invitation.inviter
    binding = fetch.current_binding(
        installation, saleor_user_id=saleor_user_id, email=None, at=at or timezone.now()
    )
    if binding is not None and binding.distributor.is_active:
        return binding.distributor
    sponsor = fetch.get_policy(installation).default_sponsor
    if sponsor is not None and sponsor.is_active:
        return sponsor
    return None


def apply(
    installation: Installation,
    *,
    saleor_user_id: str,
    email: str,
    display_name: str = "",
    inviter_code: str | None = None,
    paid_spend: Mapping[str, Decimal] | None = None,
) -> Distributor:
    """A customer applies to become a distributor, under the programme's joining mode.

    Open: active at once. Staff approval: `applied` until staff decide. Spend threshold:
    active if `paid_spend` (per currency, paid orders; supplied by the caller, which owns the
    orders) reaches the threshold, else refused and nothing is stored. A rejected applicant
    may apply again (back to the joining mode's status, same code and place in the tree).
    """
    existing = fetch.get_for_user(installation, saleor_user_id)
    if existing is not None and existing.status != DistributorStatus.REJECTED:
        raise refuse(
            "saleor_user_id",
            "The customer is already a distributor.",
            NetworkErrorCode.ALREADY_DISTRIBUTOR,
        )
    policy = fetch.get_policy(installation)
    status = calculations.join_status(
        policy.joining_mode,
        threshold_amount=policy.join_spend_threshold_amount,
        threshold_currency=policy.join_spend_threshold_currency,
        paid_spend=paid_spend,
    )
    if isinstance(status, NetworkErrorCode):
        raise refuse("paid_spend", "The customer has not spent enough to join yet.", status)
    if existing is not None:
        return _reapply(existing, status)
    parent = resolve_parent(installation, saleor_user_id=saleor_user_id, inviter_code=inviter_code)
    return add_distributor(
        installation,
        saleor_user_id=saleor_user_id,
        email=email,
        display_name=display_name,
        parent=parent,
        status=status,
    )


def _reapply(distributor: Distributor, status: str) -> Distributor:
    with transaction.atomic():
        locked = lock_objects.distributor_for_update(distributor)
        _check_transition(locked, status, (DistributorStatus.REJECTED,))
        now = timezone.now()
        before = audit.snapshot(locked, STATUS_FIELDS)
        locked.status = status
        locked.status_changed_at = now
        locked.status_reason = ""
        if status == DistributorStatus.ACTIVE and locked.approved_at is None:
            locked.approved_at = now
        locked.save(update_fields=STATUS_FIELDS)
        audit.record(
            locked.installation_id,
            actor=Actor.customer(locked.saleor_user_id, locked.email),
            action="distributor.reapply",
            subject=locked,
            before=before,
            after=audit.snapshot(locked, STATUS_FIELDS),
        )
    return locked


# --- status and grade (staff) -----------------------------------------------------------------


def _check_transition(distributor: Distributor, target: str, allowed_from: tuple[str, ...]) -> None:
    if distributor.status not in allowed_from or not calculations.can_transition(
        distributor.status, target
    ):
        raise refuse(
            "status",
            f"A distributor cannot go from {distributor.status} to {target} this way.",
            NetworkErrorCode.INVALID_TRANSITION,
        )


def _change_status(
    distributor: Distributor,
    target: str,
    *,
    allowed_from: tuple[str, ...],
    actor: Actor,
    action: str,
    reason: str = "",
) -> Distributor:
    """Move to `target` from one of `allowed_from`, judged on the row read under lock."""
    with transaction.atomic():
        locked = lock_objects.distributor_for_update(distributor)
        _check_transition(locked, target, allowed_from)
        now = timezone.now()
        before = audit.snapshot(locked, STATUS_FIELDS)
        locked.status = target
        locked.status_changed_at = now
        locked.status_reason = (
            reason if target in (DistributorStatus.SUSPENDED, DistributorStatus.REJECTED) else ""
        )
        if target == DistributorStatus.ACTIVE and locked.approved_at is None:
            locked.approved_at = now
        if target == DistributorStatus.SUSPENDED:
            locked.suspended_at = now
        if target == DistributorStatus.REJECTED:
            locked.rejected_at = now
        locked.save(update_fields=STATUS_FIELDS)
        audit.record(
            locked.installation_id,
            actor=actor,
            action=action,
            subject=locked,
            before=before,
            after=audit.snapshot(locked, STATUS_FIELDS),
            reason=reason,
        )
    return locked


def approve(distributor: Distributor, *, actor: Actor) -> Distributor:
    """Staff accept an application: applied → active."""
    return _change_status(
        distributor,
        DistributorStatus.ACTIVE,
        allowed_from=(DistributorStatus.APPLIED,),
        actor=actor,
        action="distributor.approve",
    )


def reject(distributor: Distributor, *, actor: Actor, reason: str = "") -> Distributor:
    """Staff turn an application down: applied → rejected."""
    return _change_status(
        distributor,
        DistributorStatus.REJECTED,
        allowed_from=(DistributorStatus.APPLIED,),
        actor=actor,
        action="distributor.reject",
        reason=reason,
    )


def suspend(distributor: Distributor, *, actor: Actor, reason: str = "") -> Distributor:
    """Staff stop an active distributor: active → suspended (their code stops binding)."""
    return _change_status(
        distributor,
        DistributorStatus.SUSPENDED,
        allowed_from=(DistributorStatus.ACTIVE,),
        actor=actor,
        action="distributor.suspend",
        reason=reason,
    )


def reinstate(distributor: Distributor, *, actor: Actor, reason: str = "") -> Distributor:
    """Staff bring back a suspended or rejected distributor: → active."""
    return _change_status(
        distributor,
        DistributorStatus.ACTIVE,
        allowed_from=(DistributorStatus.SUSPENDED, DistributorStatus.REJECTED),
        actor=actor,
        action="distributor.reinstate",
        reason=reason,
    )


def set_grade(
    distributor: Distributor, grade: Grade | None, *, actor: Actor, reason: str = ""
) -> Distributor:
    """Staff set a distributor's grade (None clears it)."""
    if grade is not None and grade.installation_id != distributor.installation_id:
        raise refuse(
            "grade", "The grade belongs to another installation.", NetworkErrorCode.INVALID_GRADE
        )
    with transaction.atomic():
        locked = lock_objects.distributor_for_update(distributor)
        if locked.grade_id == (grade.pk if grade else None):
            return locked
        # The grade row is locked as `grades.delete_grade` locks it, so that a deletion either
        # sees this distributor holding it (and is refused) or has removed it first (and this
        # is refused here), never a foreign-key failure at commit.
        if grade is not None and not _lock_grade(grade):
            raise refuse("grade", "The grade no longer exists.", NetworkErrorCode.INVALID_GRADE)
        before = audit.snapshot(locked, ("grade",))
        locked.grade = grade
        locked.save(update_fields=("grade",))
        audit.record(
            locked.installation_id,
            actor=actor,
            action="distributor.set_grade",
            subject=locked,
            before=before,
            after=audit.snapshot(locked, ("grade",)),
            reason=reason,
        )
    return locked


def _lock_grade(grade: Grade) -> bool:
    """Lock the grade's row for the caller's transaction; False when it has been deleted."""
    return Grade.objects.select_for_update().filter(pk=grade.pk).exists()


def change_code(distributor: Distributor, code: str, *, actor: Actor) -> Distributor:
    """Staff give a distributor another referral code (links with the old one stop working)."""
    if not calculations.is_valid_code(code):
        raise refuse(
            "code", "A referral code is 4 to 16 letters or digits.", NetworkErrorCode.CODE_INVALID
        )
    code = normalise_code(code)
    try:
        with transaction.atomic():
            locked = lock_objects.distributor_for_update(distributor)
            if locked.code == code:
                return locked
            before = audit.snapshot(locked, ("code",))
            locked.code = code
            locked.save(update_fields=("code",))
            audit.record(
                locked.installation_id,
                actor=actor,
                action="distributor.change_code",
                subject=locked,
                before=before,
                after={"code": code},
            )
    except IntegrityError:
        raise refuse("code", "The referral code is taken.", NetworkErrorCode.CODE_TAKEN) from None
    return locked


# --- moving a subtree (staff) -----------------------------------------------------------------


def move_subtree(
    distributor: Distributor,
    new_parent: Distributor | None,
    *,
    actor: Actor,
    reason: str = "",
) -> Distributor:
    """Staff move a distributor, with everyone below it, under `new_parent` (None: a root).

    Refused if it would make a cycle of any length: the new parent is the distributor itself
    or anyone in its subtree (checked on paths read under lock). The subtree's paths and
    depths are rewritten by one UPDATE; team counters of the old and new uplines change by
    the subtree's size, and per-level counters by its per-level counts. Locks (pk order): the
    subtree, the old upline, the new parent and its upline, so no insert or other move can
    interleave. Moving under the current parent changes nothing.
    """
    installation_id = distributor.installation_id
    if new_parent is not None and new_parent.installation_id != installation_id:
        raise refuse(
            "new_parent",
            "The new parent belongs to another installation.",
            NetworkErrorCode.OTHER_INSTALLATION,
        )
    if new_parent is not None and new_parent.pk == distributor.pk:
        raise refuse(
            "new_parent", "A distributor cannot be its own parent.", NetworkErrorCode.CYCLE
        )
    with transaction.atomic():
        node, parent = _lock_for_move(distributor, new_parent)
        if parent is not None and parent.path.startswith(node.path):
            raise refuse(
                "new_parent",
                "The new parent is in the distributor's own team.",
                NetworkErrorCode.CYCLE,
            )
        if node.parent_id == (parent.pk if parent else None):
            return node
        before = audit.snapshot(node, ("parent", "path", "depth"))
        old_ancestor_ids = node.ancestor_ids
        new_ancestor_ids = [parent.pk, *parent.ancestor_ids] if parent else []
        size = node.team_size + 1
        levels = dict(
            TeamLevelCount.objects.filter(ancestor_id=node.pk, count__gt=0).values_list(
                "relative_depth", "count"
            )
        )
        levels[0] = 1
        old_path = node.path
        new_path = calculations.child_path(parent.path if parent else None, node.pk)
        depth_change = (parent.depth + 1 if parent else 0) - node.depth
        if len(new_path) > len(old_path):
            longest = Distributor.objects.filter(
                installation_id=installation_id, path__startswith=old_path
            ).aggregate(longest=Max(Length("path")))["longest"]
            if longest - len(old_path) + len(new_path) > PATH_MAX_LENGTH:
                raise _too_deep("new_parent")

        Distributor.objects.filter(
            installation_id=installation_id, path__startswith=old_path
        ).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
            depth=F("depth") + depth_change,
        )
        Distributor.objects.filter(pk=node.pk).update(parent=parent)
        Distributor.objects.filter(pk__in=old_ancestor_ids).update(team_size=F("team_size") - size)
        Distributor.objects.filter(pk__in=new_ancestor_ids).update(team_size=F("team_size") + size)
        if old_ancestor_ids:
            Distributor.objects.filter(pk=old_ancestor_ids[0]).update(
                direct_count=F("direct_count") - 1
            )
        if parent is not None:
            Distributor.objects.filter(pk=parent.pk).update(direct_count=F("direct_count") + 1)
        _apply_level_deltas(
            calculations.moved_level_deltas(old_ancestor_ids, new_ancestor_ids, levels)
        )
        node.refresh_from_db()
        audit.record(
            installation_id,
            actor=actor,
            action="distributor.move",
            subject=node,
            before=before,
            after=audit.snapshot(node, ("parent", "path", "depth")),
            reason=reason,
        )
    logger.info(
        "Network subtree moved",
        extra={"installation_id": installation_id, "distributor_id": node.pk, "size": size},
    )
    return node


def _lock_for_move(
    distributor: Distributor, new_parent: Distributor | None
) -> tuple[Distributor, Distributor | None]:
    """Lock the subtree, its upline and the new parent's chain; return both rows fresh."""
    for _ in range(MAX_LOCK_ATTEMPTS):
        node_path = _fresh_path(distributor)
        parent_path = _fresh_path(new_parent) if new_parent is not None else None
        ids = calculations.path_ids(node_path)
        if parent_path is not None:
            ids += calculations.path_ids(parent_path)
        locked = lock_objects.distributors_for_update(
            distributor.installation_id, ids, subtree_of=node_path
        )
        node = locked.get(distributor.pk)
        parent = locked.get(new_parent.pk) if new_parent is not None else None
        if node is None or node.path != node_path:
            continue
        if new_parent is not None and (parent is None or parent.path != parent_path):
            continue
        return node, parent
    raise refuse(
        "new_parent",
        "The network changed during the move; try again.",
        NetworkErrorCode.CONCURRENT_CHANGE,
    )


# --- customer binding (关系绑定) --------------------------------------------------------------


@dataclass(frozen=True)
class BindingResult:
    binding: CustomerBinding
    outcome: BindingOutcome


def binding_rules(policy: NetworkPolicy) -> BindingRules:
    return BindingRules(
        touch=policy.binding_touch,
        days=policy.binding_days,
        protection_days=policy.binding_protection_days,
        new_customers_only=policy.bind_new_customers_only,
    )


def _normalise_customer(saleor_user_id: str | None, email: str | None) -> tuple[str, str]:
    saleor_user_id = (saleor_user_id or "").strip()
    email = (email or "").strip().lower()
    if not saleor_user_id and not email:
        raise refuse(
            "customer",
            "A customer needs a Saleor id or an email.",
            NetworkErrorCode.CUSTOMER_REQUIRED,
        )
    return saleor_user_id, email


def _is_self(distributor: Distributor, saleor_user_id: str, email: str) -> bool:
    if saleor_user_id:
        return distributor.saleor_user_id == saleor_user_id
    return distributor.email.lower() == email


def _check_can_bind(distributor: Distributor, saleor_user_id: str, email: str) -> None:
    if _is_self(distributor, saleor_user_id, email):
        raise refuse(
            "distributor",
            "A distributor cannot be bound to their own code.",
            NetworkErrorCode.SELF_BINDING,
        )
    # The stored status, not the instance's: a suspension takes effect at once.
    status = Distributor.objects.values_list("status", flat=True).get(pk=distributor.pk)
    if status != DistributorStatus.ACTIVE:
        raise refuse(
            "distributor", "The distributor is not active.", NetworkErrorCode.DISTRIBUTOR_NOT_ACTIVE
        )


def bind_customer(
    installation: Installation,
    *,
    distributor: Distributor,
    customer_saleor_id: str | None,
    customer_email: str | None,
    source: str,
    is_new_customer: bool | None = None,
    code: str = "",
    at: datetime | None = None,
) -> BindingResult:
    """Bind a customer to a distributor under the programme's binding policy.

    Refused: binding to oneself, to a distributor who is not active, and whatever
    `calculations.decide_binding` refuses (first touch, protection period, new customers
    only). `is_new_customer` is the caller's word (None: unknown, which new-customers-only
    treats as not new). A customer is found by Saleor id, and guest rows by email.
    A rebinding ends the open row and starts a new one, so history is kept; an open
    binding per customer is unique in the database, so two concurrent binds cannot both win.
    """
    assert distributor.installation_id == installation.pk
    saleor_user_id, email = _normalise_customer(customer_saleor_id, customer_email)
    _check_can_bind(distributor, saleor_user_id, email)
    rules = binding_rules(fetch.get_policy(installation))
    now = at or timezone.now()
    for attempt in range(MAX_BIND_ATTEMPTS):
        try:
            with transaction.atomic():
                new = _NewBinding(
                    installation,
                    distributor,
                    saleor_user_id,
                    email,
                    source,
                    code or distributor.code,
                    rules,
                    now,
                )
                return _bind(new, is_new_customer)
        except IntegrityError:
            # Lost the race for the customer's one open binding: decide again on fresh rows.
            if attempt == MAX_BIND_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class _NewBinding:
    """What a binding made now would hold."""

    installation: Installation
    distributor: Distributor
    saleor_user_id: str
    email: str
    source: str
    code: str
    rules: BindingRules
    now: datetime

    def create(self) -> CustomerBinding:
        expires_at, protected_until = calculations.binding_window(self.rules, self.now)
        return CustomerBinding.objects.create(
            installation=self.installation,
            customer_saleor_id=self.saleor_user_id,
            customer_email=self.email,
            distributor=self.distributor,
            source=self.source,
            code=self.code,
            bound_at=self.now,
            expires_at=expires_at,
            protected_until=protected_until,
        )


def _bind(new: _NewBinding, is_new_customer: bool | None) -> BindingResult:
    open_rows = lock_objects.open_bindings_for_update(
        new.installation.pk, saleor_user_id=new.saleor_user_id, email=new.email
    )
    current_row = _current_row(open_rows, new.saleor_user_id)
    current = (
        CurrentBinding(
            current_row.distributor_id, current_row.expires_at, current_row.protected_until
        )
        if current_row is not None
        else None
    )
    decision = calculations.decide_binding(
        new.rules,
        current=current,
        distributor_id=new.distributor.pk,
        now=new.now,
        is_new_customer=is_new_customer,
    )
    if isinstance(decision, NetworkErrorCode):
        raise refuse("customer", _REFUSALS[decision], decision)
    if decision == BindingOutcome.UNCHANGED:
        assert current_row is not None
        return BindingResult(current_row, decision)
    end_reason = (
        BindingEndReason.EXPIRED
        if decision == BindingOutcome.REPLACED_EXPIRED
        else BindingEndReason.REBOUND
    )
    _end_bindings(open_rows, new.now, end_reason)
    return BindingResult(new.create(), decision)


_REFUSALS = {
    NetworkErrorCode.NOT_NEW_CUSTOMER: "Only new customers can be bound.",
    NetworkErrorCode.ALREADY_BOUND: "The customer is already bound to another distributor.",
    NetworkErrorCode.BINDING_PROTECTED: "The customer's binding is in its protection period.",
}


def _current_row(open_rows: list[CustomerBinding], saleor_user_id: str) -> CustomerBinding | None:
    """The customer's own row if any, else their newest guest row (by email)."""
    own = [row for row in open_rows if saleor_user_id and row.customer_saleor_id == saleor_user_id]
    rows = own or open_rows
    return rows[-1] if rows else None


def _end_bindings(rows: list[CustomerBinding], now: datetime, reason: str) -> None:
    if rows:
        CustomerBinding.objects.filter(pk__in=[row.pk for row in rows]).update(
            ended_at=now, end_reason=reason
        )


def staff_bind_customer(
    installation: Installation,
    *,
    distributor: Distributor | None,
    customer_saleor_id: str | None,
    customer_email: str | None,
    actor: Actor,
    reason: str = "",
) -> CustomerBinding | None:
    """Staff bind a customer to `distributor` (or unbind with None), over the touch rules.

    Self-binding and inactive distributors are still refused. The new binding runs for the
    policy's duration and protection period from now. Returns the new binding (None when
    unbinding).
    """
    saleor_user_id, email = _normalise_customer(customer_saleor_id, customer_email)
    if distributor is not None:
        assert distributor.installation_id == installation.pk
        _check_can_bind(distributor, saleor_user_id, email)
    rules = binding_rules(fetch.get_policy(installation))
    now = timezone.now()
    fields = ("distributor", "source", "bound_at", "expires_at", "ended_at")
    with transaction.atomic():
        open_rows = lock_objects.open_bindings_for_update(
            installation.pk, saleor_user_id=saleor_user_id, email=email
        )
        current_row = _current_row(open_rows, saleor_user_id)
        before = audit.snapshot(current_row, fields) if current_row else {}
        _end_bindings(open_rows, now, BindingEndReason.STAFF)
        binding = None
        if distributor is not None:
            binding = _NewBinding(
                installation,
                distributor,
                saleor_user_id,
                email,
                BindingSource.STAFF,
                distributor.code,
                rules,
                now,
            ).create()
        subject = binding or current_row
        if subject is not None:
            audit.record(
                installation,
                actor=actor,
                action="binding.staff_bind" if binding else "binding.staff_unbind",
                subject=subject,
                before=before,
                after=audit.snapshot(binding, fields) if binding else {},
                reason=reason,
            )
    return binding


@dataclass(frozen=True)
class InviteResult:
    inviter: Distributor
    invitation: Invitation
    binding: CustomerBinding | None
    # A `BindingOutcome` value, or the `NetworkErrorCode` value the binding policy refused with.
    outcome: str


def accept_invite(
    installation: Installation,
    *,
    customer_saleor_id: str,
    customer_email: str,
    code: str,
    is_new_customer: bool | None,
    source: str = BindingSource.INVITE,
) -> InviteResult:
    """A customer arrived with an invitation code (`distribution.invite`, a link, ...).

    The code must name an active distributor other than the customer (else refused). The
    inviter is recorded (the first invitation is kept) so that they become the parent if the
    customer joins later; then the customer is bound under the binding policy. A binding the
    policy refuses is reported in `outcome`, not raised: the invitation still counts.
    """
    inviter = fetch.get_by_code(installation, code)
    if inviter is None:
        raise refuse(
            "code", "No distributor has this referral code.", NetworkErrorCode.INVITER_NOT_FOUND
        )
    saleor_user_id, email = _normalise_customer(customer_saleor_id, customer_email)
    if not saleor_user_id:
        raise refuse(
            "customer",
            "An invitation needs the customer's Saleor id.",
            NetworkErrorCode.CUSTOMER_REQUIRED,
        )
    if _is_self(inviter, saleor_user_id, email):
        raise refuse("code", "A distributor cannot invite themself.", NetworkErrorCode.SELF_BINDING)
    if not inviter.is_active:
        raise refuse(
            "code", "The inviting distributor is not active.", NetworkErrorCode.INVITER_NOT_ACTIVE
        )
    invitation, _ = Invitation.objects.get_or_create(
        installation=installation,
        customer_saleor_id=saleor_user_id,
        defaults={
            "customer_email": email,
            "inviter": inviter,
            "code": inviter.code,
            "source": source,
        },
    )
    try:
        result = bind_customer(
            installation,
            distributor=inviter,
            customer_saleor_id=saleor_user_id,
            customer_email=email,
            source=source,
            is_new_customer=is_new_customer,
            code=inviter.code,
        )
    except ValidationError as exc:
        return InviteResult(inviter, invitation, None, error_code(exc))
    return InviteResult(inviter, invitation, result.binding, result.outcome.value)


def error_code(exc: ValidationError) -> str:
    """The code of the first error of a field-keyed refusal."""
    return next(iter(exc.error_dict.values()))[0].code or "invalid"


# --- referral links ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferralRedirect:
    url: str | None  # None: nowhere to send the visitor (no storefront template: 404)
    distributor: Distributor | None
    counted: bool


def follow_referral_link(
    installation: Installation,
    *,
    code: str,
    product: str = "",
    channel: str = "",
    ip: str,
    user_agent: str,
    now: datetime | None = None,
) -> ReferralRedirect:
    """Where `/r/<code>[/<product>]` sends a visitor, recording the click.

    The channel is the requested one if it has templates, else the policy's default channel.
    A known, active code goes to the channel's `link` (or `product`) template with the code;
    an unknown or inactive code goes to the channel's `home` without any code and records
    nothing; with no template at all there is nowhere to go (None).

    A click is counted (a `ReferralClick` row) unless the same hashed visitor already has
    `click_rate_limit` counted clicks in the last `click_rate_window_seconds`. Clicks beyond
    the limit are still redirected: the visitor may be a real shopper, and a broken link costs
    the merchant a sale, while the limit only exists to keep click statistics and any click
    rewards from being inflated by reloads and bots. The check is not locked: two truly
    simultaneous clicks may both count, which is harmless for statistics.
    """
    now = now or timezone.now()
    policy = fetch.get_policy(installation)
    channel_slug = channel if channel in policy.storefront_urls else policy.default_channel
    templates = policy.storefront_urls.get(channel_slug) or {}
    distributor = fetch.get_by_code(installation, code)
    if distributor is None or not distributor.is_active:
        home = templates.get("home")
        url = calculations.render_storefront_url(home, channel=channel_slug) if home else None
        return ReferralRedirect(url, None, counted=False)
    template = (templates.get("product") if product else None) or templates.get("link")
    if not template:
        return ReferralRedirect(None, distributor, counted=False)
    url = calculations.render_storefront_url(
        template, channel=channel_slug, code=distributor.code, product=product
    )
    visitor = calculations.visitor_hash(
        settings.SECRET_KEY,
        installation_id=installation.pk,
        day=now.date(),
        ip=ip,
        user_agent=user_agent,
    )
    recent = ReferralClick.objects.filter(
        installation=installation,
        visitor_hash=visitor,
        clicked_at__gt=now - timedelta(seconds=policy.click_rate_window_seconds),
    )
    counted = recent[: policy.click_rate_limit].count() < policy.click_rate_limit
    if counted:
        ReferralClick.objects.create(
            installation=installation,
            distributor=distributor,
            clicked_at=now,
            channel=channel_slug,
            product=product[:255],
            target_url=url[:2048],
            visitor_hash=visitor,
        )
    return ReferralRedirect(url, distributor, counted)


PRODUCT_ID_MAX_LENGTH = 255


def create_referral_link(
    distributor: Distributor, *, channel: str, product: str = ""
) -> ReferralLink:
    """A distributor makes a share link for a channel's shop or one of its products.

    Refused: a distributor who is not active (their links would lead nowhere), a channel the
    programme has no storefront URLs for, a malformed product id. Making the same link
    again returns the existing one.
    """
    status = Distributor.objects.values_list("status", flat=True).get(pk=distributor.pk)
    if status != DistributorStatus.ACTIVE:
        raise refuse("distributor", "Only active distributors can share links.",
                     NetworkErrorCode.DISTRIBUTOR_NOT_ACTIVE)
    product = product.strip()
    if len(product) > PRODUCT_ID_MAX_LENGTH or (product and not product.isprintable()):
        raise refuse("product", "Not a product id.", NetworkErrorCode.PRODUCT_INVALID)
    templates = fetch.get_policy(distributor.installation).storefront_urls.get(channel) or {}
    if not templates.get("link") or (product and not templates.get("product")):
        raise refuse("channel", "The programme has no storefront URL for this channel.",
                     NetworkErrorCode.UNKNOWN_CHANNEL)
    link, _ = ReferralLink.objects.get_or_create(
        installation_id=distributor.installation_id, distributor=distributor, channel=channel,
        product=product,
    )
    return link


# --- policy (staff) ---------------------------------------------------------------------------

POLICY_FIELDS = (
    "joining_mode",
    "join_spend_threshold_amount",
    "join_spend_threshold_currency",
    "default_sponsor",
    "binding_days",
    "binding_touch",
    "binding_protection_days",
    "bind_new_customers_only",
    "storefront_urls",
    "default_channel",
    "click_rate_limit",
    "click_rate_window_seconds",
)


def update_policy(installation: Installation, *, actor: Actor, **changes: Any) -> NetworkPolicy:
    """Staff change the programme's network rules; every change is validated, then audited.

    Unknown fields are a programming error. Refused: an unknown joining mode or touch model,
    a negative or zero-length setting where a positive one is needed, a spend threshold
    without a currency, a default sponsor who is not an active distributor of this
    installation, storefront templates that are not absolute URLs with the right
    placeholders, a default channel without templates.
    """
    unknown = set(changes) - set(POLICY_FIELDS)
    assert not unknown, f"unknown policy fields: {sorted(unknown)}"
    fetch.get_policy(installation)
    with transaction.atomic():
        policy = lock_objects.policy_for_update(installation)
        before = audit.snapshot(policy, POLICY_FIELDS)
        for name, value in changes.items():
            setattr(policy, name, value)
        _validate_policy(policy, set(changes))
        policy.updated_at = timezone.now()
        policy.save()
        audit.record(
            installation,
            actor=actor,
            action="network_policy.update",
            subject=policy,
            before=before,
            after=audit.snapshot(policy, POLICY_FIELDS),
        )
    return policy


def _validate_policy(policy: NetworkPolicy, changed: set[str]) -> None:
    """Check the changed fields and those whose meaning depends on them (a sponsor suspended
    since it was chosen does not block an unrelated change)."""
    errors: dict[str, ValidationError] = {}
    invalid = NetworkErrorCode.INVALID_POLICY

    def check(
        field: str, ok: bool, message: str, *depends_on: str, code: NetworkErrorCode = invalid
    ) -> None:
        if (changed & {field, *depends_on}) and not ok and field not in errors:
            errors[field] = ValidationError(message, code=code.value)

    def whole(value: object, minimum: int) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value >= minimum

    check("joining_mode", policy.joining_mode in JoiningMode.values, "Unknown joining mode.")
    check("binding_touch", policy.binding_touch in TouchModel.values, "Unknown touch model.")
    amount = policy.join_spend_threshold_amount
    check(
        "join_spend_threshold_amount",
        isinstance(amount, Decimal) and amount >= 0,
        "The threshold is a non-negative Decimal.",
    )
    check(
        "join_spend_threshold_currency",
        policy.joining_mode != JoiningMode.SPEND_THRESHOLD
        or len(policy.join_spend_threshold_currency) == 3,
        "A spend threshold needs a currency code.",
        "joining_mode",
    )
    check(
        "binding_protection_days",
        whole(policy.binding_protection_days, 0),
        "Must be a whole number, zero or more.",
    )
    check(
        "click_rate_limit",
        whole(policy.click_rate_limit, 0),
        "Must be a whole number, zero or more.",
    )
    check(
        "click_rate_window_seconds",
        whole(policy.click_rate_window_seconds, 1),
        "The window is one second or more.",
    )
    check(
        "binding_days",
        policy.binding_days is None or whole(policy.binding_days, 1),
        "A binding lasts one day or more (None: permanent).",
    )
    sponsor = policy.default_sponsor
    check(
        "default_sponsor",
        sponsor is None
        or (sponsor.installation_id == policy.installation_id and sponsor.is_active),
        "The default sponsor must be an active distributor.",
        code=NetworkErrorCode.INVITER_NOT_ACTIVE,
    )
    urls = policy.storefront_urls
    shape_ok = isinstance(urls, dict) and all(
        isinstance(channel, str) and channel and isinstance(templates, dict)
        for channel, templates in urls.items()
    )
    check(
        "storefront_urls",
        shape_ok,
        "Storefront URLs map channel slugs to templates.",
        code=NetworkErrorCode.INVALID_URL_TEMPLATE,
    )
    if shape_ok:
        for channel, templates in sorted(urls.items()):
            for kind, template in sorted(templates.items()):
                message = calculations.url_template_problem(kind, template)
                check(
                    "storefront_urls",
                    message is None,
                    f"{channel}: {message}",
                    code=NetworkErrorCode.INVALID_URL_TEMPLATE,
                )
        check(
            "default_channel",
            not policy.default_channel or policy.default_channel in urls,
            "The default channel has no storefront URLs.",
            "storefront_urls",
        )
    if errors:
        raise ValidationError(errors)
