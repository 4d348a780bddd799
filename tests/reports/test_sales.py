"""Sales figures kept in step with the order reconciliation: per order, per distributor,
ranked, and for a customer's spend."""

from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.db.models import Count, Sum
from django.utils import timezone

from saleor_distribution.commissions import actions as commission_actions
from saleor_distribution.commissions.models import OrderRecord
from saleor_distribution.core.money import Money
from saleor_distribution.reports import fetch
from saleor_distribution.reports.models import DistributorSales, OrderProduct, OrderSales
from saleor_distribution.withdrawals import actions as withdrawals
from saleor_distribution.withdrawals.models import PayoutChannel
from tests.fixtures.api import manual_payouts
from tests.fixtures.engine import ORDER_23_DELIVERIES, TEE_PRODUCT, fulfilled, parse_time, set_ref

D = Decimal
PLIMSOLLS_PRODUCT = "UHJvZHVjdDoxMjg="


def totals(installation):
    """{code: (amount, orders)} of every distributor with a totals row."""
    return {
        row.distributor.code: (row.amount, row.order_count)
        for row in DistributorSales.objects.filter(installation=installation).select_related(
            "distributor"
        )
    }


def assert_totals_are_sums(installation):
    """Every distributor's totals equal the sums of their counted orders' rows."""
    sums = {
        (row["distributor"], row["currency"]): (row["amount"], row["orders"])
        for row in OrderSales.objects.filter(
            installation=installation, counted=True, distributor__isnull=False
        )
        .values("distributor", "currency")
        .annotate(amount=Sum("amount"), orders=Count("pk"))
    }
    kept = {
        (row.distributor_id, row.currency): (row.amount, row.order_count)
        for row in DistributorSales.objects.filter(installation=installation)
        if row.order_count
    }
    assert kept == sums


def test_the_captured_order_counts_once_paid_and_loses_its_refund(
    installation, make_seller, deliver
):
    # Given REF42, the promoter of the captured order #23 (ref REF42; gross 111.00 USD)
    make_seller("REF42")

    # When the order is created, paid: it counts in full
    deliver("order_created")
    deliver("order_fully_paid")
    assert totals(installation) == {"REF42": (D("111.000"), 1)}
    row = OrderSales.objects.get()
    assert (row.currency, row.counted, row.amount, row.customer_saleor_id) == (
        "USD", True, D("111.000"), "VXNlcjo0OA=="
    )
    assert row.product_ids == sorted([TEE_PRODUCT, PLIMSOLLS_PRODUCT])
    assert sorted(OrderProduct.objects.values_list("product_id", flat=True)) == sorted(
        [TEE_PRODUCT, PLIMSOLLS_PRODUCT]
    )

    # When every other delivery of its story arrives (one Tee of 18.00 refunded), twice
    for _ in range(2):
        for name in ORDER_23_DELIVERIES:
            deliver(name)

    # Then it counts for 111.00 - 18.00 = 93.00, still one order
    assert totals(installation) == {"REF42": (D("93.000"), 1)}
    assert OrderSales.objects.count() == 1
    assert_totals_are_sums(installation)


def test_a_cancelled_order_stops_counting(installation, make_seller, sell):
    make_seller("REF42")
    sell(1, "REF42", total="40.00")
    sell(2, "REF42", total="60.00", customer="VXNlcjo5OQ==")

    sell(2, "REF42", total="60.00", customer="VXNlcjo5OQ==", status="CANCELED",
         event="ORDER_CANCELLED", created="2026-11-26T15:16:24+00:00")

    assert totals(installation) == {"REF42": (D("40.000"), 1)}
    cancelled = OrderSales.objects.get(order__number="2")
    assert (cancelled.counted, cancelled.amount, cancelled.product_ids) == (False, D(0), [])
    assert OrderProduct.objects.filter(order_sales=cancelled).count() == 0
    assert_totals_are_sums(installation)


def test_an_unpaid_order_does_not_count_until_paid(installation, make_seller, sell):
    make_seller("REF42")

    sell(1, "REF42", total="25.00", paid=False, event="ORDER_CREATED")
    assert totals(installation) == {}
    assert OrderSales.objects.get().counted is False

    sell(1, "REF42", total="25.00", created="2026-11-26T15:16:30+00:00")
    assert totals(installation) == {"REF42": (D("25.000"), 1)}


def test_a_re_attributed_order_moves_its_sales(installation, make_seller, sell, deliver):
    # Given an order first attributed to AAA111, then (before any settlement) its ref is
    # changed to BBB222 by a newer snapshot
    make_seller("AAA111")
    make_seller("BBB222")
    first = sell(1, "AAA111", total="80.00")
    assert totals(installation) == {"AAA111": (D("80.000"), 1)}

    newer = set_ref(first, "BBB222")
    newer["order"]["updatedAt"] = "2026-11-26T16:00:00+00:00"
    deliver("ORDER_METADATA_UPDATED", newer)

    assert totals(installation) == {"AAA111": (D("0.000"), 0), "BBB222": (D("80.000"), 1)}
    assert set(OrderProduct.objects.values_list("distributor__code", flat=True)) == {"BBB222"}
    assert_totals_are_sums(installation)


def test_unattributed_orders_count_for_the_customer_not_for_a_distributor(
    installation, make_seller, sell
):
    sell(1, None, total="30.00")
    sell(2, None, total="12.50", refunded="2.50")
    sell(3, None, total="99.00", paid=False, event="ORDER_CREATED")

    assert totals(installation) == {}
    assert fetch.customer_paid_spend(installation, "VXNlcjo0OA==") == {"USD": D("40.000")}
    assert fetch.customer_paid_spend(installation, "VXNlcjo5OQ==") == {}
    assert fetch.has_ordered(installation, "VXNlcjo0OA==") is True
    assert fetch.has_ordered(installation, "VXNlcjo5OQ==") is False
    assert fetch.default_currency(installation) == "USD"


@pytest.fixture
def ranked(installation, make_seller, sell):
    """Five distributors: three with sales (30, 50, 50), two without."""
    sellers = {code: make_seller(code) for code in ("AAA111", "BBB222", "CCC333", "DDD444",
                                                     "EEE555")}
    sell(1, "BBB222", total="50.00")
    sell(2, "CCC333", total="50.00", customer="VXNlcjo5OQ==")
    sell(3, "AAA111", total="30.00", customer="VXNlcjo5OA==")
    return sellers


def walk(installation, *, descending, first):
    """Every page of the ranking, as codes, following the cursors."""
    from saleor_distribution.network.models import Distributor

    rows = Distributor.objects.filter(installation=installation)
    pages, after = [], None
    for _ in range(10):
        page = fetch.rank_by_sales(
            rows, installation=installation, currency="USD", descending=descending,
            first=first, after=after,
        )
        pages.append([(d.code, amount) for d, amount in page.rows])
        if not page.has_next_page:
            return pages
        last, amount = page.rows[-1]
        after = (amount, last.pk)
    raise AssertionError("too many pages")


def test_distributors_are_ranked_by_sales_page_by_page(installation, ranked):
    # Descending: sales, then newest id first among equals; then those without sales.
    assert walk(installation, descending=True, first=2) == [
        [("CCC333", D("50.000")), ("BBB222", D("50.000"))],
        [("AAA111", D("30.000")), ("EEE555", D(0))],
        [("DDD444", D(0))],
    ]
    # Ascending: those without sales first (oldest first), then by sales.
    assert walk(installation, descending=False, first=3) == [
        [("DDD444", D(0)), ("EEE555", D(0)), ("AAA111", D("30.000"))],
        [("BBB222", D("50.000")), ("CCC333", D("50.000"))],
    ]
    assert walk(installation, descending=True, first=5) == [
        [("CCC333", D("50.000")), ("BBB222", D("50.000")), ("AAA111", D("30.000")),
         ("EEE555", D(0)), ("DDD444", D(0))],
    ]


def test_ranking_keeps_to_the_given_distributors(installation, ranked):
    from saleor_distribution.network.models import Distributor

    rows = Distributor.objects.filter(installation=installation, code__in=["AAA111", "DDD444"])
    page = fetch.rank_by_sales(rows, installation=installation, currency="USD",
                               descending=True, first=10)
    assert [(d.code, amount) for d, amount in page.rows] == [
        ("AAA111", D("30.000")), ("DDD444", D(0))
    ]
    assert page.has_next_page is False


def test_the_overview_sums_a_period(installation, make_seller, sell):
    # Given sales on the 1st (two orders) and the 3rd of December, and one in November
    up = make_seller("UPL001")
    make_seller("SEL001", parent=up)
    sell(1, "SEL001", total="100.00", created="2026-12-01T08:00:00+00:00")
    sell(2, "SEL001", total="50.00", created="2026-12-01T20:00:00+00:00",
         customer="VXNlcjo5OQ==")
    sell(3, "UPL001", total="20.00", refunded="5.00", created="2026-12-03T10:00:00+00:00")
    sell(4, "SEL001", total="999.00", created="2026-11-30T23:59:59+00:00")

    overview = fetch.overview(installation, "USD", date(2026, 12, 1), date(2026, 12, 3))

    # The default plan: 10 % at level 1, 5 % at level 2 of the lines' net base (Tee 36.00,
    # Plimsolls 75.00, whatever the order total). Orders 1 and 2: SEL001 11.10, UPL001
    # 5.55 each. Order 3 (UPL001, no upline) had 5.00 refunded with no refund lines: the
    # lines keep 106/111, so 3.60 -> 3.43 and 7.50 -> 7.16 (rounded down): 10.59.
    assert overview.sales == D("165.000")  # 100 + 50 + (20 - 5)
    assert overview.commissions_accrued == D("43.890")  # 2 x (11.10 + 5.55) + 10.59
    assert overview.commissions_available == D(0)
    assert overview.commissions_paid == D(0)
    assert (overview.pending_withdrawals, overview.pending_withdrawals_amount) == (0, D(0))
    assert [(d.day.day, d.sales, d.commissions) for d in overview.series] == [
        (1, D("150.000"), D("33.300")),
        (2, D(0), D(0)),
        (3, D("15.000"), D("10.590")),
    ]
    top = fetch.top_distributors(installation, "USD", date(2026, 12, 1), date(2026, 12, 3),
                                 first=10)
    assert [(t.distributor.code, t.sales, t.commissions) for t in top] == [
        ("SEL001", D("150.000"), D("22.200")),
        ("UPL001", D("15.000"), D("21.690")),  # 5.55 + 5.55 + 10.59
    ]


def test_the_overview_counts_settled_commissions_and_withdrawals(
    installation, make_seller, sell, deliver
):
    # Given SEL001 (a root) sold order 1 on the 1st, fulfilled at once, and order 2 on the
    # 2nd, not fulfilled; order 1's commissions settle after the 7 freeze days
    seller = make_seller("SEL001")
    order = sell(1, "SEL001", created="2026-12-01T08:00:00+00:00")
    deliver("ORDER_FULFILLED", fulfilled(order, at="2026-12-01T09:00:00+00:00",
                                         updated_at="2026-12-01T09:00:00+00:00"))
    sell(2, "SEL001", created="2026-12-02T08:00:00+00:00", customer="VXNlcjo5OQ==")
    assert commission_actions.settle_matured_commissions(
        now=parse_time("2026-12-08T09:00:01+00:00")
    ) == 2

    # And a bank transfer of 5.00 paid today, one of 3.00 waiting for staff
    manual_payouts(installation, seller)
    paid = withdrawals.request_withdrawal(installation, seller, amount=Money(D("5.00"), "USD"),
                                          channel=PayoutChannel.MANUAL)
    withdrawals.approve_withdrawal(installation, paid.pk, staff_user_id="VXNlcjox")
    withdrawals.submit_payout(paid.pk)
    withdrawals.record_manual_payout(installation, paid.pk, reference="ICBC-1",
                                     staff_user_id="VXNlcjox")
    withdrawals.request_withdrawal(installation, seller, amount=Money(D("3.00"), "USD"),
                                   channel=PayoutChannel.MANUAL)

    # Then: accrued 11.10 + 11.10 on the two orders, of which order 1's settled
    december = fetch.overview(installation, "USD", date(2026, 12, 1), date(2026, 12, 2))
    assert (december.commissions_accrued, december.commissions_available) == (
        D("22.200"), D("11.100")
    )
    assert december.commissions_paid == D(0)  # paid today, not in December
    assert (december.pending_withdrawals, december.pending_withdrawals_amount) == (1, D("3.000"))
    today = timezone.localdate()
    now = fetch.overview(installation, "USD", today, today)
    assert (now.sales, now.commissions_paid, now.new_distributors) == (D(0), D("5.000"), 1)


def test_the_backfill_rebuilds_the_same_figures(installation, make_seller, sell):
    # Given figures kept by the reconciliation
    make_seller("AAA111")
    make_seller("BBB222")
    sell(1, "AAA111", total="40.00")
    sell(2, "BBB222", total="10.00", refunded="1.00", customer="VXNlcjo5OQ==")
    sell(3, None, total="7.00")
    kept = (
        sorted(OrderSales.objects.values_list("order_id", "distributor_id", "counted", "amount",
                                              "product_ids")),
        sorted(DistributorSales.objects.values_list("distributor_id", "currency", "amount",
                                                    "order_count")),
        sorted(OrderProduct.objects.values_list("distributor_id", "product_id")),
    )
    assert OrderRecord.objects.count() == 3

    # When they are deleted and the migration's backfill runs
    from importlib import import_module

    OrderProduct.objects.all().delete()
    OrderSales.objects.all().delete()
    DistributorSales.objects.all().delete()
    import_module("saleor_distribution.reports.migrations.0001_initial").backfill(apps, None)

    # Then it writes the same rows
    assert (
        sorted(OrderSales.objects.values_list("order_id", "distributor_id", "counted", "amount",
                                              "product_ids")),
        sorted(DistributorSales.objects.values_list("distributor_id", "currency", "amount",
                                                    "order_count")),
        sorted(OrderProduct.objects.values_list("distributor_id", "product_id")),
    ) == kept


def test_the_hand_written_ranking_of_everyone_reads_what_the_orm_reads(
    installation, other_installation, make_distributor
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from saleor_distribution.network import actions as network
    from saleor_distribution.network.models import Distributor

    # Given a tree with sales (ties included), some suspended (more timestamps), a
    # distributor without sales, and another installation's distributor who sells most
    root = make_distributor(display_name="根")
    kids = [make_distributor(parent=root) for _ in range(3)]
    grandkid = make_distributor(parent=kids[0])
    make_distributor(parent=kids[1])  # no sales
    for row in (root, kids[0]):
        network.suspend(row, actor=network_actor(), reason="spam")
    stranger = make_distributor(installation=other_installation)
    amounts = {root: "12.50", kids[0]: "30.000", kids[1]: "30.000", kids[2]: "0.001",
               grandkid: "7.25"}
    for row, amount in amounts.items():
        DistributorSales.objects.create(installation=installation, distributor=row,
                                        currency="CNY", amount=D(amount), order_count=1)
    DistributorSales.objects.create(installation=other_installation, distributor=stranger,
                                    currency="CNY", amount=D("999"), order_count=1)
    DistributorSales.objects.create(installation=installation, distributor=kids[2],
                                    currency="USD", amount=D("500"), order_count=1)
    fields = [f.attname for f in Distributor._meta.concrete_fields]

    def shown(page):
        return [
            ([getattr(row, f) for f in fields], amount, Distributor.parent.is_cached(row),
             [getattr(row.parent, f) for f in fields] if row.parent_id else None)
            for row, amount in page.rows
        ], page.has_next_page

    for first in (0, 1, 2, 4, 10):
        after, pages = None, 0
        while True:
            with CaptureQueriesContext(connection) as captured:
                mine = fetch.rank_all_by_sales(installation, currency="CNY", first=first,
                                               after=after)
            orm = fetch.rank_by_sales(
                Distributor.objects.filter(installation=installation).select_related("parent"),
                installation=installation, currency="CNY", descending=True, first=first,
                after=after,
            )
            assert shown(mine) == shown(orm), (first, pages)
            if pages == 0 and first < len(amounts):
                assert "EXTRACT(EPOCH" in captured[0]["sql"]  # the hand-written read
            pages += 1
            if not orm.has_next_page or not orm.rows:
                break
            last, amount = orm.rows[-1]
            after = (amount, last.pk)
    # Microseconds survive the integer transfer.
    assert fetch.rank_all_by_sales(installation, currency="CNY", first=1).rows[0][0].joined_at \
        == Distributor.objects.get(pk=kids[1].pk).joined_at


def network_actor():
    from saleor_distribution.core.audit import Actor

    return Actor.staff("VXNlcjox")
