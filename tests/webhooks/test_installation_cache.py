"""Installations kept per process after a verified delivery (installations/cache.py): the
next deliveries skip the lookup, and nothing the process learns, nor any refusal, is decided
on a kept copy."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from saleor_distribution.installations.actions import mark_installation_removed
from saleor_distribution.installations.models import Installation
from saleor_distribution.webhooks.models import InboxDelivery
from tests.fixtures.saleor_deliveries import load_delivery, make_delivery


def _installation_reads(queries) -> int:
    return sum('FROM "installations_installation"' in q["sql"] for q in queries)


def test_the_next_delivery_from_the_same_saleor_skips_the_installation_lookup(
    captured_installation, post_delivery
):
    assert post_delivery(load_delivery("order_created")).status_code == 200

    with CaptureQueriesContext(connection) as queries:
        response = post_delivery(load_delivery("order_updated__checkout_complete"))

    assert response.status_code == 200
    assert _installation_reads(queries.captured_queries) == 0
    assert InboxDelivery.objects.count() == 2


def test_without_the_cache_every_delivery_reads_its_installation(
    captured_installation, post_delivery, settings
):
    settings.WEBHOOK_INSTALLATION_CACHE_SECONDS = 0
    assert post_delivery(load_delivery("order_created")).status_code == 200

    with CaptureQueriesContext(connection) as queries:
        response = post_delivery(load_delivery("order_updated__checkout_complete"))

    assert response.status_code == 200
    assert _installation_reads(queries.captured_queries) == 1


def test_a_removal_in_this_process_refuses_the_next_delivery_at_once(
    captured_installation, post_delivery
):
    assert post_delivery(load_delivery("order_created")).status_code == 200

    assert mark_installation_removed(captured_installation.pk, reason="APP_DELETED")

    response = post_delivery(load_delivery("order_updated__checkout_complete"))
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "installation_removed"
    assert InboxDelivery.objects.count() == 1


def test_a_key_rotated_by_another_process_is_read_fresh_not_refused(
    fake_installation, fake_saleor, post_delivery, other_key
):
    # Given this process keeps the installation with Saleor's old key
    first = make_delivery(
        "ORDER_CREATED", load_delivery("order_created").payload, fake_saleor.key,
        fake_saleor.api_url,
    )
    assert post_delivery(first).status_code == 200
    # When another process stored the rotated JWKS (and used up the refetch slot)
    fake_saleor.jwks_keys = [other_key]
    Installation.objects.filter(pk=fake_installation.pk).update(jwks=fake_saleor.jwks())
    payload = load_delivery("order_updated__checkout_complete").payload
    rotated = make_delivery("ORDER_UPDATED", payload, other_key, fake_saleor.api_url)

    # Then a delivery signed with the new key is verified on a fresh read, without asking
    # Saleor again
    assert post_delivery(rotated).status_code == 200
    assert fake_saleor.jwks_requests == 0
    assert InboxDelivery.objects.count() == 2
