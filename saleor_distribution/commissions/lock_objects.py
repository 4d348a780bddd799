"""Row locks of the commission engine. The global order is: order record → its
commissions (primary-key order) → ledger accounts (primary-key order). The settlement task
claims commissions with SKIP LOCKED, so it never waits on an order being reconciled."""

from __future__ import annotations

from django.db.models import QuerySet

from saleor_distribution.commissions.models import Commission, OrderRecord


def order_record_for_update(installation_id: int, saleor_order_id: str) -> QuerySet[OrderRecord]:
    return (
        OrderRecord.objects.filter(installation_id=installation_id, saleor_order_id=saleor_order_id)
        .select_related("plan_version")
        .select_for_update(of=("self",))
    )


def commissions_for_update(order: OrderRecord) -> QuerySet[Commission]:
    return Commission.objects.filter(order=order).order_by("pk").select_for_update(of=("self",))
