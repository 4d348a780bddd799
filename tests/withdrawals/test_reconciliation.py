"""Reconciliation: our state, the provider's and the ledger's, side by side."""

from __future__ import annotations

import csv
import io
import logging
from decimal import Decimal

import pytest
from django.core.management import call_command

from saleor_distribution.withdrawals import actions, reconciliation, tasks
from saleor_distribution.withdrawals.models import (
    PayoutChannel,
    ReconciliationDisagreement,
    ReconciliationRun,
    Withdrawal,
    WithdrawalStatus,
)
from tests.fixtures.withdrawals import (
    STAFF,
    bind_alipay,
    bind_wechat,
    configure_alipay,
    configure_wechat,
    fund,
    set_rules,
)
from tests.withdrawals.helpers import approved, cny


@pytest.fixture
def payouts(payout_installation, distributor, fake_wechatpay, fake_alipay):
    """One withdrawal in each typical state, all consistent."""
    configure_wechat(payout_installation, fake_wechatpay)
    configure_alipay(payout_installation, fake_alipay)
    set_rules(payout_installation)
    bind_wechat(distributor)
    bind_alipay(distributor)
    fund(distributor, "1000.00")
    paid = actions.submit_payout(approved(payout_installation, distributor, "100.00", "alipay").pk)
    waiting = actions.submit_payout(
        approved(payout_installation, distributor, "50.00", "wechat").pk
    )
    fake_alipay.initial_status = "FAIL"
    failed = actions.submit_payout(approved(payout_installation, distributor, "20.00", "alipay").pk)
    requested = actions.request_withdrawal(
        payout_installation, distributor, amount=cny("10.00"), channel=PayoutChannel.WECHAT
    )
    rejected = actions.reject_withdrawal(
        payout_installation,
        actions.request_withdrawal(
            payout_installation, distributor, amount=cny("5.00"), channel=PayoutChannel.WECHAT
        ).pk,
        reason="test",
        staff_user_id=STAFF,
    )
    assert [w.status for w in (paid, waiting, failed, requested, rejected)] == [
        "paid",
        "awaiting_confirmation",
        "failed",
        "requested",
        "rejected",
    ]
    return {
        "paid": paid,
        "waiting": waiting,
        "failed": failed,
        "requested": requested,
        "rejected": rejected,
    }


def line_of(report, withdrawal):
    [line] = [line for line in report.lines if line.withdrawal_id == withdrawal.pk]
    return line


def test_consistent_payouts_agree(payout_installation, payouts):
    report = reconciliation.reconcile_payouts(payout_installation)

    assert [
        (line.our_status, line.provider_status, line.ledger_state, line.agrees)
        for line in report.lines
    ] == [
        ("paid", "succeeded", "paid", True),
        ("awaiting_confirmation", "awaiting_user_confirmation", "held", True),
        ("failed", "failed", "released", True),
        ("requested", "not_sent", "held", True),
        ("rejected", "not_sent", "released", True),
    ]
    assert report.disagreements == []


def test_disagreements_are_flagged(payout_installation, payouts, fake_wechatpay, fake_alipay):
    # The payee confirmed, but the callback was lost and the poller has not run yet.
    fake_wechatpay.confirm(payouts["waiting"].payout_number)
    # Alipay reports another amount than we sent.
    fake_alipay.orders[payouts["paid"].payout_number].amount = "99.00"
    # A bug marked a withdrawal failed without releasing its hold.
    Withdrawal.objects.filter(pk=payouts["requested"].pk).update(status=WithdrawalStatus.FAILED)

    report = reconciliation.reconcile_payouts(payout_installation)

    assert {line.withdrawal_id: line.problems for line in report.disagreements} == {
        payouts["paid"].pk: ("provider amount 99.00 differs from 100.00",),
        payouts["waiting"].pk: ("provider says succeeded, we say awaiting_confirmation",),
        payouts["requested"].pk: (
            "ledger is held, expected released",
            "provider says not_sent, we say failed",
        ),
    }
    stream = io.StringIO()
    assert reconciliation.write_csv(report, stream, only_disagreements=True) == 3
    rows = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert [(row["withdrawal_id"], row["agrees"]) for row in rows] == [
        (str(payouts["paid"].pk), "no"),
        (str(payouts["waiting"].pk), "no"),
        (str(payouts["requested"].pk), "no"),
    ]
    assert rows[0]["provider_amount"] == "99.00"

    # The poller then brings our side in line; only the injected faults remain.
    actions.sync_payout(payouts["waiting"].pk)
    after = reconciliation.reconcile_payouts(payout_installation)
    assert {line.withdrawal_id for line in after.disagreements} == {
        payouts["paid"].pk,
        payouts["requested"].pk,
    }


def test_daily_task_stores_and_logs_disagreements(
    payout_installation, payouts, fake_wechatpay, caplog
):
    fake_wechatpay.confirm(payouts["waiting"].payout_number)
    caplog.set_level(logging.ERROR, logger="saleor_distribution.withdrawals.reconciliation")

    assert tasks.reconcile_payouts_daily() == 1

    run = ReconciliationRun.objects.get()
    assert (run.installation_id, run.checked, run.disagreements) == (payout_installation.pk, 5, 1)
    disagreement = ReconciliationDisagreement.objects.get()
    assert (
        disagreement.withdrawal_id,
        disagreement.our_status,
        disagreement.provider_status,
        disagreement.ledger_state,
        disagreement.problems,
    ) == (
        payouts["waiting"].pk,
        "awaiting_confirmation",
        "succeeded",
        "held",
        ["provider says succeeded, we say awaiting_confirmation"],
    )
    [record] = caplog.records
    assert (record.getMessage(), record.withdrawal_id) == (
        "Payout disagreement",
        payouts["waiting"].pk,
    )


def test_management_command_exports_csv(payout_installation, payouts, tmp_path):
    target = tmp_path / "payouts.csv"

    call_command(
        "reconcile_payouts",
        installation=payout_installation.pk,
        csv=str(target),
        store=True,
    )

    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert [row["our_status"] for row in rows] == [
        "paid",
        "awaiting_confirmation",
        "failed",
        "requested",
        "rejected",
    ]
    assert {row["agrees"] for row in rows} == {"yes"}
    assert Decimal(rows[0]["net_amount"]) == Decimal("100.00")
    assert ReconciliationRun.objects.get().checked == 5
