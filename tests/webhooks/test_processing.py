"""Processing stored deliveries (eager tasks): failures, replays and the sweep."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from saleor_distribution.webhooks import handlers
from saleor_distribution.webhooks.actions import (
    process_delivery,
    stale_pending_delivery_ids,
    store_delivery,
)
from saleor_distribution.webhooks.models import DeliveryStatus, InboxDelivery
from saleor_distribution.webhooks.tasks import sweep_inbox
from tests.fixtures.saleor_deliveries import load_delivery, make_delivery


class _Order23Outcome:
    """Any outcome of the engine for order #23: which delivery is the newest snapshot decides
    between "reconciled" and "ignored: ... newer snapshot"; these tests are about the inbox."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and other.startswith(
            ("reconciled order 23 v", "ignored: order 23 has a newer snapshot")
        )

    def __repr__(self) -> str:
        return "<an engine outcome for order 23>"


ORDER_23_OUTCOME = _Order23Outcome()


def _fail(delivery):
    raise RuntimeError("the engine tripped")


def _stored(installation, name: str, **columns) -> int:
    """Store a captured delivery as the endpoint would (nothing processed yet)."""
    delivery = load_delivery(name)
    stored = store_delivery(
        installation=installation,
        event=delivery.event,
        body=delivery.body,
        headers=delivery.headers,
        saleor_object_id=delivery.payload["order"]["id"] if "order" in delivery.payload else "",
        issued_at=None,
    )
    assert stored.created
    if columns:
        InboxDelivery.objects.filter(pk=stored.delivery_id).update(**columns)
    return stored.delivery_id


def _state(delivery_id: int) -> tuple:
    row = InboxDelivery.objects.get(pk=delivery_id)
    return (row.status, row.attempts, row.last_error, row.outcome)


def test_failed_processing_is_recorded_and_re_raised_for_a_retry(
    captured_installation, monkeypatch
):
    delivery_id = _stored(captured_installation, "order_created")
    monkeypatch.setitem(handlers.HANDLERS, "ORDER_CREATED", _fail)

    with pytest.raises(RuntimeError, match="the engine tripped"):
        process_delivery(delivery_id)
    with pytest.raises(RuntimeError, match="the engine tripped"):
        process_delivery(delivery_id)

    row = InboxDelivery.objects.get(pk=delivery_id)
    # Still pending: the task decides whether to retry or give up.
    assert row.status == DeliveryStatus.PENDING
    assert row.attempts == 2
    assert row.last_error == "RuntimeError: the engine tripped"
    assert row.last_attempt_at is not None
    assert row.processed_at is None
    assert row.outcome == ""

    monkeypatch.setitem(handlers.HANDLERS, "ORDER_CREATED", handlers.reconcile_order)
    assert (
        process_delivery(delivery_id)
        == "reconciled order 23 v1 (UNFULFILLED): 0 commissions, 0 ledger entries"
    )
    assert _state(delivery_id) == (
        DeliveryStatus.PROCESSED,
        3,
        "",
        "reconciled order 23 v1 (UNFULFILLED): 0 commissions, 0 ledger entries",
    )


def test_failed_processing_without_a_broker_leaves_the_row_failed_and_visible(
    captured_installation, post_delivery, monkeypatch
):
    monkeypatch.setitem(handlers.HANDLERS, "ORDER_PAID", _fail)

    response = post_delivery(load_delivery("order_paid"))

    # Saleor is told the delivery arrived; the failure is ours to replay.
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    assert _state(response.json()["delivery"]) == (
        DeliveryStatus.FAILED,
        1,
        "RuntimeError: the engine tripped",
        "",
    )


def test_payload_that_does_not_parse_fails_for_good(fake_installation, fake_saleor, post_delivery):
    payload = load_delivery("order_created").payload
    payload["order"] = {"id": payload["order"]["id"]}  # an order with none of its fields
    delivery = make_delivery("ORDER_CREATED", payload, fake_saleor.key, fake_saleor.api_url)

    response = post_delivery(delivery, api_url=fake_saleor.api_url)

    assert response.status_code == 200
    delivery_id = response.json()["delivery"]
    status, attempts, error, outcome = _state(delivery_id)
    assert (status, attempts, outcome) == (DeliveryStatus.FAILED, 1, "")
    assert error.startswith("PayloadError: the body is not a valid OrderEvent payload")


def test_payload_error_is_not_raised_so_the_task_does_not_retry(fake_installation, fake_saleor):
    payload = load_delivery("order_created").payload
    payload["order"] = {"id": payload["order"]["id"]}
    delivery = make_delivery("ORDER_CREATED", payload, fake_saleor.key, fake_saleor.api_url)
    stored = store_delivery(
        installation=fake_installation,
        event="ORDER_CREATED",
        body=delivery.body,
        headers=delivery.headers,
        saleor_object_id=payload["order"]["id"],
        issued_at=None,
    )

    assert process_delivery(stored.delivery_id) == "failed: invalid payload"
    assert _state(stored.delivery_id)[:2] == (DeliveryStatus.FAILED, 1)


def test_replay_inbox_failed_processes_the_failed_deliveries_only(
    captured_installation, monkeypatch
):
    failed_id = _stored(captured_installation, "order_paid")
    pending_id = _stored(captured_installation, "order_created")
    processed_id = _stored(captured_installation, "order_confirmed")
    monkeypatch.setitem(handlers.HANDLERS, "ORDER_PAID", _fail)
    with pytest.raises(RuntimeError):
        process_delivery(failed_id)
    InboxDelivery.objects.filter(pk=failed_id).update(status=DeliveryStatus.FAILED)
    process_delivery(processed_id)
    processed_before = InboxDelivery.objects.get(pk=processed_id).processed_at
    monkeypatch.setitem(handlers.HANDLERS, "ORDER_PAID", handlers.reconcile_order)
    out = StringIO()

    call_command("replay_inbox", "--failed", stdout=out)

    assert out.getvalue() == "Re-queued 1 deliveries.\n"
    assert _state(failed_id) == (DeliveryStatus.PROCESSED, 2, "", ORDER_23_OUTCOME)
    assert _state(pending_id) == (DeliveryStatus.PENDING, 0, "", "")
    assert _state(processed_id) == (DeliveryStatus.PROCESSED, 1, "", ORDER_23_OUTCOME)
    assert InboxDelivery.objects.get(pk=processed_id).processed_at == processed_before


def test_replay_inbox_by_id_leaves_a_processed_delivery_alone(captured_installation):
    delivery_id = _stored(captured_installation, "order_created")
    process_delivery(delivery_id)
    out = StringIO()

    call_command("replay_inbox", "--id", str(delivery_id), stdout=out)

    assert out.getvalue() == "Re-queued 0 deliveries.\n"
    assert _state(delivery_id) == (DeliveryStatus.PROCESSED, 1, "", ORDER_23_OUTCOME)


def test_sweep_resends_only_stale_pending_deliveries(captured_installation):
    now = timezone.now()
    long_ago = now - timedelta(minutes=20)
    never_tried = _stored(captured_installation, "order_created", received_at=long_ago)
    tried_long_ago = _stored(
        captured_installation,
        "order_paid",
        received_at=long_ago - timedelta(minutes=1),
        attempts=1,
        last_attempt_at=long_ago,
        last_error="RuntimeError: earlier",
    )
    being_retried = _stored(
        captured_installation,
        "order_confirmed",
        received_at=long_ago,
        attempts=1,
        last_attempt_at=now - timedelta(minutes=1),
        last_error="RuntimeError: now",
    )
    just_received = _stored(captured_installation, "order_fully_paid", received_at=now)
    old_processed = _stored(
        captured_installation,
        "order_fulfilled",
        received_at=long_ago,
        status=DeliveryStatus.PROCESSED,
        attempts=1,
        outcome="reconciled order 23 v1 (FULFILLED): 3 commissions, 6 ledger entries",
    )
    old_failed = _stored(
        captured_installation,
        "order_cancelled",
        received_at=long_ago,
        status=DeliveryStatus.FAILED,
        attempts=9,
        last_error="RuntimeError: gave up",
    )

    assert stale_pending_delivery_ids() == [tried_long_ago, never_tried]
    assert sweep_inbox() == 2

    assert _state(tried_long_ago) == (DeliveryStatus.PROCESSED, 2, "", ORDER_23_OUTCOME)
    assert _state(never_tried) == (DeliveryStatus.PROCESSED, 1, "", ORDER_23_OUTCOME)
    assert _state(being_retried) == (DeliveryStatus.PENDING, 1, "RuntimeError: now", "")
    assert _state(just_received) == (DeliveryStatus.PENDING, 0, "", "")
    assert _state(old_processed) == (
        DeliveryStatus.PROCESSED,
        1,
        "",
        "reconciled order 23 v1 (FULFILLED): 3 commissions, 6 ledger entries",
    )
    assert _state(old_failed) == (DeliveryStatus.FAILED, 9, "RuntimeError: gave up", "")
    assert stale_pending_delivery_ids() == []
