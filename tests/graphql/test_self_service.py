"""The distributor's own pages (`me { distributor }`) and the customer's mutations:
applying, making share links, binding to a code."""

from decimal import Decimal

import pytest

from saleor_distribution.core.audit import Actor
from saleor_distribution.core.money import Money
from saleor_distribution.ledger import actions as ledger
from saleor_distribution.ledger.models import Bucket
from saleor_distribution.network import actions
from saleor_distribution.network.models import (
    BindingSource,
    CustomerBinding,
    Distributor,
    DistributorStatus,
    ReferralLink,
)
from tests.fixtures.api import CHEN, api_state, configure_links, gid
from tests.fixtures.network import STAFF_ID

ME = """{ me { id distributor {
  code email status
  balances { currency available { amount } frozen { amount } }
  sponsor { code displayName } parent { code } uplines { code }
  team(first: 20) { totalCount edges { node {
    code email status teamSize sales { amount } balances { currency }
    referralLinks { url } parent { code } uplines { code } ledger(first: 5) { totalCount }
    team(first: 5) { edges { node { code email } } }
  } } }
  teamCountByDepth { depth count }
  referralLinks { id url channel productId clicks orders storefrontUrl }
  ledger(first: 5) { totalCount edges { node { amount { amount } reason } } }
} } }"""


@pytest.fixture
def chen_team(make_seller, installation):
    """WANG01 ─ CHEN42 (the signed-in customer) ─┬─ KID001 ─ GRAND1
                                                 └─ KID002"""
    configure_links(installation)
    wang = make_seller("WANG01", saleor_user_id="VXNlcjo1MA==", email="wang.fang@example.com")
    chen = make_seller("CHEN42", parent=wang, saleor_user_id=CHEN,
                       email="chen.xiaoyu@example.com")
    kid1 = make_seller("KID001", parent=chen, email="li.lei@example.com")
    make_seller("KID002", parent=chen)
    make_seller("GRAND1", parent=kid1)
    return chen


def test_a_distributor_sees_their_own_pages(graphql, customer_token, chen_team, sell):
    # Given CHEN42's direct recruit sold an order (CHEN42 earns 5 % = 5.55 at level 2), a
    # staff correction, and a product link CHEN42 made, clicked once
    sell(1, "KID001", customer="VXNlcjo5MA==")
    ledger.adjust_balance_for_staff(chen_team, Money(Decimal("2.00"), "USD"),
                                    bucket=Bucket.AVAILABLE, reason="welcome bonus",
                                    actor=Actor.staff(STAFF_ID), request_id="r1")
    actions.create_referral_link(chen_team, channel="default-channel", product="UHJvZHVjdDox")
    actions.follow_referral_link(chen_team.installation, code="CHEN42", product="UHJvZHVjdDox",
                                 ip="203.0.113.7", user_agent="test")

    status, body = graphql(ME, token=customer_token())

    assert status == 200
    me = body["data"]["me"]["distributor"]
    assert (me["code"], me["email"], me["status"]) == ("CHEN42", "chen.xiaoyu@example.com",
                                                      "ACTIVE")
    assert me["balances"] == [{"currency": "USD", "available": {"amount": "2.00"},
                               "frozen": {"amount": "5.55"}}]
    # The upline is a public card only; the chain above is not the customer's to see.
    assert (me["sponsor"], me["parent"], me["uplines"]) == (
        {"code": "WANG01", "displayName": "WANG01"}, None, []
    )
    # Team members: counters and sales, the email masked; no money, links or history.
    assert me["team"]["totalCount"] == 2
    kid1, kid2 = (edge["node"] for edge in me["team"]["edges"])
    assert kid1 == {
        "code": "KID001", "email": "l***@example.com", "status": "ACTIVE", "teamSize": 1,
        "sales": {"amount": "111.00"}, "balances": [], "referralLinks": [],
        "parent": {"code": "CHEN42"}, "uplines": [{"code": "CHEN42"}], "ledger": None,
        "team": {"edges": [{"node": {"code": "GRAND1", "email": "g***@example.com"}}]},
    }
    assert (kid2["code"], kid2["sales"], kid2["team"]) == (
        "KID002", {"amount": "0.00"}, {"edges": []}
    )
    assert me["teamCountByDepth"] == [{"depth": 1, "count": 2}, {"depth": 2, "count": 1}]
    assert me["referralLinks"] == [
        {
            "id": gid("ReferralLink", f"{chen_team.pk}::"),
            "url": "http://testserver/r/CHEN42", "channel": None, "productId": None,
            "clicks": 0, "orders": 0,
            "storefrontUrl": "https://shop.example.com/default-channel/?ref=CHEN42",
        },
        {
            "id": gid("ReferralLink", f"{chen_team.pk}:default-channel:UHJvZHVjdDox"),
            "url": "http://testserver/r/CHEN42/UHJvZHVjdDox?channel=default-channel",
            "channel": "default-channel", "productId": "UHJvZHVjdDox", "clicks": 1,
            "orders": 0,
            "storefrontUrl":
                "https://shop.example.com/default-channel/products/UHJvZHVjdDox/?ref=CHEN42",
        },
    ]
    assert me["ledger"]["totalCount"] == 3  # two commissions (Tee 1.80, Plimsolls 3.75), one bonus
    assert me["ledger"]["edges"][0]["node"] == {"amount": {"amount": "2.00"},
                                                "reason": "welcome bonus"}


def test_a_customer_who_is_not_a_distributor_has_none(graphql, customer_token, chen_team):
    _, body = graphql("{ me { id distributor { code } } }",
                      token=customer_token(user_id="VXNlcjo3Nzc=", email="x@example.com"))

    assert body == {"data": {"me": {"id": "VXNlcjo3Nzc=", "distributor": None}}}


def test_a_customer_cannot_reach_others_through_ids(graphql, customer_token, chen_team):
    kid = Distributor.objects.get(code="KID001")
    wang = Distributor.objects.get(code="WANG01")
    query = """query($a: ID!, $b: ID!) { a: distributor(id: $a) { code }
        b: node(id: $b) { ... on Distributor { code } } }"""

    _, body = graphql(query, {"a": gid("Distributor", kid.pk), "b": gid("Distributor", wang.pk)},
                      token=customer_token())

    assert body == {"data": {"a": None, "b": None}}


APPLY = """mutation($input: DistributorApplyInput!) { distributorApply(input: $input) {
  distributor { code status displayName parent { code } sponsor { code } }
  errors { field code message } } }"""


def test_a_customer_applies_and_is_active_at_once_in_an_open_programme(
    graphql, customer_token, chen_team, installation
):
    token = customer_token(user_id="VXNlcjoxMjM=", email="new@example.com")

    _, body = graphql(APPLY, {"input": {"displayName": "小王", "parentCode": "kid002"}},
                      token=token)

    assert "errors" not in body, body
    result = body["data"]["distributorApply"]
    assert result["errors"] == []
    assert result["distributor"]["status"] == "ACTIVE"
    assert result["distributor"]["displayName"] == "小王"
    assert result["distributor"]["parent"] is None  # not in the customer's team
    assert result["distributor"]["sponsor"] == {"code": "KID002"}
    joined = Distributor.objects.get(saleor_user_id="VXNlcjoxMjM=")
    assert (joined.email, joined.parent.code) == ("new@example.com", "KID002")


def test_applying_under_a_spend_threshold(graphql, customer_token, chen_team, installation, sell):
    actions.update_policy(installation, actor=Actor.staff(STAFF_ID),
                          joining_mode="spend_threshold",
                          join_spend_threshold_amount=Decimal("100.00"),
                          join_spend_threshold_currency="USD")
    buyer = "VXNlcjoxMjM="
    token = customer_token(user_id=buyer, email="new@example.com")
    sell(1, "KID001", total="60.00", customer=buyer)
    before = api_state(installation)

    _, body = graphql(APPLY, {"input": {}}, token=token)

    assert body["data"]["distributorApply"] == {"distributor": None, "errors": [{
        "field": None, "code": "SPEND_THRESHOLD_NOT_MET",
        "message": "The customer has not spent enough to join yet.",
    }]}
    assert api_state(installation) == before

    sell(2, "KID001", total="45.00", customer=buyer)  # 60 + 45 = 105 >= 100
    _, body = graphql(APPLY, {"input": {}}, token=token)
    assert body["data"]["distributorApply"]["distributor"]["status"] == "ACTIVE"


@pytest.mark.parametrize(
    ("user_id", "code", "field", "error"),
    [
        ("VXNlcjoxMjM=", "NOPE99", "parentCode", "INVITER_NOT_FOUND"),
        (CHEN, None, None, "ALREADY_DISTRIBUTOR"),
    ],
)
def test_bad_applications_change_nothing(graphql, customer_token, chen_team, installation,
                                         user_id, code, field, error):
    before = api_state(installation)

    _, body = graphql(APPLY, {"input": {"parentCode": code}}, token=customer_token(
        user_id=user_id, email="someone@example.com"))

    result = body["data"]["distributorApply"]
    assert result["distributor"] is None
    assert [(e["field"], e["code"]) for e in result["errors"]] == [(field, error)]
    assert api_state(installation) == before


def test_applying_to_an_approval_programme_waits_for_staff(graphql, customer_token, chen_team,
                                                          installation):
    actions.update_policy(installation, actor=Actor.staff(STAFF_ID), joining_mode="approval")

    _, body = graphql(APPLY, {"input": {}}, token=customer_token(user_id="VXNlcjoxMjM=",
                                                                  email="new@example.com"))

    assert body["data"]["distributorApply"]["distributor"]["status"] == "APPLIED"
    assert Distributor.objects.get(saleor_user_id="VXNlcjoxMjM=").status == (
        DistributorStatus.APPLIED
    )


LINK = """mutation($product: ID, $channel: String!) {
  referralLinkCreate(productId: $product, channel: $channel) {
    referralLink { url channel productId clicks orders } errors { field code } } }"""


def test_a_distributor_makes_a_product_link(graphql, customer_token, chen_team, sell):
    sell(1, "CHEN42", customer="VXNlcjo5MA==")  # order #23's lines: the Tee is product 134

    _, body = graphql(LINK, {"product": "UHJvZHVjdDoxMzQ=", "channel": "default-channel"},
                      token=customer_token())
    _, again = graphql(LINK, {"product": "UHJvZHVjdDoxMzQ=", "channel": "default-channel"},
                       token=customer_token())

    assert body == again == {"data": {"referralLinkCreate": {"errors": [], "referralLink": {
        "url": "http://testserver/r/CHEN42/UHJvZHVjdDoxMzQ%3D?channel=default-channel",
        "channel": "default-channel", "productId": "UHJvZHVjdDoxMzQ=", "clicks": 0,
        "orders": 1,
    }}}}
    assert ReferralLink.objects.count() == 1


@pytest.mark.parametrize(
    ("user_id", "variables", "field", "code"),
    [
        (CHEN, {"channel": "nowhere"}, "channel", "UNKNOWN_CHANNEL"),
        (CHEN, {"channel": "channel-cn", "product": "UHJvZHVjdDox"}, "channel", "UNKNOWN_CHANNEL"),
        ("VXNlcjo3Nzc=", {"channel": "default-channel"}, None, "NOT_FOUND"),
    ],
)
def test_bad_link_requests_change_nothing(graphql, customer_token, chen_team, installation,
                                          user_id, variables, field, code):
    before = api_state(installation)

    _, body = graphql(LINK, variables, token=customer_token(user_id=user_id))

    assert body["data"]["referralLinkCreate"] == {
        "referralLink": None, "errors": [{"field": field, "code": code}]
    }
    assert api_state(installation) == before


BIND = """mutation($code: String!) { customerBind(code: $code) {
  distributor { code displayName } errors { field code message } } }"""


def test_a_customer_binds_to_a_code(graphql, customer_token, chen_team):
    buyer = "VXNlcjoxMjM="

    _, body = graphql(BIND, {"code": "kid001"}, token=customer_token(user_id=buyer,
                                                                      email="Buyer@Example.com"))

    assert body == {"data": {"customerBind": {"distributor": {"code": "KID001",
                                                              "displayName": "KID001"},
                                              "errors": []}}}
    binding = CustomerBinding.objects.get()
    assert (binding.customer_saleor_id, binding.customer_email, binding.distributor.code,
            binding.source, binding.code, binding.ended_at) == (
        buyer, "buyer@example.com", "KID001", BindingSource.CUSTOMER, "KID001", None
    )


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("CHEN42", ("code", "SELF_BINDING")),  # one's own code
        ("NOPE99", ("code", "INVITER_NOT_FOUND")),
        ("", ("code", "INVITER_NOT_FOUND")),
        ("KID002", ("__all__", "ALREADY_BOUND")),  # first touch: KID001 keeps the customer
    ],
)
def test_bad_bindings_change_nothing(graphql, customer_token, chen_team, installation, code,
                                     error):
    actions.bind_customer(installation, distributor=Distributor.objects.get(code="KID001"),
                          customer_saleor_id=CHEN, customer_email="chen.xiaoyu@example.com",
                          source=BindingSource.REFERRAL_LINK)
    before = api_state(installation)

    _, body = graphql(BIND, {"code": code}, token=customer_token())

    result = body["data"]["customerBind"]
    assert result["distributor"] is None
    assert [(e["field"] or "__all__", e["code"]) for e in result["errors"]] == [error]
    assert api_state(installation) == before


def test_binding_new_customers_only_knows_who_ordered(graphql, customer_token, chen_team,
                                                      installation, sell):
    actions.update_policy(installation, actor=Actor.staff(STAFF_ID), bind_new_customers_only=True)
    buyer, newcomer = "VXNlcjoxMjM=", "VXNlcjoxMjQ="
    sell(1, None, customer=buyer)

    _, refused = graphql(BIND, {"code": "KID001"}, token=customer_token(user_id=buyer))
    _, bound = graphql(BIND, {"code": "KID001"}, token=customer_token(user_id=newcomer))

    assert refused["data"]["customerBind"]["errors"][0]["code"] == "NOT_NEW_CUSTOMER"
    assert bound["data"]["customerBind"]["errors"] == []
    assert list(CustomerBinding.objects.values_list("customer_saleor_id", flat=True)) == [newcomer]
