"""Keeping the sales figures in step with the orders."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

from saleor_distribution.commissions.models import OrderRecord
from saleor_distribution.reports import calculations
from saleor_distribution.reports.models import DistributorSales, OrderProduct, OrderSales
from saleor_distribution.saleor import payloads


def record_order_sales(record: OrderRecord, order: payloads.Order) -> None:
    """Bring the order's sales row, its products and its distributor's totals to what the
    snapshot `order` (just applied to `record`) implies.

    Runs inside the reconciliation's transaction, after the record is saved and while its
    row lock is held, so two snapshots of one order never update the totals at once; a
    re-attributed order moves its sales from the old distributor to the new one. Totals
    change by deltas in one upsert per (distributor, currency), in key order, so concurrent
    orders of one distributor queue on its row instead of deadlocking.
    """
    assert record.pk is not None and record.saleor_created_at is not None
    facts = calculations.order_sales(order)
    distributor_id = record.attributed_distributor_id
    row = OrderSales.objects.filter(order_id=record.pk).first()
    before = (row.distributor_id, row.currency, row.counted, row.amount) if row else None
    after = (distributor_id, facts.currency, facts.counted, facts.amount)
    products = list(facts.product_ids) if facts.counted and distributor_id else []
    now = timezone.now()
    if row is None:
        row = OrderSales.objects.create(
            installation_id=record.installation_id, order_id=record.pk,
            distributor_id=distributor_id, customer_saleor_id=record.customer_saleor_id,
            currency=facts.currency, counted=facts.counted, amount=facts.amount,
            product_ids=products, placed_at=record.saleor_created_at, updated_at=now,
        )
        changed_products = bool(products)
    else:
        changed_products = row.product_ids != products or row.distributor_id != distributor_id
        if before != after or changed_products or row.customer_saleor_id != (
            record.customer_saleor_id
        ):
            OrderSales.objects.filter(pk=row.pk).update(
                distributor_id=distributor_id, customer_saleor_id=record.customer_saleor_id,
                currency=facts.currency, counted=facts.counted, amount=facts.amount,
                product_ids=products, placed_at=record.saleor_created_at, updated_at=now,
            )
        if changed_products:
            OrderProduct.objects.filter(order_sales_id=row.pk).delete()
    if changed_products and products:
        assert distributor_id is not None
        OrderProduct.objects.bulk_create(
            [
                OrderProduct(order_sales_id=row.pk, distributor_id=distributor_id, product_id=p)
                for p in products
            ]
        )
    _add_to_totals(record.installation_id, calculations.sales_deltas(before, after))


def _add_to_totals(
    installation_id: int, deltas: dict[calculations.Key, tuple[Decimal, int]]
) -> None:
    if not deltas:
        return
    table = connection.ops.quote_name(DistributorSales._meta.db_table)
    now = timezone.now()
    rows = sorted(deltas.items())
    values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(rows))
    params: list[Any] = []
    for (distributor_id, currency), (amount, count) in rows:
        params += [installation_id, distributor_id, currency, amount, count, now]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (installation_id, distributor_id, currency, amount, "  # noqa: S608
            f"order_count, updated_at) VALUES {values} "
            f"ON CONFLICT (distributor_id, currency) DO UPDATE SET "
            f"amount = {table}.amount + excluded.amount, "
            f"order_count = {table}.order_count + excluded.order_count, "
            f"updated_at = excluded.updated_at",
            params,
        )
