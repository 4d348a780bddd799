"""Requests, rules and staff decisions (no gateway involved: manual and dummy channels, or
refusals before any provider is called)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from saleor_distribution.ledger.models import LedgerEntry
from saleor_distribution.network.models import DistributorStatus
from saleor_distribution.withdrawals import actions, fetch
from saleor_distribution.withdrawals.models import (
    PayeeKind,
    PayoutChannel,
    Withdrawal,
    WithdrawalEvent,
    WithdrawalStatus,
)
from tests.fixtures.withdrawals import (
    STAFF,
    balances,
    bind_wechat,
    configure_wechat,
    fund,
    set_rules,
)
from tests.withdrawals.helpers import buckets, cny, event_types

DUMMY = PayoutChannel.DUMMY
MANUAL = PayoutChannel.MANUAL


@pytest.fixture
def dummy_channel(payout_installation):
    actions.configure_provider(
        payout_installation, DUMMY, options={"outcome": "success"}, staff_user_id=STAFF
    )


@pytest.fixture
def funded(distributor, dummy_channel):
    return fund(distributor, "300.00")


def refusal(call, *args, **kwargs) -> tuple[str, str, str]:
    """(field, code, message) of the single error a refused action raises."""
    with pytest.raises(ValidationError) as raised:
        call(*args, **kwargs)
    [(field, errors)] = raised.value.error_dict.items()
    error = errors[0]
    return field, error.code, error.message % (error.params or {})


def assert_nothing_requested(account, *, available: str) -> None:
    assert Withdrawal.objects.count() == 0
    assert balances(account) == buckets(available)
    assert not WithdrawalEvent.objects.filter(withdrawal__isnull=False).exists()
    assert not LedgerEntry.objects.filter(reference_type="withdrawal").exists()


def request(installation, distributor, amount: str, channel: str = DUMMY, **kwargs):
    return actions.request_withdrawal(
        installation, distributor, amount=cny(amount), channel=channel, **kwargs
    )


@pytest.mark.parametrize(
    ("rules", "amount", "expected"),
    [
        ({}, "0.50", ("amount", "amount_too_low", "The smallest withdrawal is 1.00 CNY.")),
        (
            {"max_amount": "200.00"},
            "200.01",
            ("amount", "amount_too_high", "The largest withdrawal is 200.00 CNY."),
        ),
        (
            {},
            "10.001",
            ("amount", "invalid_amount", "Give a positive amount in the currency's minor unit."),
        ),
        ({}, "301.00", ("amount", "insufficient_funds", "Only 300.00 CNY is available.")),
        (
            {"channels": ["wechat"]},
            "10.00",
            ("channel", "channel_not_offered", "This payout channel is not offered."),
        ),
        (
            {"enabled": False},
            "10.00",
            ("currency", "withdrawals_disabled", "Withdrawals in CNY are not open."),
        ),
        (
            {"real_name_required_from": "100.00"},
            "100.00",
            (
                "real_name",
                "real_name_required",
                "From this amount on the payee's real name is needed.",
            ),
        ),
    ],
)
def test_request_refused_with_a_clear_error(
    payout_installation, distributor, funded, rules, amount, expected
):
    set_rules(payout_installation, **rules)

    assert refusal(request, payout_installation, distributor, amount) == expected
    assert_nothing_requested(funded, available="300.00")


def test_fee_must_leave_the_channel_minimum(payout_installation, distributor, fake_wechatpay):
    configure_wechat(payout_installation, fake_wechatpay)
    set_rules(payout_installation, min_amount="0.10", fee_fixed="0.05")
    bind_wechat(distributor)
    account = fund(distributor, "5.00")

    field, code, message = refusal(
        request, payout_installation, distributor, "0.14", PayoutChannel.WECHAT
    )

    assert (field, code) == ("amount", "amount_too_low")
    assert message == (
        "After the fee of 0.05, 0.09 CNY would be paid; this channel pays at least 0.10."
    )
    assert_nothing_requested(account, available="5.00")
    assert fake_wechatpay.transfer_requests == 0


def test_wechat_needs_the_real_name_from_2000(payout_installation, distributor, fake_wechatpay):
    configure_wechat(payout_installation, fake_wechatpay)
    set_rules(payout_installation)
    bind_wechat(distributor, real_name=None)
    account = fund(distributor, "3000.00")

    assert refusal(request, payout_installation, distributor, "2000.00", PayoutChannel.WECHAT)[
        1
    ] == ("real_name_required")
    withdrawal = request(payout_installation, distributor, "1999.99", PayoutChannel.WECHAT)
    assert withdrawal.real_name_required is False
    assert balances(account) == buckets("1000.01", withdrawing="1999.99")


def test_unbound_unconfigured_and_inactive_are_refused(payout_installation, distributor_factory):
    set_rules(payout_installation)
    distributor = distributor_factory()
    account = fund(distributor, "50.00")

    assert refusal(request, payout_installation, distributor, "10.00", PayoutChannel.ALIPAY)[1] == (
        "channel_not_configured"
    )
    actions.configure_provider(payout_installation, MANUAL, options={}, staff_user_id=STAFF)
    assert (
        refusal(request, payout_installation, distributor, "10.00", MANUAL)[1] == "payee_not_bound"
    )
    suspended = distributor_factory(status=DistributorStatus.SUSPENDED)
    assert refusal(request, payout_installation, suspended, "10.00", MANUAL)[1] == (
        "distributor_not_active"
    )
    assert refusal(request, payout_installation, distributor_factory(), "10.00", MANUAL)[1] == (
        "payee_not_bound"
    )
    assert_nothing_requested(account, available="50.00")


def test_daily_count_limit_counts_only_live_requests(payout_installation, distributor, funded):
    set_rules(payout_installation, daily_count_limit=2)
    first = request(payout_installation, distributor, "10.00")
    request(payout_installation, distributor, "10.00")

    assert refusal(request, payout_installation, distributor, "10.00") == (
        "amount",
        "daily_count_exceeded",
        "At most 2 withdrawals a day.",
    )
    # A rejected request gives its place back.
    actions.reject_withdrawal(
        payout_installation, first.pk, reason="duplicate", staff_user_id=STAFF
    )
    request(payout_installation, distributor, "10.00")
    assert balances(funded) == buckets("280.00", withdrawing="20.00")


def test_daily_amount_limit(payout_installation, distributor, funded):
    set_rules(payout_installation, daily_amount_limit="100.00")
    request(payout_installation, distributor, "60.00")

    assert refusal(request, payout_installation, distributor, "40.01") == (
        "amount",
        "daily_amount_exceeded",
        "At most 100.00 CNY a day; 60.00 is already requested today.",
    )
    request(payout_installation, distributor, "40.00")
    assert balances(funded) == buckets("200.00", withdrawing="100.00")


def test_rejected_request_releases_the_hold_and_keeps_the_reason(
    payout_installation, distributor, funded
):
    set_rules(payout_installation)
    withdrawal = request(payout_installation, distributor, "120.00")
    assert balances(funded) == buckets("180.00", withdrawing="120.00")
    assert (
        refusal(
            actions.reject_withdrawal,
            payout_installation,
            withdrawal.pk,
            reason=" ",
            staff_user_id=STAFF,
        )[1]
        == "required"
    )

    withdrawal = actions.reject_withdrawal(
        payout_installation, withdrawal.pk, reason="订单存在退款风险", staff_user_id=STAFF
    )

    assert withdrawal.status == WithdrawalStatus.REJECTED
    assert (withdrawal.rejection_reason, withdrawal.rejected_by) == (
        "订单存在退款风险",
        f"staff:{STAFF}",
    )
    assert balances(funded) == buckets("300.00")
    assert event_types(withdrawal) == ["requested", "rejected"]
    # Final: it can be neither approved nor rejected again.
    assert refusal(
        actions.approve_withdrawal, payout_installation, withdrawal.pk, staff_user_id=STAFF
    )[1] == ("invalid_status")
    assert (
        refusal(
            actions.reject_withdrawal,
            payout_installation,
            withdrawal.pk,
            reason="x",
            staff_user_id=STAFF,
        )[1]
        == "invalid_status"
    )
    assert balances(funded) == buckets("300.00")


def test_auto_approval_under_the_threshold_pays_through_the_task(
    payout_installation, distributor, funded, django_capture_on_commit_callbacks
):
    set_rules(payout_installation, auto_approve_max="50.00")

    with django_capture_on_commit_callbacks(execute=True):
        small = request(payout_installation, distributor, "50.00")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        large = request(payout_installation, distributor, "50.01")

    small.refresh_from_db()
    large.refresh_from_db()
    assert (small.status, small.auto_approved) == (WithdrawalStatus.PAID, True)
    assert large.status == WithdrawalStatus.REQUESTED
    assert callbacks == []
    assert event_types(small) == ["requested", "auto_approved", "submit_claimed", "paid"]
    assert list(
        small.events.order_by("pk").values_list("type", "actor", "from_status", "to_status")[:2]
    ) == [
        ("requested", f"distributor:{distributor.pk}", "", "requested"),
        ("auto_approved", "system", "requested", "approved"),
    ]
    assert balances(funded) == buckets("199.99", withdrawing="50.01", paid="50.00")


def test_batch_approval_reports_each_refusal(payout_installation, distributor, funded):
    set_rules(payout_installation)
    first, second, third = (request(payout_installation, distributor, "10.00") for _ in range(3))
    actions.reject_withdrawal(payout_installation, third.pk, reason="test", staff_user_id=STAFF)

    batch = actions.approve_withdrawals(
        payout_installation, [second.pk, first.pk, third.pk, 999_999], staff_user_id=STAFF
    )

    assert [w.pk for w in batch.approved] == [first.pk, second.pk]
    assert {pk: e.error_dict["id"][0].code for pk, e in batch.errors.items()} == {
        third.pk: "invalid_status",
        999_999: "not_found",
    }
    assert list(fetch.staff_queue(payout_installation, [WithdrawalStatus.APPROVED])) == [
        first,
        second,
    ]
    approvals = WithdrawalEvent.objects.filter(type="approved").order_by("pk")
    assert list(approvals.values_list("withdrawal", "actor", "from_status", "to_status")) == [
        (first.pk, f"staff:{STAFF}", "requested", "approved"),
        (second.pk, f"staff:{STAFF}", "requested", "approved"),
    ]


def test_request_key_makes_a_retry_return_the_first_request(
    payout_installation, distributor, funded
):
    set_rules(payout_installation)
    first = request(payout_installation, distributor, "25.00", request_key="tap-1")
    again = request(payout_installation, distributor, "25.00", request_key="tap-1")

    assert again.pk == first.pk
    assert refusal(request, payout_installation, distributor, "26.00", request_key="tap-1")[1] == (
        "duplicate_request"
    )
    assert balances(funded) == buckets("275.00", withdrawing="25.00")


def test_manual_bank_transfer_recorded_by_staff(payout_installation, distributor):
    actions.configure_provider(payout_installation, MANUAL, options={}, staff_user_id=STAFF)
    set_rules(payout_installation)
    account = fund(distributor, "900.00")
    payee = actions.bind_payee_account(
        payout_installation,
        distributor,
        channel=MANUAL,
        kind=PayeeKind.BANK_ACCOUNT,
        identity="6222021234567890123",
        real_name="王小明",
        bank_name="中国工商银行",
        actor="test",
    )
    assert (payee.identity_masked, payee.real_name_masked) == ("••••0123", "**明")

    paid = actions.approve_withdrawal(
        payout_installation,
        request(payout_installation, distributor, "500.00", MANUAL).pk,
        staff_user_id=STAFF,
    )
    failed = actions.approve_withdrawal(
        payout_installation,
        request(payout_installation, distributor, "100.00", MANUAL).pk,
        staff_user_id=STAFF,
    )
    paid = actions.submit_payout(paid.pk)
    failed = actions.submit_payout(failed.pk)
    assert (paid.status, paid.provider_state, paid.next_query_at) == (
        WithdrawalStatus.SUBMITTED,
        "AWAITING_STAFF",
        None,
    )
    assert actions.sync_payout(paid.pk).status == WithdrawalStatus.SUBMITTED  # nothing to ask

    assert (
        refusal(
            actions.record_manual_payout,
            payout_installation,
            paid.pk,
            reference="",
            staff_user_id=STAFF,
        )[1]
        == "required"
    )
    paid = actions.record_manual_payout(
        payout_installation, paid.pk, reference="ICBC-20261126-0042", staff_user_id=STAFF
    )
    failed = actions.record_manual_failure(
        payout_installation, failed.pk, reason="账户名不符", staff_user_id=STAFF
    )

    assert (paid.status, paid.provider_reference) == (WithdrawalStatus.PAID, "ICBC-20261126-0042")
    assert (failed.status, failed.failure_reason) == (WithdrawalStatus.FAILED, "账户名不符")
    assert balances(account) == buckets("400.00", paid="500.00")


@pytest.mark.parametrize(
    ("outcome", "after_submit", "after_poll"),
    [
        ("success", WithdrawalStatus.PAID, WithdrawalStatus.PAID),
        ("processing", WithdrawalStatus.SUBMITTED, WithdrawalStatus.PAID),
        ("await_confirmation", WithdrawalStatus.AWAITING_CONFIRMATION, WithdrawalStatus.PAID),
        ("fail", WithdrawalStatus.FAILED, WithdrawalStatus.FAILED),
    ],
)
def test_dummy_provider_outcomes(
    payout_installation, distributor, outcome, after_submit, after_poll
):
    actions.configure_provider(
        payout_installation, DUMMY, options={"outcome": outcome}, staff_user_id=STAFF
    )
    set_rules(payout_installation)
    account = fund(distributor, "10.00")
    withdrawal = actions.approve_withdrawal(
        payout_installation,
        request(payout_installation, distributor, "10.00").pk,
        staff_user_id=STAFF,
    )

    assert actions.submit_payout(withdrawal.pk).status == after_submit
    assert actions.sync_payout(withdrawal.pk).status == after_poll
    paid = Decimal("10.00") if after_poll == WithdrawalStatus.PAID else Decimal(0)
    assert balances(account) == buckets(str(Decimal("10.00") - paid), paid=str(paid))
