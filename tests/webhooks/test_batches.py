"""The worker takes the inbox in batches: several deliveries in one transaction, their order
events reconciled together. The result must be what processing them one by one gives, and
one bad delivery must not cost the others anything."""

from __future__ import annotations

from decimal import Decimal

import pytest

from saleor_distribution.webhooks.actions import dedupe_key, process_deliveries
from saleor_distribution.webhooks.models import DeliveryStatus, InboxDelivery
from saleor_distribution.webhooks.tasks import BATCH_SIZE, dispatch_inbox_deliveries
from tests.fixtures.engine import (
    ORDER_23_DELIVERIES,
    PLIMSOLLS_LINE,
    TEE_LINE,
    balances,
    commissions_of,
)
from tests.fixtures.saleor_deliveries import load_delivery

ORDER_23 = "T3JkZXI6NDAxMTA1ZmMtNjE4OC00MTY0LWFiOTUtYjI1ZjEwNmQ4YzY0"
D = Decimal


def store(installation, name: str, body: str | None = None) -> int:
    """A delivery stored as the webhook endpoint stores it, not processed yet."""
    captured = load_delivery(name)
    text = body if body is not None else captured.body.decode()
    return InboxDelivery.objects.create(
        installation=installation,
        event=captured.event,
        body=text,
        saleor_object_id="",
        dedupe_key=dedupe_key(captured.event, text.encode()),
    ).pk


@pytest.fixture
def order_23_chain(make_seller):
    up1 = make_seller("UP01")
    return make_seller("REF42", parent=up1), up1


@pytest.mark.django_db(transaction=True)
def test_a_batch_of_the_whole_captured_story_ends_as_one_by_one(installation, order_23_chain):
    # Given every captured delivery of order #23 (created, paid, confirmed, fulfilled,
    # refunded: eleven snapshots of one order) and a customer event between them
    ref42, up1 = order_23_chain
    names = [*ORDER_23_DELIVERIES[:3], "customer_created", *ORDER_23_DELIVERIES[3:]]
    ids = [store(installation, name) for name in names]

    # When one worker takes them as one batch
    outcomes = process_deliveries(ids)

    # Then each was processed once, in order, with its own outcome: the snapshots of the
    # one order applied in turn, older ones after newer ones ignored
    assert sorted(outcomes) == sorted(ids)
    rows = {row.pk: row for row in InboxDelivery.objects.filter(pk__in=ids)}
    assert {row.status for row in rows.values()} == {DeliveryStatus.PROCESSED}
    assert {row.attempts for row in rows.values()} == {1}
    # (the captured customer was invited by a code this installation does not know)
    assert rows[ids[3]].outcome == "ignored invitation: inviter_not_found"
    assert rows[ids[0]].outcome.startswith("reconciled order 23 v1")
    # And the ledger is the one of test_scenarios' one-by-one run: Tee 36.00 with one of two
    # refunded (base 18.00) and Plimsolls 75.00; L1 10 % (1.80 + 7.50), L2 5 % (0.90 + 3.75).
    assert commissions_of(ORDER_23) == sorted(
        [
            (TEE_LINE, 1, "REF42", D("1.80"), "frozen"),
            (PLIMSOLLS_LINE, 1, "REF42", D("7.50"), "frozen"),
            (TEE_LINE, 2, "UP01", D("0.90"), "frozen"),
            (PLIMSOLLS_LINE, 2, "UP01", D("3.75"), "frozen"),
        ]
    )
    assert balances(ref42) == {"frozen": D("9.30")}
    assert balances(up1) == {"frozen": D("4.65")}

    # When the batch is run again (a redelivered Celery message), nothing happens
    assert process_deliveries(ids) == {}
    assert balances(ref42) == {"frozen": D("9.30")}


@pytest.mark.django_db(transaction=True)
def test_a_bad_delivery_fails_alone_and_the_rest_of_its_batch_is_processed(
    installation, order_23_chain
):
    # Given a batch holding a payload that does not parse among good deliveries
    ref42, _ = order_23_chain
    good = [store(installation, name) for name in ORDER_23_DELIVERIES[:3]]
    bad = store(installation, "order_paid", body='{"order": {"id": 42}}')

    # When the dispatcher hands them to the batch task (in-process here)
    assert dispatch_inbox_deliveries([*good, bad]) == 4

    # Then the batch was rolled back and each delivery processed on its own: the good ones
    # reconciled, the bad one failed for good with its reason on the row
    rows = {row.pk: row for row in InboxDelivery.objects.filter(pk__in=[*good, bad])}
    assert [rows[pk].status for pk in good] == [DeliveryStatus.PROCESSED] * 3
    assert rows[bad].status == DeliveryStatus.FAILED
    assert rows[bad].outcome == ""
    assert "PayloadError" in rows[bad].last_error
    assert balances(ref42) == {"frozen": D("11.10")}  # 10 % of 36.00 + 75.00, not refunded yet


@pytest.mark.django_db(transaction=True)
def test_the_dispatcher_splits_a_burst_into_batches(installation, order_23_chain, monkeypatch):
    from saleor_distribution.webhooks import tasks

    batches: list[list[int]] = []
    monkeypatch.setattr(tasks.process_inbox_batch, "delay", batches.append)
    ids = list(range(1, 2 * BATCH_SIZE + 2))

    assert dispatch_inbox_deliveries(ids) == len(ids)

    assert batches == [ids[:BATCH_SIZE], ids[BATCH_SIZE : 2 * BATCH_SIZE], ids[2 * BATCH_SIZE :]]
