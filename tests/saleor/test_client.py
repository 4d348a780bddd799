"""The Saleor client: timeouts, retries where safe, typed errors."""

import socket
from decimal import Decimal

import pytest
import requests

from saleor_distribution.core.http import HttpPolicy, build_session
from saleor_distribution.core.secrets import Secret
from saleor_distribution.saleor.client import (
    SaleorClient,
    SaleorGraphQLError,
    SaleorHTTPError,
    SaleorNetworkError,
    SaleorResponseError,
    jwks_url,
)
from tests.fakes.saleor import APP_ID

POLICY = HttpPolicy(
    connect_timeout_seconds=1, read_timeout_seconds=2, max_retries=2, backoff_seconds=0
)


def client_for(fake, token="t0ken-for-tests"):
    fake.tokens[token] = APP_ID
    return SaleorClient(fake.api_url, Secret(token), policy=POLICY)


def test_query_answers_data(fake_saleor):
    data = client_for(fake_saleor).execute("queries/AppIdentity.graphql")

    assert data == {"app": {"id": APP_ID, "identifier": fake_saleor.identifier}}
    assert fake_saleor.graphql_requests == 1


def test_queries_are_retried_on_5xx_then_fail_typed(fake_saleor):
    fake_saleor.graphql_failures = 10

    with pytest.raises(SaleorHTTPError) as excinfo:
        client_for(fake_saleor).execute("queries/AppIdentity.graphql")

    assert excinfo.value.status_code == 500
    assert excinfo.value.retryable is True
    assert fake_saleor.graphql_requests == 3  # 1 + 2 retries


def test_non_idempotent_calls_are_not_retried_once_sent(fake_saleor):
    fake_saleor.graphql_failures = 10

    with build_session(POLICY, idempotent=False) as session:
        response = session.post(
            fake_saleor.api_url, json={"query": "mutation { x }"}, timeout=POLICY.timeout
        )

    assert response.status_code == 500
    assert fake_saleor.graphql_requests == 1


def test_graphql_errors_are_typed(fake_saleor):
    fake_saleor.graphql_raw_answer = (
        b'{"data": null, "errors": [{"message": "You do not have permission"}]}'
    )

    with pytest.raises(SaleorGraphQLError) as excinfo:
        client_for(fake_saleor).execute("queries/AppIdentity.graphql")

    assert excinfo.value.errors == [{"message": "You do not have permission"}]
    assert excinfo.value.retryable is False


def test_an_answer_that_is_not_json_is_typed(fake_saleor):
    fake_saleor.graphql_raw_answer = b"<html>gateway</html>"

    with pytest.raises(SaleorResponseError):
        client_for(fake_saleor).execute("queries/AppIdentity.graphql")


def test_money_in_answers_is_decimal(fake_saleor):
    fake_saleor.graphql_raw_answer = b'{"data": {"order": {"total": {"amount": 50.97}}}}'

    data = client_for(fake_saleor).execute("queries/AppIdentity.graphql")

    assert data["order"]["total"]["amount"] == Decimal("50.97")


def test_unreachable_saleor_is_a_retryable_network_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed once the block ends: nothing listens there
    client = SaleorClient(f"http://127.0.0.1:{port}/graphql/", Secret("x"), policy=POLICY)

    with pytest.raises(SaleorNetworkError) as excinfo:
        client.execute("queries/AppIdentity.graphql")

    assert excinfo.value.retryable is True
    assert isinstance(excinfo.value.__cause__, requests.RequestException)


def test_read_timeout_is_enforced(fake_saleor):
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    accepted = []

    def accept_and_hang():
        for _ in range(3):
            conn, _ = listener.accept()
            accepted.append(conn)  # never answers

    threading.Thread(target=accept_and_hang, daemon=True).start()
    policy = HttpPolicy(
        connect_timeout_seconds=1, read_timeout_seconds=0.3, max_retries=1, backoff_seconds=0
    )
    client = SaleorClient(f"http://127.0.0.1:{listener.getsockname()[1]}/graphql/", policy=policy)

    with pytest.raises(SaleorNetworkError):
        client.execute("queries/AppIdentity.graphql")
    assert len(accepted) == 2  # the first try and one retry, each cut off by the read timeout
    listener.close()


def test_jwks_lives_at_the_origin_of_the_api_url():
    assert (
        jwks_url("https://shop.example.com/graphql/")
        == "https://shop.example.com/.well-known/jwks.json"
    )
    assert (
        jwks_url("http://127.0.0.1:8000/graphql/") == "http://127.0.0.1:8000/.well-known/jwks.json"
    )
