"""Nudges for stored deliveries leave the request thread and travel in batches."""

import threading

from saleor_distribution.webhooks.dispatch import NudgeBatcher


def test_ids_queued_while_a_batch_is_being_sent_go_out_together():
    sent: list[list[int]] = []
    first_send_started = threading.Event()
    release = threading.Event()

    def send(batch: list[int]) -> None:
        sent.append(batch)
        first_send_started.set()
        release.wait(timeout=10)

    batcher = NudgeBatcher(send)
    batcher.submit(1)
    assert first_send_started.wait(timeout=10)
    for delivery_id in (2, 3, 4, 5):
        batcher.submit(delivery_id)
    release.set()

    assert batcher.drain(timeout=10)
    assert sent[0] == [1]
    assert [i for batch in sent[1:] for i in batch] == [2, 3, 4, 5]
    assert len(sent) <= 2


def test_batches_are_bounded():
    sent: list[list[int]] = []
    batcher = NudgeBatcher(sent.append, max_batch=3)
    for delivery_id in range(7):
        batcher._queue.put(delivery_id)  # queued before any thread runs

    batcher.flush()

    assert sent == [[0, 1, 2], [3, 4, 5], [6]]


def test_a_failing_send_is_logged_and_the_batcher_keeps_going(caplog):
    sent: list[list[int]] = []

    def send(batch: list[int]) -> None:
        if batch == [1]:
            raise ConnectionError("broker down")
        sent.append(batch)

    batcher = NudgeBatcher(send)
    batcher._queue.put(1)
    batcher.flush()
    batcher._queue.put(2)
    batcher.flush()

    assert sent == [[2]]
    assert "Could not nudge workers" in caplog.text


def test_dispatch_task_fans_out_one_task_per_delivery(captured_installation, post_delivery):
    from saleor_distribution.webhooks.models import DeliveryStatus, InboxDelivery
    from saleor_distribution.webhooks.tasks import dispatch_inbox_deliveries
    from tests.fixtures.saleor_deliveries import load_delivery

    ids = []
    for name in ("customer_created", "customer_metadata_updated"):
        response = post_delivery(load_delivery(name))
        ids.append(response.json()["delivery"])
    InboxDelivery.objects.filter(pk__in=ids).update(status=DeliveryStatus.PENDING, attempts=0)

    assert dispatch_inbox_deliveries(ids) == 2

    assert list(InboxDelivery.objects.filter(pk__in=ids).values_list("attempts", flat=True)) == [
        1,
        1,
    ]
