"""A distributor's commissions, attributed orders and withdrawals: lists of the money API's
types (graphql/commissions, graphql/withdrawals), on the network API's `Distributor`. They
exist when those packages are in the build; these tests run where they are."""

from decimal import Decimal

import pytest

from saleor_distribution.core.audit import Actor
from saleor_distribution.core.money import Money
from saleor_distribution.ledger import actions as ledger
from saleor_distribution.ledger.models import Bucket
from saleor_distribution.withdrawals import actions as withdrawals
from saleor_distribution.withdrawals.models import PayoutChannel
from tests.fixtures.api import CHEN, gid, manual_payouts

pytest.importorskip("saleor_distribution.graphql.commissions.types")
pytest.importorskip("saleor_distribution.graphql.withdrawals.types")

MONEY = """query($id: ID!, $filter: CommissionFilterInput) { distributor(id: $id) {
  commissions(first: 10, filter: $filter) { totalCount edges { node {
    orderNumber level status amount { amount currency } } } }
  attributedOrders(first: 10) { totalCount edges { node {
    orderNumber source commissions { level amount { amount } } } } }
  withdrawals(first: 10) { totalCount edges { node { status amount { amount } } } }
} }"""


@pytest.fixture
def sold(make_seller, sell, installation):
    """WANG01 ─ CHEN42 ─ KID001; KID001 sold order 1, CHEN42 order 2 (other buyers)."""
    wang = make_seller("WANG01", saleor_user_id="VXNlcjo1MA==")
    chen = make_seller("CHEN42", parent=wang, saleor_user_id=CHEN)
    make_seller("KID001", parent=chen)
    sell(1, "KID001", customer="VXNlcjo5MA==", created="2026-11-20T10:00:00+00:00")
    sell(2, "CHEN42", customer="VXNlcjo5MQ==", created="2026-11-21T10:00:00+00:00")
    manual_payouts(installation, chen)
    ledger.adjust_balance_for_staff(chen, Money(Decimal("20.00"), "USD"),
                                    bucket=Bucket.AVAILABLE, reason="bonus",
                                    actor=Actor.staff("VXNlcjox"), request_id="r")
    withdrawals.request_withdrawal(installation, chen, amount=Money(Decimal("8.00"), "USD"),
                                   channel=PayoutChannel.MANUAL)
    return chen


def test_a_distributor_reads_their_money_lists(graphql, customer_token, sold):
    _, body = graphql(MONEY, {"id": gid("Distributor", sold.pk)}, token=customer_token())

    distributor = body["data"]["distributor"]
    # Order 2 (CHEN42 sold): 10 % of 36.00 and 75.00; order 1 (KID001 sold): 5 %. Newest
    # first (order 2's were written last; within an order, the later row first).
    assert distributor["commissions"]["totalCount"] == 4
    assert [e["node"] for e in distributor["commissions"]["edges"]] == [
        {"orderNumber": "2", "level": 1, "status": "FROZEN",
         "amount": {"amount": "7.50", "currency": "USD"}},
        {"orderNumber": "2", "level": 1, "status": "FROZEN",
         "amount": {"amount": "3.60", "currency": "USD"}},
        {"orderNumber": "1", "level": 2, "status": "FROZEN",
         "amount": {"amount": "3.75", "currency": "USD"}},
        {"orderNumber": "1", "level": 2, "status": "FROZEN",
         "amount": {"amount": "1.80", "currency": "USD"}},
    ]
    assert distributor["attributedOrders"] == {"totalCount": 1, "edges": [{"node": {
        "orderNumber": "2", "source": "ref",
        "commissions": [{"level": 1, "amount": {"amount": "3.60"}},
                        {"level": 1, "amount": {"amount": "7.50"}}],
    }}]}
    assert distributor["withdrawals"] == {"totalCount": 1, "edges": [
        {"node": {"status": "REQUESTED", "amount": {"amount": "8.00"}}}
    ]}


def test_commission_filters(graphql, customer_token, sold):
    order_1 = gid("Order", "00000000-0000-0000-0000-000000000001")
    cases = [
        ({"orderId": order_1}, 2),
        ({"status": ["AVAILABLE"]}, 0),
        ({"status": ["FROZEN"], "createdAt": {"gte": "2000-01-01", "lte": "2000-01-02"}}, 0),
    ]
    for variables, total in cases:
        _, body = graphql(MONEY, {"id": gid("Distributor", sold.pk), "filter": variables},
                          token=customer_token())
        assert body["data"]["distributor"]["commissions"]["totalCount"] == total, variables


@pytest.mark.parametrize(
    ("permissions", "shown"),
    [(("MANAGE_USERS", "MANAGE_ORDERS"), True), (("MANAGE_USERS",), False)],
)
def test_staff_need_manage_orders_for_the_money_lists(graphql, staff_token, sold, permissions,
                                                      shown):
    _, body = graphql(MONEY, {"id": gid("Distributor", sold.pk)},
                      token=staff_token(*permissions))

    distributor = body["data"]["distributor"]
    lists = (distributor["commissions"], distributor["attributedOrders"],
             distributor["withdrawals"])
    if shown:
        assert [item["totalCount"] for item in lists] == [4, 1, 1]
    else:
        assert lists == (None, None, None)


def test_an_upline_does_not_see_a_team_members_money(graphql, customer_token, sold):
    query = """{ me { distributor { team(first: 5) { edges { node {
        code commissions(first: 5) { totalCount } withdrawals(first: 5) { totalCount }
        attributedOrders(first: 5) { totalCount } } } } } } }"""

    _, body = graphql(query, token=customer_token(user_id="VXNlcjo1MA=="))

    assert body == {"data": {"me": {"distributor": {"team": {"edges": [{"node": {
        "code": "CHEN42", "commissions": None, "withdrawals": None, "attributedOrders": None,
    }}]}}}}}
