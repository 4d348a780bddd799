"""The programme's overview, settings and public terms through the API, and the commission
preview a storefront shows on a product page (federated `Product`)."""

from decimal import Decimal

import pytest

from saleor_distribution.core.audit import Actor
from saleor_distribution.network import actions
from tests.fixtures.api import CHEN
from tests.fixtures.engine import TEE_PRODUCT, TSHIRTS_CATEGORY
from tests.fixtures.network import STAFF_ID

OVERVIEW = """query($period: ReportPeriodInput!, $currency: String) {
  programmeOverview(period: $period, currency: $currency) {
    currency distributionSales { amount currency } commissionsAccrued { amount }
    commissionsAvailable { amount } commissionsPaid { amount } pendingWithdrawals
    pendingWithdrawalsAmount { amount } newDistributors
    series { date sales { amount } commissions { amount } newDistributors }
    topDistributors(first: 1) { distributor { code } sales { amount } commissions { amount } }
  } }"""


def test_the_overview_of_a_period(graphql, staff_token, make_seller, sell):
    up = make_seller("UPL001")
    make_seller("SEL001", parent=up)
    sell(1, "SEL001", total="100.00", created="2026-12-01T08:00:00+00:00",
         customer="VXNlcjo5MA==")
    sell(2, "UPL001", total="30.00", created="2026-12-02T08:00:00+00:00",
         customer="VXNlcjo5MQ==")
    token = staff_token("MANAGE_USERS", "MANAGE_ORDERS")

    _, body = graphql(OVERVIEW, {"period": {"gte": "2026-12-01", "lte": "2026-12-02"}},
                      token=token)

    # Each order's lines: 36.00 + 75.00 net; 10 % at level 1, 5 % at level 2.
    zero = {"amount": "0.00"}
    assert body == {"data": {"programmeOverview": {
        "currency": "USD",
        "distributionSales": {"amount": "130.00", "currency": "USD"},
        "commissionsAccrued": {"amount": "27.75"},  # 11.10 + 5.55 + 11.10
        "commissionsAvailable": zero, "commissionsPaid": zero, "pendingWithdrawals": 0,
        "pendingWithdrawalsAmount": zero, "newDistributors": 0,
        "series": [
            {"date": "2026-12-01", "sales": {"amount": "100.00"},
             "commissions": {"amount": "16.65"}, "newDistributors": 0},
            {"date": "2026-12-02", "sales": {"amount": "30.00"},
             "commissions": {"amount": "11.10"}, "newDistributors": 0},
        ],
        "topDistributors": [{"distributor": {"code": "SEL001"}, "sales": {"amount": "100.00"},
                             "commissions": {"amount": "11.10"}}],
    }}}

    _, cny = graphql(OVERVIEW, {"period": {"gte": "2026-12-01", "lte": "2026-12-01"},
                                "currency": "CNY"}, token=token)
    assert cny["data"]["programmeOverview"]["distributionSales"] == {"amount": "0.00",
                                                                     "currency": "CNY"}


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"period": {"gte": "2026-12-02", "lte": "2026-12-01"}},
         "The period runs forward and is at most 366 days."),
        ({"period": {"gte": "2025-01-01", "lte": "2026-12-01"}},
         "The period runs forward and is at most 366 days."),
        ({"period": {"gte": "2026-12-01", "lte": "2026-12-01"}, "currency": "usd"},
         "Not an ISO 4217 currency code."),
    ],
)
def test_bad_periods_are_refused(graphql, staff_token, make_seller, variables, message):
    _, body = graphql(OVERVIEW, variables, token=staff_token("MANAGE_USERS", "MANAGE_ORDERS"))

    assert body["data"] == {"programmeOverview": None}
    assert [e["message"] for e in body["errors"]] == [message]


def test_no_overview_before_the_first_order_without_a_currency(graphql, staff_token, installation):
    _, body = graphql(OVERVIEW, {"period": {"gte": "2026-12-01", "lte": "2026-12-01"}},
                      token=staff_token("MANAGE_USERS", "MANAGE_ORDERS"))

    assert body == {"data": {"programmeOverview": None}}


def test_public_terms_and_staff_settings(graphql, staff_token, installation):
    actions.update_policy(installation, actor=Actor.staff(STAFF_ID),
                          joining_mode="spend_threshold",
                          join_spend_threshold_amount=Decimal("88.50"),
                          join_spend_threshold_currency="CNY", binding_days=30)

    _, terms = graphql("{ programmeTerms { joiningMode joinSpendThreshold { amount currency "
                       "fractionalAmount } bindingDays } }")
    _, no_shop = graphql("{ programmeTerms { joiningMode } }", api_url=None)

    assert terms == {"data": {"programmeTerms": {
        "joiningMode": "SPEND_THRESHOLD", "bindingDays": 30,
        "joinSpendThreshold": {"amount": "88.50", "currency": "CNY", "fractionalAmount": 8850},
    }}}
    assert no_shop == {"data": {"programmeTerms": None}}


PREVIEW = """query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Product {
  id channel commissionPreview { planVersion currency levels {
    level rateKind rate amountPerUnit { amount currency } source } } } } }"""


def representation(product=TEE_PRODUCT, category=TSHIRTS_CATEGORY, parent=None):
    return {"__typename": "Product", "id": product, "channel": "default-channel",
            "category": {"__typename": "Category", "id": category,
                         "parent": {"__typename": "Category", "id": parent} if parent else None}}


def test_a_distributor_sees_what_a_product_would_earn_them(
    graphql, customer_token, make_seller, make_grade, make_plan, sell
):
    # Given a 3-level plan: 10 %, 5 %, 2 %; gold earns 12 % at level 1; the Tee pays a fixed
    # 3.00 USD per unit at level 1; the T-shirts' parent category pays 8 % at level 2
    gold = make_grade("gold")
    make_seller("CHEN42", saleor_user_id=CHEN, grade=gold)
    plan = make_plan(
        levels=3, level_rates=["0.10", "0.05", "0.02"],
        grade_rates={gold.pk: ["0.12"]},
        product_rules={TEE_PRODUCT: {"kind": "fixed", "values": ["3.00"], "currency": "USD"}},
        category_rules={"Q2F0ZWdvcnk6MQ==": {"kind": "percentage", "values": ["0", "0.08"]}},
    )
    sell(1, "CHEN42", customer="VXNlcjo5MA==")  # the shop sells in USD

    _, body = graphql(PREVIEW, {"reps": [
        representation(parent="Q2F0ZWdvcnk6MQ=="),
        representation(product="UHJvZHVjdDo5OTk=", category="Q2F0ZWdvcnk6Nw=="),
    ]}, token=customer_token())

    tee, other = body["data"]["_entities"]
    assert tee == {"id": TEE_PRODUCT, "channel": "default-channel", "commissionPreview": {
        "planVersion": plan.number, "currency": "USD", "levels": [
            {"level": 1, "rateKind": "fixed", "rate": "3.00",
             "amountPerUnit": {"amount": "3.00", "currency": "USD"}, "source": "product"},
            {"level": 2, "rateKind": "percentage", "rate": "0.08", "amountPerUnit": None,
             "source": "category"},
            {"level": 3, "rateKind": "percentage", "rate": "0.02", "amountPerUnit": None,
             "source": "level"},
        ]}}
    assert other["commissionPreview"]["levels"] == [
        {"level": 1, "rateKind": "percentage", "rate": "0.12", "amountPerUnit": None,
         "source": "grade"},
        {"level": 2, "rateKind": "percentage", "rate": "0.05", "amountPerUnit": None,
         "source": "level"},
        {"level": 3, "rateKind": "percentage", "rate": "0.02", "amountPerUnit": None,
         "source": "level"},
    ]


@pytest.mark.parametrize("who", ["anonymous", "customer", "staff", "suspended"])
def test_no_preview_for_anyone_else(graphql, customer_token, staff_token, make_seller, who):
    chen = make_seller("CHEN42", saleor_user_id=CHEN)
    if who == "suspended":
        actions.suspend(chen, actor=Actor.staff(STAFF_ID), reason="spam")
    token = {"anonymous": None, "customer": customer_token(user_id="VXNlcjo3Nzc="),
             "staff": staff_token("MANAGE_USERS", "MANAGE_ORDERS"),
             "suspended": customer_token()}[who]

    _, body = graphql(PREVIEW, {"reps": [representation()]}, token=token)

    assert body == {"data": {"_entities": [{"id": TEE_PRODUCT, "channel": "default-channel",
                                            "commissionPreview": None}]}}
