"""Pure rules of the reports: what an order counts for. No ORM, no clock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from saleor_distribution.commissions.calculations import TERMINAL_STATUSES, is_paid
from saleor_distribution.core.money import quantize
from saleor_distribution.saleor import payloads

ZERO = Decimal(0)
MAX_PERIOD_DAYS = 366


@dataclass(frozen=True)
class OrderSalesFacts:
    currency: str
    counted: bool
    amount: Decimal
    product_ids: tuple[str, ...]


def order_sales(order: payloads.Order) -> OrderSalesFacts:
    """An order counts once it is paid, until it is cancelled or expires. Its sales value is
    what the customer paid for it and kept: the gross total less the money refunded
    (shipping and tax included, as a shop's sales figure is), never below zero."""
    counted = order.status not in TERMINAL_STATUSES and is_paid(order)
    amount = ZERO
    if counted:
        amount = quantize(
            max(ZERO, order.total.gross.amount - order.total_refunded.amount), order.currency
        )
    products = sorted(
        {line.variant.product.id for line in order.lines if line.variant and line.variant.product}
    )
    return OrderSalesFacts(order.currency, counted, amount, tuple(products))


Key = tuple[int, str]  # (distributor id, currency)


def sales_deltas(
    before: tuple[int | None, str, bool, Decimal] | None,
    after: tuple[int | None, str, bool, Decimal],
) -> dict[Key, tuple[Decimal, int]]:
    """How the distributors' totals change when an order's (distributor, currency, counted,
    amount) goes from `before` (None: first seen) to `after`: (amount delta, order count
    delta) per (distributor, currency); unchanged keys are left out."""
    deltas: dict[Key, tuple[Decimal, int]] = {}
    for sign, state in ((-1, before), (1, after)):
        if state is None:
            continue
        distributor_id, currency, counted, amount = state
        if distributor_id is None or not counted:
            continue
        key = (distributor_id, currency)
        old_amount, old_count = deltas.get(key, (ZERO, 0))
        deltas[key] = (old_amount + sign * amount, old_count + sign)
    return {key: value for key, value in deltas.items() if value != (ZERO, 0)}


def days(start: date, end: date) -> list[date]:
    """Every day from `start` to `end`, both included."""
    assert start <= end
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def daily_series(
    start: date, end: date, per_day: Mapping[date, Decimal]
) -> list[tuple[date, Decimal]]:
    """A value for every day of the period, zero where nothing happened."""
    return [(day, per_day.get(day, ZERO)) for day in days(start, end)]


def total(values: Iterable[Decimal]) -> Decimal:
    return sum(values, ZERO)
