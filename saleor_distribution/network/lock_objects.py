"""Row locks of the network, always taken in primary-key order so that two transactions
locking overlapping sets cannot deadlock (compare Saleor's `payment/lock_objects.py`).

On SQLite, `select_for_update` is a no-op; there a write transaction holds the database
lock from BEGIN (settings: `transaction_mode=IMMEDIATE`), which serialises writers anyway.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from saleor_distribution.installations.models import Installation
from saleor_distribution.network.models import CustomerBinding, Distributor, NetworkPolicy


def distributors_for_update(
    installation_id: int, ids: Iterable[int], *, subtree_of: str | None = None
) -> dict[int, Distributor]:
    """Lock the distributors `ids`, plus every row whose path starts with `subtree_of`."""
    which = Q(pk__in=set(ids))
    if subtree_of is not None:
        which |= Q(path__startswith=subtree_of)
    rows = (
        Distributor.objects.filter(which, installation_id=installation_id)
        .order_by("pk")
        .select_for_update(of=("self",))
    )
    return {row.pk: row for row in rows}


def distributor_for_update(distributor: Distributor) -> Distributor:
    return (
        Distributor.objects.filter(installation_id=distributor.installation_id, pk=distributor.pk)
        .select_for_update(of=("self",))
        .get()
    )


def open_bindings_for_update(
    installation_id: int, *, saleor_user_id: str, email: str
) -> list[CustomerBinding]:
    """The customer's open bindings (by Saleor id, and guest rows by email), locked."""
    who = Q()
    if saleor_user_id:
        who |= Q(customer_saleor_id=saleor_user_id)
    if email:
        who |= Q(customer_saleor_id="", customer_email=email)
    assert who, "a customer needs a Saleor id or an email"
    return list(
        CustomerBinding.objects.filter(who, installation_id=installation_id, ended_at__isnull=True)
        .order_by("pk")
        .select_for_update(of=("self",))
    )


def policy_for_update(installation: Installation) -> NetworkPolicy:
    return NetworkPolicy.objects.select_for_update(of=("self",)).get(installation=installation)
