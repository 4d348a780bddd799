"""Row locks of withdrawals. Order: withdrawals (primary-key order) → ledger accounts
(taken by the ledger itself). A request locks only the account (its withdrawal row does not
exist yet). No provider is ever called while one of these locks is held."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from saleor_distribution.withdrawals.models import Withdrawal


def withdrawal_for_update(installation_id: int, withdrawal_id: int) -> QuerySet[Withdrawal]:
    return Withdrawal.objects.filter(
        pk=withdrawal_id, installation_id=installation_id
    ).select_for_update(of=("self",))


def withdrawals_for_update(
    installation_id: int, withdrawal_ids: Iterable[int]
) -> QuerySet[Withdrawal]:
    return (
        Withdrawal.objects.filter(pk__in=list(withdrawal_ids), installation_id=installation_id)
        .order_by("pk")
        .select_for_update(of=("self",))
    )
