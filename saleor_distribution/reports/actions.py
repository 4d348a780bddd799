"""Keeping the sales figures in step with the orders."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

from saleor_distribution.commissions.models import OrderRecord
from saleor_distribution.core.db import insert_returning_pks
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
    record_orders_sales([(record, order)])


def record_orders_sales(applied: Sequence[tuple[OrderRecord, payloads.Order]]) -> None:
    """`record_order_sales` for several distinct orders of one installation at once (the
    order sync's batches): one read of their sales rows, one insert of the new ones, one of
    their products, and one upsert of the summed totals."""
    if not applied:
        return
    installation_ids = {record.installation_id for record, _ in applied}
    assert len(installation_ids) == 1, "one installation at a time"
    rows = {
        row.order_id: row
        for row in OrderSales.objects.filter(order_id__in=[r.pk for r, _ in applied])
    }
    now = timezone.now()
    deltas: dict[calculations.Key, tuple[Decimal, int]] = {}
    created: list[tuple[OrderSales, list[str]]] = []
    products: list[OrderProduct] = []
    cleared: list[int] = []
    for record, order in applied:
        assert record.pk is not None and record.saleor_created_at is not None
        facts = calculations.order_sales(order)
        distributor_id = record.attributed_distributor_id
        row = rows.get(record.pk)
        before = (row.distributor_id, row.currency, row.counted, row.amount) if row else None
        after = (distributor_id, facts.currency, facts.counted, facts.amount)
        product_ids = list(facts.product_ids) if facts.counted and distributor_id else []
        if row is None:
            row = OrderSales(
                installation_id=record.installation_id, order_id=record.pk,
                distributor_id=distributor_id, customer_saleor_id=record.customer_saleor_id,
                currency=facts.currency, counted=facts.counted, amount=facts.amount,
                product_ids=product_ids, placed_at=record.saleor_created_at, updated_at=now,
            )
            created.append((row, product_ids))
        else:
            changed_products = (
                row.product_ids != product_ids or row.distributor_id != distributor_id
            )
            if before != after or changed_products or row.customer_saleor_id != (
                record.customer_saleor_id
            ):
                OrderSales.objects.filter(pk=row.pk).update(
                    distributor_id=distributor_id, customer_saleor_id=record.customer_saleor_id,
                    currency=facts.currency, counted=facts.counted, amount=facts.amount,
                    product_ids=product_ids, placed_at=record.saleor_created_at, updated_at=now,
                )
            if changed_products:
                cleared.append(row.pk)
                products += _products(row.pk, distributor_id, product_ids)
        for key, (amount, count) in calculations.sales_deltas(before, after).items():
            old_amount, old_count = deltas.get(key, (Decimal(0), 0))
            deltas[key] = (old_amount + amount, old_count + count)
    insert_returning_pks([row for row, _ in created])
    for row, product_ids in created:
        products += _products(row.pk, row.distributor_id, product_ids)
    if cleared:
        OrderProduct.objects.filter(order_sales_id__in=cleared).delete()
    insert_returning_pks(products)
    _add_to_totals(
        installation_ids.pop(), {key: value for key, value in deltas.items() if value != (0, 0)}
    )


def _products(
    order_sales_id: int, distributor_id: int | None, product_ids: list[str]
) -> list[OrderProduct]:
    if not product_ids:
        return []
    assert distributor_id is not None
    return [
        OrderProduct(order_sales_id=order_sales_id, distributor_id=distributor_id, product_id=p)
        for p in product_ids
    ]


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
