"""Row locks of the commission engine. The global order is: order record → its
commissions (primary-key order) → ledger accounts (primary-key order). The settlement task
claims commissions with SKIP LOCKED, so it never waits on an order being reconciled."""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import QuerySet

from saleor_distribution.commissions.models import Commission, OrderRecord


def order_records_for_update(
    installation_id: int, saleor_order_ids: Collection[str]
) -> QuerySet[OrderRecord]:
    return (
        OrderRecord.objects.filter(
            installation_id=installation_id, saleor_order_id__in=saleor_order_ids
        )
        .select_related("plan_version")
        .order_by("pk")
        .select_for_update(of=("self",))
    )


def commissions_for_update(orders: Collection[OrderRecord]) -> QuerySet[Commission]:
    """The commissions of these orders, locked in primary-key order (after the orders)."""
    return (
        Commission.objects.filter(order__in=orders).order_by("pk").select_for_update(of=("self",))
    )
