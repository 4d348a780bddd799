"""Posting deliveries to the webhook endpoints: what is stored, what is refused."""

import json
import threading
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection
from django.test import Client
from django.utils import timezone

from saleor_distribution.installations.models import Installation, InstallationStatus
from saleor_distribution.webhooks.models import DeliveryStatus, InboxDelivery
from tests.fakes.saleor import APP_ID
from tests.fixtures.saleor_deliveries import all_captured_deliveries, load_delivery, make_delivery

CAPTURED = all_captured_deliveries()


def test_every_captured_delivery_lands_in_the_inbox_exactly_once(
    captured_installation, post_delivery
):
    first = [post_delivery(d) for d in CAPTURED]
    second = [post_delivery(d) for d in CAPTURED]

    assert [r.status_code for r in first] == [200] * 42
    assert [r.json()["status"] for r in first] == ["accepted"] * 42
    assert [r.status_code for r in second] == [200] * 42
    assert [r.json()["status"] for r in second] == ["duplicate"] * 42
    assert InboxDelivery.objects.count() == 42
    stored = {(d.event, d.body) for d in InboxDelivery.objects.all()}
    assert stored == {(d.event, d.body.decode()) for d in CAPTURED}


def test_stored_delivery_keeps_what_an_audit_needs(captured_installation, post_delivery):
    delivery = load_delivery("order_fully_paid")

    response = post_delivery(
        delivery, extra_headers={"Authorization": "Bearer secret-custom-header"}
    )

    row = InboxDelivery.objects.get(pk=response.json()["delivery"])
    assert row.installation == captured_installation
    assert row.event == "ORDER_FULLY_PAID"
    assert row.saleor_object_id == "T3JkZXI6NDAxMTA1ZmMtNjE4OC00MTY0LWFiOTUtYjI1ZjEwNmQ4YzY0"
    assert row.issued_at.isoformat() == delivery.payload["issuedAt"]
    assert row.body.encode() == delivery.body
    assert row.headers["Saleor-Signature"] == delivery.headers["Saleor-Signature"]
    assert "Authorization" not in row.headers
    # Eager mode (no broker): processed right after the commit.
    assert row.status == DeliveryStatus.PROCESSED
    assert row.attempts == 1
    assert row.outcome == "reconciled order 23 v1 (UNFULFILLED): 0 commissions, 0 ledger entries"


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_of_one_delivery_store_it_once(captured_jwks):
    Installation.objects.create(
        saleor_api_url="http://127.0.0.1:8000/graphql/",
        app_id=APP_ID,
        auth_token="captured-token",
        jwks=captured_jwks,
        jwks_fetched_at=timezone.now(),
    )
    delivery = load_delivery("order_paid")
    barrier = threading.Barrier(8)
    results: list[str] = []

    def post() -> None:
        try:
            barrier.wait()
            response = Client().post(
                "/api/webhooks/order_paid",
                data=delivery.body,
                content_type="application/json",
                headers={
                    "Saleor-Event": "order_paid",
                    "Saleor-Api-Url": delivery.headers["Saleor-Api-Url"],
                    "Saleor-Signature": delivery.headers["Saleor-Signature"],
                },
            )
            results.append(f"{response.status_code} {response.json()['status']}")
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(results) == ["200 accepted"] + ["200 duplicate"] * 7
    assert InboxDelivery.objects.count() == 1
    assert InboxDelivery.objects.get().attempts == 1


# --- refusals: the right status, and nothing stored -------------------------------------


def _assert_refused(response, status, code):
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert InboxDelivery.objects.count() == 0


def test_body_changed_by_one_byte_is_refused(captured_installation, post_delivery):
    delivery = load_delivery("order_created")
    body = delivery.body.replace(b'"number": "23"', b'"number": "24"')
    assert len(body) == len(delivery.body) and body != delivery.body

    _assert_refused(post_delivery(delivery.with_body(body)), 401, "invalid_signature")


def test_signature_from_another_key_is_refused(captured_installation, post_delivery, other_key):
    delivery = load_delivery("order_created")
    forged = other_key.sign(delivery.body, kid="Ga2QOoCefeFhi9eNK9PPLDmczSGfzZppFysUJaNZGMw")

    _assert_refused(post_delivery(delivery, signature=forged), 401, "invalid_signature")


def test_kid_no_jwks_has_is_refused_after_one_rate_limited_refetch(
    fake_installation, fake_saleor, post_delivery, other_key, settings
):
    settings.JWKS_REFETCH_MIN_INTERVAL_SECONDS = 300
    Installation.objects.filter(pk=fake_installation.pk).update(
        jwks_fetched_at=timezone.now() - timedelta(hours=1)
    )
    delivery = make_delivery(
        "ORDER_CREATED", load_delivery("order_created").payload, other_key, fake_saleor.api_url
    )

    _assert_refused(post_delivery(delivery), 401, "unknown_key")
    assert fake_saleor.jwks_requests == 1
    # A second unknown kid inside the interval does not hit Saleor again.
    _assert_refused(post_delivery(delivery), 401, "unknown_key")
    assert fake_saleor.jwks_requests == 1
    fake_installation.refresh_from_db()
    assert fake_installation.jwks == fake_saleor.jwks()


def test_rotated_saleor_key_is_picked_up_by_refetching_the_jwks(
    fake_installation, fake_saleor, post_delivery, other_key
):
    Installation.objects.filter(pk=fake_installation.pk).update(
        jwks_fetched_at=timezone.now() - timedelta(hours=1)
    )
    fake_saleor.jwks_keys = [other_key]  # Saleor rotated: only the new key is published
    delivery = make_delivery(
        "ORDER_CREATED", load_delivery("order_created").payload, other_key, fake_saleor.api_url
    )

    response = post_delivery(delivery)

    assert response.status_code == 200
    assert fake_saleor.jwks_requests == 1
    assert InboxDelivery.objects.count() == 1
    fake_installation.refresh_from_db()
    assert [k["kid"] for k in fake_installation.jwks["keys"]] == [other_key.kid]


def test_delivery_for_unknown_installation_is_refused(db, post_delivery):
    _assert_refused(post_delivery(load_delivery("order_created")), 401, "unknown_installation")


def test_delivery_for_removed_installation_is_refused(captured_installation, post_delivery):
    Installation.objects.filter(pk=captured_installation.pk).update(
        status=InstallationStatus.REMOVED
    )

    _assert_refused(post_delivery(load_delivery("order_created")), 410, "installation_removed")


def test_delivery_for_another_installations_app_is_refused(
    fake_installation, fake_saleor, post_delivery
):
    payload = load_delivery("order_created").payload
    payload["recipient"] = {"id": "QXBwOjI=", "name": "someone else"}
    delivery = make_delivery("ORDER_CREATED", payload, fake_saleor.key, fake_saleor.api_url)

    _assert_refused(post_delivery(delivery), 403, "wrong_recipient")


def test_delivery_signed_by_one_saleor_posted_as_another_is_refused(
    captured_installation, fake_installation, fake_saleor, post_delivery
):
    # A genuine delivery from the captured Saleor, replayed under the fake Saleor's URL.
    _assert_refused(
        post_delivery(load_delivery("order_created"), api_url=fake_saleor.api_url),
        401,
        "unknown_key",
    )


def test_body_that_is_not_json_is_refused(fake_installation, fake_saleor, post_delivery):
    body = b"<html>not json</html>"
    delivery = load_delivery("order_created").with_body(body, signature=fake_saleor.sign(body))

    _assert_refused(post_delivery(delivery, api_url=fake_saleor.api_url), 400, "invalid_payload")


def test_json_that_is_not_an_event_is_refused(fake_installation, fake_saleor, post_delivery):
    body = json.dumps([1, 2, 3]).encode()
    delivery = load_delivery("order_created").with_body(body, signature=fake_saleor.sign(body))

    _assert_refused(post_delivery(delivery, api_url=fake_saleor.api_url), 400, "invalid_payload")


def test_oversized_body_is_refused(captured_installation, post_delivery, settings):
    settings.WEBHOOK_MAX_BODY_BYTES = 4096
    delivery = load_delivery("order_created")
    assert len(delivery.body) > 4096

    _assert_refused(post_delivery(delivery), 413, "too_large")


def test_unknown_event_is_refused(captured_installation, post_delivery):
    delivery = load_delivery("order_created")

    _assert_refused(
        post_delivery(
            delivery, slug="order_exploded", extra_headers={"Saleor-Event": "order_exploded"}
        ),
        400,
        "unknown_event",
    )


def test_event_header_that_disagrees_with_the_endpoint_is_refused(
    captured_installation, post_delivery
):
    delivery = load_delivery("order_created")

    _assert_refused(post_delivery(delivery, slug="order_cancelled"), 400, "event_mismatch")


def test_missing_signature_is_refused(captured_installation, client):
    delivery = load_delivery("order_created")
    response = client.post(
        "/api/webhooks/order_created",
        data=delivery.body,
        content_type="application/json",
        headers={
            "Saleor-Event": "order_created",
            "Saleor-Api-Url": delivery.headers["Saleor-Api-Url"],
        },
    )

    _assert_refused(response, 401, "invalid_signature")


def test_stale_delivery_is_refused_when_a_maximum_age_is_set(
    captured_installation, post_delivery, settings
):
    settings.WEBHOOK_MAX_AGE_SECONDS = 60
    delivery = load_delivery("order_created")  # issued 2026-11-26T15:16, long before "now"
    issued_at = delivery.payload["issuedAt"]
    assert timezone.datetime.fromisoformat(issued_at) < timezone.now() - timedelta(seconds=60)

    _assert_refused(post_delivery(delivery), 400, "stale_delivery")


def test_get_is_not_allowed(captured_installation, client):
    assert client.get("/api/webhooks/order_created").status_code == 405
    assert InboxDelivery.objects.count() == 0
