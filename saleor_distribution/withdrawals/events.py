"""The audit trail of withdrawals (`WithdrawalEvent`). Written in the same transaction as
the change it records; never holds secrets, plain identities or names."""

from __future__ import annotations

from typing import Any

from saleor_distribution.withdrawals.models import Withdrawal, WithdrawalEvent

SYSTEM = "system"


def staff(user_id: str) -> str:
    return f"staff:{user_id}"


def distributor(distributor_id: int) -> str:
    return f"distributor:{distributor_id}"


def provider(channel: str) -> str:
    return f"provider:{channel}"


def new_withdrawal_event(
    withdrawal: Withdrawal,
    type: str,
    *,
    actor: str,
    from_status: str = "",
    to_status: str | None = None,
    data: dict[str, Any] | None = None,
) -> WithdrawalEvent:
    """The event, not saved yet (a batch inserts its events in one statement); `to_status`
    is the withdrawal's status now unless given."""
    return WithdrawalEvent(
        installation_id=withdrawal.installation_id,
        withdrawal=withdrawal,
        type=type,
        actor=actor,
        from_status=from_status,
        to_status=withdrawal.status if to_status is None else to_status,
        data=data or {},
    )


def withdrawal_event(
    withdrawal: Withdrawal,
    type: str,
    *,
    actor: str,
    from_status: str = "",
    data: dict[str, Any] | None = None,
) -> WithdrawalEvent:
    event = new_withdrawal_event(withdrawal, type, actor=actor, from_status=from_status, data=data)
    event.save(force_insert=True)
    return event


def subject_event(
    installation_id: int, type: str, *, actor: str, subject: str, data: dict[str, Any] | None = None
) -> WithdrawalEvent:
    return WithdrawalEvent.objects.create(
        installation_id=installation_id, type=type, actor=actor, subject=subject, data=data or {}
    )
