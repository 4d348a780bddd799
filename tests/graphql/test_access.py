"""Who may read what: the customer their own distributor, staff with MANAGE_USERS all,
anonymous callers only a public card; bad tokens are refused before anything runs."""

import pytest

from saleor_distribution.network.actions import add_distributor
from saleor_distribution.network.models import DistributorStatus

ME = "{ me { id distributor { code status email } } }"
CARD = "query($code: String!) { distributorCard(code: $code) { code displayName } }"


@pytest.fixture
def two_distributors(fake_installation):
    wang = add_distributor(
        fake_installation,
        saleor_user_id="VXNlcjo1MA==",
        email="wang.fang@example.com",
        code="ABC123",
        display_name="王芳",
    )
    chen = add_distributor(
        fake_installation,
        saleor_user_id="VXNlcjo0OA==",
        email="chen.xiaoyu@example.com",
        parent=wang,
        code="CHEN42",
    )
    return wang, chen


def test_customer_sees_their_own_distributor(graphql, customer_token, two_distributors):
    status, body = graphql(ME, token=customer_token())

    assert status == 200
    assert body == {
        "data": {
            "me": {
                "id": "VXNlcjo0OA==",
                "distributor": {
                    "code": "CHEN42",
                    "status": "ACTIVE",
                    "email": "chen.xiaoyu@example.com",
                },
            }
        }
    }


def test_another_customers_global_id_returns_nothing(graphql, customer_token, two_distributors):
    from graphql_relay import to_global_id

    wang, _ = two_distributors
    query = "query($id: ID!) { node(id: $id) { ... on Distributor { code email } } }"

    status, body = graphql(
        query, {"id": to_global_id("Distributor", wang.pk)}, token=customer_token()
    )

    assert status == 200
    assert body == {"data": {"node": None}}


def test_federated_user_resolves_a_distributor_only_for_that_user(
    graphql, customer_token, two_distributors
):
    query = """query($reps: [_Any!]!) { _entities(representations: $reps) {
        ... on User { id distributor { code } } } }"""
    reps = [
        {"__typename": "User", "id": "VXNlcjo0OA=="},
        {"__typename": "User", "id": "VXNlcjo1MA=="},
    ]

    status, body = graphql(query, {"reps": reps}, token=customer_token())

    assert status == 200
    assert "errors" not in body
    assert body["data"]["_entities"] == [
        {"id": "VXNlcjo0OA==", "distributor": {"code": "CHEN42"}},
        {"id": "VXNlcjo1MA==", "distributor": None},
    ]


def test_staff_with_manage_users_sees_any_distributor(graphql, staff_token, two_distributors):
    from graphql_relay import to_global_id

    wang, _ = two_distributors
    query = "query($id: ID!) { node(id: $id) { ... on Distributor { code email } } }"

    _status, body = graphql(
        query, {"id": to_global_id("Distributor", wang.pk)}, token=staff_token("MANAGE_USERS")
    )

    assert body == {"data": {"node": {"code": "ABC123", "email": "wang.fang@example.com"}}}


def test_staff_without_manage_users_sees_none(graphql, staff_token, two_distributors):
    from graphql_relay import to_global_id

    wang, _ = two_distributors
    query = "query($id: ID!) { node(id: $id) { ... on Distributor { code } } }"

    _status, body = graphql(
        query, {"id": to_global_id("Distributor", wang.pk)}, token=staff_token("MANAGE_ORDERS")
    )

    assert body == {"data": {"node": None}}


def test_anonymous_caller_gets_only_the_public_card(graphql, two_distributors):
    status, body = graphql(CARD, {"code": "abc123"})

    assert status == 200
    assert body == {"data": {"distributorCard": {"code": "ABC123", "displayName": "王芳"}}}
    _, me = graphql(ME)
    assert me == {"data": {"me": None}}


def test_public_card_hides_inactive_and_unknown_codes(graphql, two_distributors):
    wang, _ = two_distributors
    wang.status = DistributorStatus.SUSPENDED
    wang.save(update_fields=["status"])

    assert graphql(CARD, {"code": "ABC123"})[1] == {"data": {"distributorCard": None}}
    assert graphql(CARD, {"code": "NOPE99"})[1] == {"data": {"distributorCard": None}}


def test_public_card_needs_to_know_which_saleor(graphql, two_distributors):
    assert graphql(CARD, {"code": "ABC123"}, api_url=None)[1] == {"data": {"distributorCard": None}}


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"lifetime_seconds": -120}, "expired"),
        ({"token_type": "refresh"}, "not an access or dashboard token"),
        ({"issuer": "https://other-shop.example.com/graphql/"}, "another Saleor"),
    ],
)
def test_bad_tokens_are_refused_before_anything_runs(
    graphql, fake_saleor, two_distributors, claims, message
):
    from tests.fakes.saleor import mint_token

    status, body = graphql(ME, token=mint_token(fake_saleor, **claims))

    assert status == 401
    assert body["errors"][0]["extensions"]["code"] == "INVALID_TOKEN"
    assert message in body["errors"][0]["message"]
    assert "data" not in body


def test_tampered_token_is_refused(graphql, customer_token, two_distributors):
    header, payload, signature = customer_token().split(".")
    forged_payload = payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB")

    status, _body = graphql(ME, token=f"{header}.{forged_payload}.{signature}")

    assert status == 401


def test_token_signed_by_another_key_is_refused(graphql, fake_saleor, other_key, two_distributors):
    from tests.fakes.saleor import mint_token

    status, _ = graphql(ME, token=mint_token(fake_saleor, key=other_key))

    assert status == 401
