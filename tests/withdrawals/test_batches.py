"""Batch submission: several approved payouts claimed in one statement, sent, and their
answers recorded in one transaction, on PostgreSQL against the Alipay fake."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from saleor_distribution.ledger import actions as ledger
from saleor_distribution.ledger.fetch import accounts_out_of_balance
from saleor_distribution.ledger.models import Bucket, EntryCode, LedgerEntry
from saleor_distribution.withdrawals import actions
from saleor_distribution.withdrawals.models import (
    EventType,
    PayoutChannel,
    Withdrawal,
    WithdrawalEvent,
    WithdrawalStatus,
)
from tests.fixtures.network import make_installation
from tests.fixtures.withdrawals import (
    STAFF,
    balances,
    bind_alipay,
    configure_alipay,
    fund,
    set_rules,
)
from tests.withdrawals.helpers import approved, buckets, cny, event_types
from tests.withdrawals.test_concurrency import run_together

ALIPAY = PayoutChannel.ALIPAY
UNKNOWN_ALIPAY_USER = "2088000000000000"  # not an account the fake knows: refused


def alipay_installation(fake, distributors, name):
    """An installation paying by Alipay through `fake`, with `distributors` (their payee:
    an identity or None for the default) funded with 100.00 each."""
    from saleor_distribution.network.actions import add_distributor

    installation = make_installation(name)
    configure_alipay(installation, fake)
    set_rules(installation)
    made = []
    for index, identity in enumerate(distributors):
        distributor = add_distributor(
            installation, saleor_user_id=f"VXNlcjo{index:04d}", email=f"d{index}@example.com"
        )
        if identity:
            bind_alipay(distributor, identity=identity)
        else:
            bind_alipay(distributor)
        made.append((distributor, fund(distributor, "100.00")))
    return installation, made


def approve_unsent(installation, distributor, amount):
    """Requested and approved, its submission left to the test (as after a lost nudge)."""
    withdrawal = actions.request_withdrawal(
        installation, distributor, amount=cny(amount), channel=ALIPAY
    )
    return actions.approve_withdrawal(installation, withdrawal.pk, staff_user_id=STAFF)


def ledger_by_withdrawal(installation):
    """Per withdrawal (by its order of creation), its entries as (key, bucket, amount,
    code), keys with the withdrawal's id taken out."""
    order = {
        pk: index
        for index, pk in enumerate(
            Withdrawal.objects.filter(installation=installation)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    }
    entries = LedgerEntry.objects.filter(installation=installation, reference_type="withdrawal")
    found: dict[int, list[tuple[str, str, Decimal, str]]] = {}
    for entry in entries.order_by("pk"):
        pk = int(entry.reference_id)
        key = entry.idempotency_key.replace(f":{pk}:", ":#:")
        found.setdefault(order[pk], []).append((key, entry.bucket, entry.amount, entry.code))
    return found


@pytest.mark.django_db
def test_a_batch_posts_the_same_ledger_as_one_by_one(fake_alipay):
    # Given the same withdrawals in two installations: five payable, one to an account
    # Alipay refuses
    payees = [None, None, UNKNOWN_ALIPAY_USER, None, None]
    amounts = ["10.00", "20.00", "30.00", "40.00", "50.00", "5.00"]
    one_by_one, people_a = alipay_installation(fake_alipay, payees, "one-by-one")
    batched, people_b = alipay_installation(fake_alipay, payees, "batched")
    singles, batch = [], []
    for index, amount in enumerate(amounts):
        singles.append(approve_unsent(one_by_one, people_a[index % 5][0], amount))
        batch.append(approve_unsent(batched, people_b[index % 5][0], amount))

    # When one installation's are sent one by one and the other's in one batch
    for withdrawal in singles:
        actions.submit_payout(withdrawal.pk)
    sent = actions.submit_payouts(batched.pk, [w.pk for w in batch])

    # Then every withdrawal ends the same, and the ledgers hold the same entries
    assert sorted(w.pk for w in sent) == sorted(w.pk for w in batch)

    def statuses(withdrawals):
        return [Withdrawal.objects.get(pk=w.pk).status for w in withdrawals]

    assert statuses(singles) == statuses(batch) == [
        WithdrawalStatus.PAID,
        WithdrawalStatus.PAID,
        WithdrawalStatus.FAILED,
        WithdrawalStatus.PAID,
        WithdrawalStatus.PAID,
        WithdrawalStatus.PAID,
    ]
    assert ledger_by_withdrawal(batched) == ledger_by_withdrawal(one_by_one)
    held, paid = EntryCode.WITHDRAWAL_HELD, EntryCode.WITHDRAWAL_PAID
    assert ledger_by_withdrawal(batched)[0] == [
        ("withdrawal:#:hold:available", Bucket.AVAILABLE, Decimal("-10.000"), held),
        ("withdrawal:#:hold:withdrawing", Bucket.WITHDRAWING, Decimal("10.000"), held),
        ("withdrawal:#:paid:withdrawing", Bucket.WITHDRAWING, Decimal("-10.000"), paid),
        ("withdrawal:#:paid:paid", Bucket.PAID, Decimal("10.000"), paid),
    ]
    assert [balances(a) for _, a in people_b] == [balances(a) for _, a in people_a]
    assert balances(people_b[0][1]) == buckets("85.00", paid="15.00")
    assert balances(people_b[2][1]) == buckets("100.00")  # refused: the hold is back
    # and the same audit trail per withdrawal
    assert [event_types(w) for w in batch] == [event_types(w) for w in singles]
    assert event_types(batch[0]) == ["requested", "approved", "submit_claimed", "paid"]
    assert accounts_out_of_balance(batched) == []


@pytest.mark.django_db
def test_an_answer_that_cannot_be_recorded_does_not_lose_the_others(
    payout_installation, distributor_factory, fake_alipay
):
    # Given three approved withdrawals, the second's ledger key already taken (a broken
    # invariant: recording its payment must fail)
    configure_alipay(payout_installation, fake_alipay)
    set_rules(payout_installation)
    people = [distributor_factory() for _ in range(3)]
    accounts = []
    for person in people:
        bind_alipay(person)
        accounts.append(fund(person, "100.00"))
    first, second, third = (
        approved(payout_installation, person, "10.00", ALIPAY) for person in people
    )
    ledger.post(
        payout_installation.pk,
        [
            ledger.Posting(
                distributor_id=people[1].pk,
                bucket=Bucket.AVAILABLE,
                amount=cny("0.01"),
                code=EntryCode.ADJUSTMENT,
                idempotency_key=f"withdrawal:{second.pk}:paid:paid",
            )
        ],
    )

    # When the three are sent as one batch
    sent = actions.submit_payouts(payout_installation.pk, [first.pk, second.pk, third.pk])

    # Then all three reached Alipay once; the first and third are paid and recorded, the
    # second stays claimed (the poller asks Alipay again) and its hold is untouched
    assert fake_alipay.transfer_requests == 3
    assert [w.pk for w in sent] == [first.pk, third.pk]
    for withdrawal, account in ((first, accounts[0]), (third, accounts[2])):
        withdrawal.refresh_from_db()
        assert withdrawal.status == WithdrawalStatus.PAID
        assert balances(account) == buckets("90.00", paid="10.00")
    second.refresh_from_db()
    assert (second.status, second.submit_attempts) == (WithdrawalStatus.SUBMITTING, 1)
    assert balances(accounts[1]) == buckets("90.01", withdrawing="10.00")
    assert event_types(second) == ["requested", "approved", "submit_claimed"]
    assert accounts_out_of_balance(payout_installation) == []


@pytest.mark.django_db(transaction=True)
def test_workers_claiming_batches_at_once_never_claim_a_payout_twice(
    payout_installation, distributor_factory, fake_alipay
):
    # Given 24 approved withdrawals and a gateway slow enough for the workers to overlap
    configure_alipay(payout_installation, fake_alipay)
    set_rules(payout_installation)
    people = [distributor_factory() for _ in range(4)]
    for person in people:
        bind_alipay(person)
        fund(person, "100.00")
    ids = [
        actions.request_withdrawal(
            payout_installation, people[i % 4], amount=cny("1.00"), channel=ALIPAY
        ).pk
        for i in range(24)
    ]
    # approved without the on-commit nudge (a transaction test would run it at once)
    Withdrawal.objects.filter(pk__in=ids).update(status=WithdrawalStatus.APPROVED)
    fake_alipay.delay_seconds = 0.02

    def drain(worker: int) -> list[int]:
        sent: list[int] = []
        while batch := actions.submit_payouts(payout_installation.pk, [], limit=3):
            sent += [w.pk for w in batch]
        return sent

    results = run_together(4, drain)

    # Then each payout was claimed by one worker, sent once, and paid
    assert all(isinstance(r, list) for r in results), results
    claimed = [pk for sent in results for pk in sent]
    assert sorted(claimed) == sorted(ids)
    assert sum(1 for sent in results if sent) > 1, results  # the workers did share the work
    assert fake_alipay.transfer_requests == 24
    assert set(Withdrawal.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        WithdrawalStatus.PAID
    }
    attempts = Withdrawal.objects.filter(pk__in=ids).values_list("submit_attempts", flat=True)
    assert set(attempts) == {1}
    claims = Counter(
        WithdrawalEvent.objects.filter(type=EventType.SUBMIT_CLAIMED).values_list(
            "withdrawal_id", flat=True
        )
    )
    assert claims == dict.fromkeys(ids, 1)
    assert accounts_out_of_balance(payout_installation) == []


@pytest.mark.django_db(transaction=True)
def test_a_staff_batch_approval_sends_the_batch_in_one_task(
    payout_installation, distributor_factory, fake_alipay, monkeypatch
):
    from saleor_distribution.withdrawals import tasks

    configure_alipay(payout_installation, fake_alipay)
    set_rules(payout_installation)
    person = distributor_factory()
    bind_alipay(person)
    account = fund(person, "100.00")
    ids = [
        actions.request_withdrawal(
            payout_installation, person, amount=cny("2.00"), channel=ALIPAY
        ).pk
        for _ in range(5)
    ]
    messages = []
    real = tasks.submit_payouts_task.delay

    def delay(*args):
        messages.append(args)
        return real(*args)

    monkeypatch.setattr(tasks.submit_payouts_task, "delay", delay)

    batch = actions.approve_withdrawals(payout_installation, ids, staff_user_id=STAFF)

    assert len(batch.approved) == 5
    assert messages == [(payout_installation.pk, sorted(ids))]
    assert set(Withdrawal.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        WithdrawalStatus.PAID
    }
    assert fake_alipay.transfer_requests == 5
    assert balances(account) == buckets("90.00", paid="10.00")
