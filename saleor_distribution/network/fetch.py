"""Read helpers for the network: codes, ancestors, bindings."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from saleor_distribution.installations.models import Installation
from saleor_distribution.network.models import CustomerBinding, Distributor


def normalise_code(code: str) -> str:
    return code.strip().upper()


def get_by_code(installation: Installation, code: str) -> Distributor | None:
    """The distributor owning a referral code, case-insensitively."""
    if not code or not code.strip():
        return None
    return Distributor.objects.filter(installation=installation, code=normalise_code(code)).first()


def get_for_user(installation: Installation, saleor_user_id: str) -> Distributor | None:
    return Distributor.objects.filter(
        installation=installation, saleor_user_id=saleor_user_id
    ).first()


def ancestors(distributor: Distributor) -> list[Distributor]:
    """The upline, nearest (the parent) first, in one query."""
    ids = distributor.ancestor_ids
    if not ids:
        return []
    by_id = Distributor.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def current_binding(
    installation: Installation,
    *,
    saleor_user_id: str | None,
    email: str | None,
    at: datetime,
) -> CustomerBinding | None:
    """The binding in force for a customer at `at` (by Saleor user id, else by email)."""
    who = Q()
    if saleor_user_id:
        who |= Q(customer_saleor_id=saleor_user_id)
    if email:
        who |= Q(customer_email__iexact=email)
    if not who:
        return None
    return (
        CustomerBinding.objects.filter(who, installation=installation, bound_at__lte=at)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=at))
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=at))
        .select_related("distributor")
        .order_by("-bound_at", "-pk")
        .first()
    )
