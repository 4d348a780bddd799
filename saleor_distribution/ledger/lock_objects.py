"""Row locks of the ledger. Always taken in primary-key order, so two writers that need the
same accounts queue instead of deadlocking. Callers that also lock commissions lock those
first (commissions → accounts is the one global order)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from saleor_distribution.ledger.models import Account


def accounts_for_update(
    installation_id: int, pairs: Iterable[tuple[int, str]]
) -> QuerySet[Account]:
    """The accounts of (distributor id, currency) pairs, locked in primary-key order."""
    # One condition per currency (a batch of orders has hundreds of pairs, and compiling a
    # condition per pair cost more than the query).
    by_currency: dict[str, set[int]] = defaultdict(set)
    for distributor_id, currency in pairs:
        by_currency[currency].add(distributor_id)
    who = Q()
    for currency, distributor_ids in sorted(by_currency.items()):
        who |= Q(currency=currency, distributor_id__in=sorted(distributor_ids))
    return (
        Account.objects.filter(who, installation_id=installation_id)
        .order_by("pk")
        .select_for_update(of=("self",))
    )
