"""Alipay transfer scenarios, run through `python-alipay-sdk` (DCAliPay) against the fake."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode

import pytest
from django.utils import timezone

from saleor_distribution.withdrawals import actions, tasks
from saleor_distribution.withdrawals.models import (
    PayoutChannel,
    PayoutNotification,
    Withdrawal,
    WithdrawalStatus,
)
from tests.fakes import keys
from tests.fixtures.withdrawals import (
    ALIPAY_USER_ID,
    balances,
    bind_alipay,
    configure_alipay,
    fund,
    set_rules,
)
from tests.withdrawals.helpers import (
    approved,
    buckets,
    event_types,
    post_alipay_notification,
    snapshot,
)

ALIPAY = PayoutChannel.ALIPAY


@pytest.fixture
def alipay_setup(payout_installation, distributor, fake_alipay):
    configure_alipay(payout_installation, fake_alipay)
    set_rules(payout_installation, fee_rate="0.006", fee_fixed="1.00")
    bind_alipay(distributor)
    return fund(distributor, "1000.00")


def test_success(payout_installation, distributor, fake_alipay, alipay_setup):
    account = alipay_setup
    withdrawal = approved(payout_installation, distributor, "200.00", ALIPAY)
    # Fee: 0.6 % of 200.00 = 1.20, plus 1.00 fixed; Alipay pays the rest.
    assert (withdrawal.fee, withdrawal.net_amount) == (Decimal("2.20"), Decimal("197.80"))

    withdrawal = actions.submit_payout(withdrawal.pk)

    order = fake_alipay.orders[withdrawal.payout_number]
    assert (order.amount, order.identity, order.identity_type, order.name) == (
        "197.80",
        ALIPAY_USER_ID,
        "ALIPAY_USER_ID",
        "张三",
    )
    assert withdrawal.status == WithdrawalStatus.PAID
    assert withdrawal.provider_reference == order.order_id
    # The ledger pays out the gross amount (the fee stays with the merchant).
    assert balances(account) == buckets("800.00", paid="200.00")
    assert fake_alipay.transfer_requests == 1


def test_dealing_then_success_by_polling(
    payout_installation, distributor, fake_alipay, alipay_setup
):
    account = alipay_setup
    fake_alipay.initial_status = "DEALING"
    withdrawal = actions.submit_payout(
        approved(payout_installation, distributor, "50.00", ALIPAY).pk
    )
    assert withdrawal.status == WithdrawalStatus.SUBMITTED
    assert withdrawal.provider_state == "DEALING"
    first_query_at = withdrawal.next_query_at
    assert first_query_at is not None

    # Not due yet: the poller leaves it alone.
    assert tasks.poll_payouts() == 0
    # Due: still dealing; the next query backs off further.
    Withdrawal.objects.filter(pk=withdrawal.pk).update(next_query_at=timezone.now())
    assert tasks.poll_payouts() == 1
    withdrawal.refresh_from_db()
    assert (withdrawal.status, withdrawal.query_attempts) == (WithdrawalStatus.SUBMITTED, 1)
    assert withdrawal.next_query_at - withdrawal.last_queried_at >= timedelta(seconds=60)

    # Alipay finishes it; the next poll (no notification arrives) sees it.
    fake_alipay.set_status(withdrawal.payout_number, "SUCCESS")
    Withdrawal.objects.filter(pk=withdrawal.pk).update(next_query_at=timezone.now())
    assert tasks.poll_payouts() == 1

    withdrawal.refresh_from_db()
    assert withdrawal.status == WithdrawalStatus.PAID
    assert withdrawal.next_query_at is None
    assert fake_alipay.query_requests == 2
    assert balances(account) == buckets("950.00", paid="50.00")
    assert tasks.poll_payouts() == 0


def test_payee_refused_fails_and_releases(
    payout_installation, distributor, fake_alipay, alipay_setup
):
    account = alipay_setup
    bind_alipay(distributor, identity="2088999999999999")  # no such Alipay account
    withdrawal = actions.submit_payout(
        approved(payout_installation, distributor, "30.00", ALIPAY).pk
    )

    assert withdrawal.status == WithdrawalStatus.FAILED
    assert (withdrawal.failure_code, withdrawal.failure_reason) == (
        "PAYEE_NOT_EXIST",
        "收款账号不存在",
    )
    assert fake_alipay.orders == {}
    assert balances(account) == buckets("1000.00")
    assert event_types(withdrawal)[-2:] == ["submit_failed", "failed"]


def test_timeout_then_paid_exactly_once(
    payout_installation, distributor, fake_alipay, alipay_setup
):
    account = alipay_setup
    fake_alipay.timeout_next_submits = 1
    withdrawal = approved(payout_installation, distributor, "100.00", ALIPAY)
    number = withdrawal.payout_number

    withdrawal = actions.submit_payout(withdrawal.pk)

    assert withdrawal.status == WithdrawalStatus.PAID
    assert list(fake_alipay.orders) == [number]
    assert (fake_alipay.transfer_requests, fake_alipay.query_requests) == (1, 1)
    assert balances(account) == buckets("900.00", paid="100.00")


def test_timeout_of_submission_and_query_is_resolved_by_the_poller(
    payout_installation, distributor, fake_alipay, alipay_setup
):
    account = alipay_setup
    fake_alipay.timeout_next_submits = 1
    fake_alipay.timeout_next_queries = 1
    withdrawal = actions.submit_payout(
        approved(payout_installation, distributor, "100.00", ALIPAY).pk
    )
    assert withdrawal.status == WithdrawalStatus.SUBMITTED
    assert withdrawal.provider_state == actions.UNKNOWN_STATE
    assert balances(account) == buckets("900.00", withdrawing="100.00")

    withdrawal = actions.sync_payout(withdrawal.pk)
    assert withdrawal.status == WithdrawalStatus.PAID
    assert fake_alipay.transfer_requests == 1
    assert balances(account) == buckets("900.00", paid="100.00")


def test_unavailable_gateway_is_sent_again_with_the_same_number(
    payout_installation, distributor, fake_alipay, alipay_setup
):
    account = alipay_setup
    fake_alipay.unavailable_next_submits = 1
    fake_alipay.http_error_next_submits = 1
    withdrawal = approved(payout_installation, distributor, "10.00", ALIPAY)
    number = withdrawal.payout_number

    withdrawal = actions.submit_payout(withdrawal.pk)  # 502, not found → approved again
    assert withdrawal.status == WithdrawalStatus.APPROVED
    withdrawal = actions.sync_payout(withdrawal.pk)  # 20000, not found → approved again
    assert withdrawal.status == WithdrawalStatus.APPROVED
    withdrawal = actions.sync_payout(withdrawal.pk)

    assert withdrawal.status == WithdrawalStatus.PAID
    assert withdrawal.submit_attempts == 3
    assert list(fake_alipay.orders) == [number]
    assert balances(account) == buckets("990.00", paid="10.00")


def test_notification_finishes_a_dealing_transfer_once(
    payout_installation, distributor, fake_alipay, alipay_setup
):
    account = alipay_setup
    fake_alipay.initial_status = "DEALING"
    withdrawal = actions.submit_payout(
        approved(payout_installation, distributor, "40.00", ALIPAY).pk
    )
    fake_alipay.set_status(withdrawal.payout_number, "SUCCESS")
    body = fake_alipay.notification(withdrawal.payout_number, notify_id="n-1")

    first = post_alipay_notification(payout_installation, body)
    duplicate = post_alipay_notification(payout_installation, body)

    assert (first.content, duplicate.content) == (b"success", b"success")
    withdrawal.refresh_from_db()
    assert withdrawal.status == WithdrawalStatus.PAID
    assert balances(account) == buckets("960.00", paid="40.00")
    assert list(PayoutNotification.objects.values_list("notification_id", "outcome")) == [
        ("n-1", "changed")
    ]


@pytest.mark.parametrize("forgery", ["other_key", "edited_amount", "other_app", "no_sign"])
def test_forged_notification_is_refused_and_changes_nothing(
    payout_installation, distributor, fake_alipay, alipay_setup, forgery
):
    account = alipay_setup
    fake_alipay.initial_status = "DEALING"
    withdrawal = actions.submit_payout(
        approved(payout_installation, distributor, "40.00", ALIPAY).pk
    )
    fake_alipay.set_status(withdrawal.payout_number, "SUCCESS")
    before = snapshot(withdrawal, account)
    number = withdrawal.payout_number

    if forgery == "other_key":
        body = fake_alipay.notification(number, signing_key=keys.rsa_key("forger"))
    elif forgery == "edited_amount":
        fields = dict(parse_qsl(fake_alipay.notification(number).decode()))
        biz = json.loads(fields["biz_content"])
        assert biz["trans_amount"] == "38.76"
        fields["biz_content"] = json.dumps({**biz, "trans_amount": "98.76"})
        body = urlencode(fields).encode()  # the genuine signature over other contents
    elif forgery == "other_app":
        body = fake_alipay.notification(number, overrides={"app_id": "2021000000000999"})
    else:
        body = fake_alipay.notification(number, overrides={"sign": ""})

    response = post_alipay_notification(payout_installation, body)

    assert response.content == b"fail"
    assert snapshot(withdrawal, account) == before
    assert balances(account) == buckets("960.00", withdrawing="40.00")
    assert withdrawal.net_amount == Decimal("38.76")
