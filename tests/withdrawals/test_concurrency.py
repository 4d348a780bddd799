"""Races on PostgreSQL with real threads and real transactions."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from saleor_distribution.ledger.fetch import accounts_out_of_balance
from saleor_distribution.withdrawals import actions
from saleor_distribution.withdrawals.models import PayoutChannel, Withdrawal, WithdrawalStatus
from tests.fixtures.withdrawals import (
    STAFF,
    balances,
    bind_wechat,
    configure_wechat,
    fund,
    set_rules,
)
from tests.withdrawals.helpers import buckets, cny, post_wechat_notification

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run `work(i)` in `count` threads released at the same moment; each thread's result
    or exception, in order."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_fifty_parallel_requests_never_hold_more_than_the_balance(payout_installation, distributor):
    # Given ¥205.00 available and 50 requests of ¥10.00 at once
    actions.configure_provider(
        payout_installation, PayoutChannel.DUMMY, options={}, staff_user_id=STAFF
    )
    set_rules(payout_installation)
    account = fund(distributor, "205.00")

    results = run_together(
        50,
        lambda i: actions.request_withdrawal(
            payout_installation, distributor, amount=cny("10.00"), channel=PayoutChannel.DUMMY
        ),
    )

    # Then exactly 20 hold the money, 30 are refused for insufficient funds
    held = [r for r in results if isinstance(r, Withdrawal)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert (len(held), len(refused)) == (20, 30)
    assert Counter(e.error_dict["amount"][0].code for e in refused) == {"insufficient_funds": 30}
    assert balances(account) == buckets("5.00", withdrawing="200.00")
    assert Withdrawal.objects.count() == 20
    assert accounts_out_of_balance(payout_installation) == []


def test_parallel_requests_respect_the_daily_count(payout_installation, distributor):
    actions.configure_provider(
        payout_installation, PayoutChannel.DUMMY, options={}, staff_user_id=STAFF
    )
    set_rules(payout_installation, daily_count_limit=3)
    account = fund(distributor, "1000.00")

    results = run_together(
        10,
        lambda i: actions.request_withdrawal(
            payout_installation, distributor, amount=cny("1.00"), channel=PayoutChannel.DUMMY
        ),
    )

    assert sum(isinstance(r, Withdrawal) for r in results) == 3
    assert balances(account) == buckets("997.00", withdrawing="3.00")


def test_two_workers_submitting_the_same_withdrawal_call_the_provider_once(
    payout_installation, distributor, fake_wechatpay
):
    # Given an approved withdrawal and a gateway slow enough for the workers to overlap
    configure_wechat(payout_installation, fake_wechatpay)
    set_rules(payout_installation)
    bind_wechat(distributor)
    account = fund(distributor, "100.00")
    withdrawal = actions.request_withdrawal(
        payout_installation, distributor, amount=cny("30.00"), channel=PayoutChannel.WECHAT
    )
    # approved without the on-commit nudge (a transaction test would run it at once)
    Withdrawal.objects.filter(pk=withdrawal.pk).update(status=WithdrawalStatus.APPROVED)
    fake_wechatpay.delay_seconds = 0.3

    results = run_together(2, lambda i: actions.submit_payout(withdrawal.pk))

    # Then one transfer reached WeChat, and both workers see the one outcome
    assert all(isinstance(r, Withdrawal) for r in results), results
    assert fake_wechatpay.transfer_requests == 1
    assert list(fake_wechatpay.bills) == [withdrawal.payout_number]
    withdrawal.refresh_from_db()
    assert withdrawal.status == WithdrawalStatus.AWAITING_CONFIRMATION
    assert withdrawal.submit_attempts == 1
    assert balances(account) == buckets("70.00", withdrawing="30.00")


def test_notification_racing_the_poller_moves_the_ledger_once(
    payout_installation, distributor, fake_wechatpay
):
    configure_wechat(payout_installation, fake_wechatpay)
    set_rules(payout_installation)
    bind_wechat(distributor)
    account = fund(distributor, "100.00")
    withdrawal = actions.request_withdrawal(
        payout_installation, distributor, amount=cny("30.00"), channel=PayoutChannel.WECHAT
    )
    Withdrawal.objects.filter(pk=withdrawal.pk).update(status=WithdrawalStatus.APPROVED)
    actions.submit_payout(withdrawal.pk)
    fake_wechatpay.confirm(withdrawal.payout_number)
    headers, body = fake_wechatpay.notification(withdrawal.payout_number)
    results = run_together(
        4,
        lambda i: (
            actions.sync_payout(withdrawal.pk)
            if i % 2
            else post_wechat_notification(payout_installation, headers, body).status_code
        ),
    )

    assert results[0] == results[2] == 204
    withdrawal.refresh_from_db()
    assert withdrawal.status == WithdrawalStatus.PAID
    assert balances(account) == buckets("70.00", paid="30.00")
    assert accounts_out_of_balance(payout_installation) == []
