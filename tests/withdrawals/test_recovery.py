"""Recovery: a worker that died mid-call, lost nudges, a provider that never receives the
payout, and answers that contradict what we recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from saleor_distribution.withdrawals import actions, fetch, tasks
from saleor_distribution.withdrawals.models import (
    PayoutChannel,
    Withdrawal,
    WithdrawalEvent,
    WithdrawalStatus,
)
from saleor_distribution.withdrawals.providers import build_provider
from saleor_distribution.withdrawals.providers.base import PayoutRequest
from tests.fixtures.withdrawals import balances, bind_wechat, configure_wechat, fund, set_rules
from tests.withdrawals.helpers import (
    approved,
    buckets,
    cny,
    event_types,
    post_wechat_notification,
    snapshot,
)

WECHAT = PayoutChannel.WECHAT


@pytest.fixture
def account(payout_installation, distributor, fake_wechatpay):
    configure_wechat(payout_installation, fake_wechatpay)
    set_rules(payout_installation)
    bind_wechat(distributor)
    return fund(distributor, "100.00")


def crashed_mid_call(withdrawal: Withdrawal) -> None:
    """What a worker leaves when it dies after committing its claim, during the call."""
    long_ago = timezone.now() - timedelta(minutes=10)
    Withdrawal.objects.filter(pk=withdrawal.pk).update(
        status=WithdrawalStatus.SUBMITTING,
        claimed_at=long_ago,
        submit_attempts=1,
        next_query_at=long_ago + actions.STALE_CLAIM,
    )


def make_due(withdrawal: Withdrawal) -> None:
    Withdrawal.objects.filter(pk=withdrawal.pk).update(next_query_at=timezone.now())


def test_worker_died_after_the_provider_received_the_payout(
    payout_installation, distributor, fake_wechatpay, account
):
    withdrawal = approved(payout_installation, distributor, "40.00", WECHAT)
    provider = build_provider(fetch.get_provider_config(payout_installation, WECHAT))
    # The call reached WeChat, then the worker died before recording the answer.
    provider.submit(
        PayoutRequest(
            withdrawal.payout_number, cny("40.00"), actions._payee(withdrawal.payee_account)
        )
    )
    crashed_mid_call(withdrawal)

    assert tasks.poll_payouts() == 1

    withdrawal.refresh_from_db()
    assert withdrawal.status == WithdrawalStatus.AWAITING_CONFIRMATION
    assert fake_wechatpay.transfer_requests == 1
    assert balances(account) == buckets("60.00", withdrawing="40.00")


def test_worker_died_before_the_provider_heard_of_it(
    payout_installation, distributor, fake_wechatpay, account
):
    withdrawal = approved(payout_installation, distributor, "40.00", WECHAT)
    crashed_mid_call(withdrawal)

    # The poller asks WeChat (nothing there) and queues it again with the same number...
    assert tasks.poll_payouts() == 1
    withdrawal.refresh_from_db()
    assert (withdrawal.status, withdrawal.submit_attempts) == (WithdrawalStatus.APPROVED, 1)
    assert fake_wechatpay.transfer_requests == 0
    # ...and sends it when that is due.
    make_due(withdrawal)
    assert tasks.poll_payouts() == 1

    withdrawal.refresh_from_db()
    assert (withdrawal.status, withdrawal.submit_attempts) == (
        WithdrawalStatus.AWAITING_CONFIRMATION,
        2,
    )
    assert list(fake_wechatpay.bills) == [withdrawal.payout_number]
    assert event_types(withdrawal)[-3:] == ["requeued", "submit_claimed", "provider_state"]


def test_lost_submission_nudge_is_picked_up_by_the_poller(
    payout_installation, distributor, fake_wechatpay, account
):
    withdrawal = approved(payout_installation, distributor, "40.00", WECHAT)
    assert tasks.poll_payouts() == 0  # approved a moment ago: its own nudge is on the way
    make_due(withdrawal)

    assert tasks.poll_payouts() == 1

    withdrawal.refresh_from_db()
    assert withdrawal.status == WithdrawalStatus.AWAITING_CONFIRMATION


def test_gives_up_when_the_provider_never_receives_it(
    payout_installation, distributor, fake_wechatpay, account
):
    fake_wechatpay.fail_next_submits = actions.MAX_SUBMIT_ATTEMPTS
    withdrawal = actions.submit_payout(
        approved(payout_installation, distributor, "40.00", WECHAT).pk
    )
    for _ in range(actions.MAX_SUBMIT_ATTEMPTS - 1):
        assert withdrawal.status == WithdrawalStatus.APPROVED
        withdrawal = actions.sync_payout(withdrawal.pk)

    assert withdrawal.status == WithdrawalStatus.FAILED
    assert withdrawal.failure_code == "NOT_RECEIVED"
    assert fake_wechatpay.transfer_requests == actions.MAX_SUBMIT_ATTEMPTS
    assert fake_wechatpay.bills == {}
    assert balances(account) == buckets("100.00")


def test_contradicting_answers_change_nothing_and_are_recorded(
    payout_installation, distributor, fake_wechatpay, account
):
    withdrawal = actions.submit_payout(
        approved(payout_installation, distributor, "40.00", WECHAT).pk
    )
    bill = fake_wechatpay.bills[withdrawal.payout_number]

    # WeChat (correctly signed) reports another amount: not applied.
    wrong_amount = {**fake_wechatpay.bill_resource(bill), "state": "SUCCESS", "transfer_amount": 1}
    before = snapshot(withdrawal, account)
    headers, body = fake_wechatpay.notification(withdrawal.payout_number, resource=wrong_amount)
    assert post_wechat_notification(payout_installation, headers, body).status_code == 204
    after = snapshot(withdrawal, account)
    assert after["withdrawal"] == before["withdrawal"]
    assert after["balances"] == buckets("60.00", withdrawing="40.00")

    # Paid, then a FAIL for the same bill: paid stays, the contradiction is recorded.
    fake_wechatpay.confirm(withdrawal.payout_number)
    withdrawal = actions.sync_payout(withdrawal.pk)
    assert withdrawal.status == WithdrawalStatus.PAID
    failed = {**fake_wechatpay.bill_resource(bill), "state": "FAIL", "fail_reason": "X"}
    post_wechat_notification(
        payout_installation, *fake_wechatpay.notification(bill.out_bill_no, resource=failed)
    )

    withdrawal.refresh_from_db()
    assert withdrawal.status == WithdrawalStatus.PAID
    assert balances(account) == buckets("60.00", paid="40.00")
    conflicts = WithdrawalEvent.objects.filter(withdrawal=withdrawal, type="conflict")
    assert [e.data["problem"] for e in conflicts.order_by("pk")] == [
        "amount differs",
        "final state contradicted",
    ]
