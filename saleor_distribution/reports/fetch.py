"""Read helpers of the reports: sales per distributor, distributors ranked by sales, a
customer's paid spend, and the programme overview, all in aggregate SQL."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from saleor_distribution.commissions.models import Commission, CommissionState
from saleor_distribution.core.db import instance_from_row, row_width, select_columns
from saleor_distribution.installations.models import Installation
from saleor_distribution.network.models import Distributor
from saleor_distribution.reports import calculations
from saleor_distribution.reports.models import DistributorSales, OrderProduct, OrderSales
from saleor_distribution.withdrawals.models import Withdrawal, WithdrawalStatus

ZERO = Decimal(0)
STORED_PLACES = Decimal("0.001")


def _exact(value: Decimal | None) -> Decimal:
    # Exact on PostgreSQL; SQLite sums NUMERIC columns as floats, so round to the columns'
    # 3 places (far coarser than a float's error, far finer than any currency).
    return ZERO if value is None else Decimal(value).quantize(STORED_PLACES)


def default_currency(installation: Installation) -> str | None:
    """The currency to report in when the caller names none: that of the installation's
    latest order (None before the first order)."""
    # Hand-written: every list and money page reads it, and building the ORM's statement
    # took twice as long as PostgreSQL takes to answer it.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT currency FROM {OrderSales._meta.db_table} "  # noqa: S608 (a table name)
            "WHERE installation_id = %s ORDER BY id DESC LIMIT 1",
            [installation.pk],
        )
        row = cursor.fetchone()
    return str(row[0]) if row else None


def sales_totals(distributor_ids: Iterable[int], currency: str) -> dict[int, Decimal]:
    """Each distributor's sales in `currency` (absent: none)."""
    rows = DistributorSales.objects.filter(
        distributor_id__in=list(distributor_ids), currency=currency
    ).values_list("distributor_id", "amount")
    return {pk: _exact(amount) for pk, amount in rows}


def order_counts(distributor_ids: Iterable[int]) -> dict[int, int]:
    """How many counted orders are attributed to each distributor, in every currency."""
    rows = (
        DistributorSales.objects.filter(distributor_id__in=list(distributor_ids))
        .values("distributor_id")
        .annotate(orders=Sum("order_count"))
        .values_list("distributor_id", "orders")
    )
    return dict(rows)


def product_order_counts(
    pairs: Iterable[tuple[int, str]],
) -> dict[tuple[int, str], int]:
    """Counted orders attributed to each (distributor, product) that contain the product."""
    pairs = set(pairs)
    if not pairs:
        return {}
    rows = (
        OrderProduct.objects.filter(
            distributor_id__in={d for d, _ in pairs}, product_id__in={p for _, p in pairs}
        )
        .values("distributor_id", "product_id")
        .annotate(orders=Count("pk"))
        .values_list("distributor_id", "product_id", "orders")
    )
    return {(d, p): orders for d, p, orders in rows if (d, p) in pairs}


def customer_paid_spend(installation: Installation, saleor_user_id: str) -> dict[str, Decimal]:
    """What a customer has paid for and kept, per currency (spend-threshold joining)."""
    rows = (
        OrderSales.objects.filter(
            installation=installation, customer_saleor_id=saleor_user_id, counted=True
        )
        .values("currency")
        .annotate(total=Sum("amount"))
        .values_list("currency", "total")
    )
    return {currency: _exact(total) for currency, total in rows}


def has_ordered(installation: Installation, saleor_user_id: str) -> bool:
    """Whether the shop has seen any order of the customer (they are not new)."""
    return OrderSales.objects.filter(
        installation=installation, customer_saleor_id=saleor_user_id
    ).exists()


# --- ranking ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankedPage:
    rows: list[tuple[Distributor, Decimal]]
    has_next_page: bool


def rank_by_sales(
    distributors: QuerySet[Distributor],
    *,
    installation: Installation,
    currency: str,
    descending: bool,
    first: int,
    after: tuple[Decimal, int] | None = None,
) -> RankedPage:
    """One page of `distributors` ordered by sales in `currency`, then by id.

    Two index-friendly reads instead of one sort of every distributor: those with sales,
    through the (installation, currency, amount, distributor) index of the totals, and
    those without, in id order with an anti-join; descending takes the first read first.
    `after` is the (sales, id) of the last row of the previous page. `distributors` must
    all be of `installation`.
    """
    assert first >= 0
    with_sales = Q(
        Exists(
            DistributorSales.objects.filter(
                distributor=OuterRef("pk"), currency=currency, amount__gt=0
            )
        )
    )
    ranked = distributors.filter(
        sales_totals__installation=installation,
        sales_totals__currency=currency,
        sales_totals__amount__gt=0,
    ).annotate(sales=F("sales_totals__amount"))
    unranked = distributors.filter(~with_sales)
    sales_order = ["-sales", "-pk"] if descending else ["sales", "pk"]
    id_order = ["-pk"] if descending else ["pk"]
    phases: list[tuple[QuerySet[Distributor], list[str], bool]] = [
        (ranked, sales_order, True),
        (unranked, id_order, False),
    ]
    if not descending:
        phases.reverse()
    rows: list[tuple[Distributor, Decimal]] = []
    started = after is None
    for queryset, ordering, has_sales in phases:
        if not started:
            assert after is not None
            amount, pk = after
            in_this_phase = (amount > 0) == has_sales
            if not in_this_phase:
                continue
            started = True
            lookup = "lt" if descending else "gt"
            if has_sales:
                queryset = queryset.filter(
                    Q(**{f"sales__{lookup}": amount}) | Q(sales=amount, **{f"pk__{lookup}": pk})
                )
            else:
                queryset = queryset.filter(**{f"pk__{lookup}": pk})
        wanted = first + 1 - len(rows)
        if wanted <= 0:
            break
        for row in queryset.order_by(*ordering)[:wanted]:
            sales = row.sales if has_sales else None  # type: ignore[attr-defined]
            rows.append((row, _exact(sales)))
    return RankedPage(rows[:first], len(rows) > first)


def rank_all_by_sales(
    installation: Installation,
    *,
    currency: str,
    first: int,
    after: tuple[Decimal, int] | None = None,
) -> RankedPage:
    """`rank_by_sales` of every distributor of `installation`, highest sales first, each
    with its parent (as `select_related("parent")` gives it), for the staff list's usual
    page. One hand-written statement read through `core.db.instance_from_row`: building
    the ORM's statement and parsing the rows' timestamps cost more than the statement
    itself. Pages that reach the distributors without sales, and other databases, take
    `rank_by_sales`."""
    assert first >= 0
    if connection.vendor != "postgresql" or (after is not None and after[0] <= 0):
        return _rank_all_the_orm_way(installation, currency, first, after)
    width = row_width(Distributor)
    keyset = ""
    params: dict[str, int | str | Decimal] = {
        "installation": installation.pk, "currency": currency, "limit": first + 1
    }
    if after is not None:
        keyset = (
            "AND (s.amount < %(amount)s"
            " OR (s.amount = %(amount)s AND s.distributor_id < %(pk)s))"
        )
        params.update(amount=after[0], pk=after[1])
    sql = f"""
        SELECT {select_columns(Distributor, "d")}, s.amount, {select_columns(Distributor, "p")}
        FROM {DistributorSales._meta.db_table} s
        JOIN {Distributor._meta.db_table} d ON d.id = s.distributor_id
        LEFT JOIN {Distributor._meta.db_table} p ON p.id = d.parent_id
        WHERE s.installation_id = %(installation)s AND s.currency = %(currency)s
          AND s.amount > 0 AND d.installation_id = %(installation)s {keyset}
        ORDER BY s.amount DESC, s.distributor_id DESC
        LIMIT %(limit)s
    """  # noqa: S608 (only names are formatted in)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    if len(fetched) <= first:
        # The page reaches past the last distributor with sales: those without follow.
        return _rank_all_the_orm_way(installation, currency, first, after)
    rows: list[tuple[Distributor, Decimal]] = []
    for values in fetched[:first]:
        row = instance_from_row(Distributor, values)
        parent = None
        if row.parent_id is not None:
            parent = instance_from_row(Distributor, values, width + 1)
        Distributor.parent.field.set_cached_value(row, parent)
        rows.append((row, _exact(values[width])))
    return RankedPage(rows, has_next_page=True)


def _rank_all_the_orm_way(
    installation: Installation, currency: str, first: int, after: tuple[Decimal, int] | None
) -> RankedPage:
    return rank_by_sales(
        Distributor.objects.filter(installation=installation).select_related("parent"),
        installation=installation, currency=currency, descending=True, first=first,
        after=after,
    )


# --- the programme overview ------------------------------------------------------------------


@dataclass(frozen=True)
class OverviewDay:
    day: date
    sales: Decimal
    commissions: Decimal
    new_distributors: int


@dataclass(frozen=True)
class Overview:
    currency: str
    sales: Decimal
    commissions_accrued: Decimal
    commissions_available: Decimal
    commissions_paid: Decimal
    pending_withdrawals: int
    pending_withdrawals_amount: Decimal
    new_distributors: int
    series: list[OverviewDay]


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in the service's time zone."""
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


def _period_orders(installation: Installation, currency: str, start: date, end: date) -> Q:
    since, until = period_bounds(start, end)
    return Q(
        installation=installation, currency=currency, distributor__isnull=False,
        placed_at__gte=since, placed_at__lt=until,
    )


def _period_commissions(
    installation: Installation, currency: str, start: date, end: date
) -> QuerySet[Commission]:
    """Commissions on the attributed orders placed in the period."""
    since, until = period_bounds(start, end)
    return Commission.objects.filter(
        order__sales__installation=installation, order__sales__currency=currency,
        order__sales__distributor__isnull=False, order__sales__placed_at__gte=since,
        order__sales__placed_at__lt=until, currency=currency,
    )


def overview(installation: Installation, currency: str, start: date, end: date) -> Overview:
    """The programme in a period (days in the service's time zone, both ends included):

    - sales: the sales value of the attributed orders placed in the period;
    - commissions accrued: what the commissions on those orders amount to now (after
      refunds), and of that, what has settled (available);
    - commissions paid: withdrawals paid out in the period;
    - pending withdrawals: those waiting for staff now (requested), whatever the period;
    - new distributors: those who joined in the period.
    Each figure is one aggregate query; the series has a row for every day.
    """
    assert start <= end and (end - start).days < calculations.MAX_PERIOD_DAYS
    since, until = period_bounds(start, end)
    sales_by_day = {
        row["day"]: _exact(row["total"])
        for row in OrderSales.objects.filter(_period_orders(installation, currency, start, end))
        .annotate(day=TruncDate("placed_at"))
        .values("day")
        .annotate(total=Sum("amount"))
    }
    commissions = list(
        _period_commissions(installation, currency, start, end)
        .annotate(day=TruncDate("order__sales__placed_at"))
        .values("day")
        .annotate(
            total=Sum("amount"),
            available=Sum("amount", filter=Q(state=CommissionState.AVAILABLE)),
        )
    )
    commissions_by_day = {row["day"]: _exact(row["total"]) for row in commissions}
    joined_by_day = dict(
        Distributor.objects.filter(
            installation=installation, joined_at__gte=since, joined_at__lt=until
        )
        .annotate(day=TruncDate("joined_at"))
        .values("day")
        .annotate(count=Count("pk"))
        .values_list("day", "count")
    )
    paid = Withdrawal.objects.filter(
        installation=installation, currency=currency, status=WithdrawalStatus.PAID,
        finished_at__gte=since, finished_at__lt=until,
    ).aggregate(total=Sum("amount"))["total"]
    pending = Withdrawal.objects.filter(
        installation=installation, currency=currency, status=WithdrawalStatus.REQUESTED
    ).aggregate(count=Count("pk"), total=Sum("amount"))
    series = [
        OverviewDay(
            day,
            sales_by_day.get(day, ZERO),
            commissions_by_day.get(day, ZERO),
            joined_by_day.get(day, 0),
        )
        for day in calculations.days(start, end)
    ]
    return Overview(
        currency=currency,
        sales=calculations.total(sales_by_day.values()),
        commissions_accrued=calculations.total(commissions_by_day.values()),
        commissions_available=calculations.total(_exact(r["available"]) for r in commissions),
        commissions_paid=_exact(paid),
        pending_withdrawals=pending["count"],
        pending_withdrawals_amount=_exact(pending["total"]),
        new_distributors=sum(joined_by_day.values()),
        series=series,
    )


@dataclass(frozen=True)
class TopDistributor:
    distributor: Distributor
    sales: Decimal
    commissions: Decimal


def top_distributors(
    installation: Installation, currency: str, start: date, end: date, *, first: int
) -> list[TopDistributor]:
    """The distributors with the most sales in the period (ties by id), with the
    commissions they earned, at any level, on the orders placed in it."""
    assert 0 <= first <= 100
    top = list(
        OrderSales.objects.filter(_period_orders(installation, currency, start, end))
        .values("distributor_id")
        .annotate(total=Sum("amount"))
        .filter(total__gt=0)
        .order_by("-total", "distributor_id")
        .values_list("distributor_id", "total")[:first]
    )
    ids = [pk for pk, _ in top]
    distributors = Distributor.objects.in_bulk(ids)
    earned = dict(
        _period_commissions(installation, currency, start, end)
        .filter(beneficiary_id__in=ids)
        .values("beneficiary_id")
        .annotate(total=Sum("amount"))
        .values_list("beneficiary_id", "total")
    )
    return [
        TopDistributor(distributors[pk], _exact(total), _exact(earned.get(pk)))
        for pk, total in top
    ]
