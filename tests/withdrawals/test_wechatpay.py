"""WeChat Pay 商家转账 scenarios, run through `wechatpayv3` against the loopback fake."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from saleor_distribution.withdrawals import actions, fetch
from saleor_distribution.withdrawals.models import (
    PayoutChannel,
    PayoutNotification,
    WithdrawalStatus,
)
from saleor_distribution.withdrawals.providers import wechatpay
from tests.fakes import keys
from tests.fixtures.withdrawals import (
    OPENID,
    REAL_NAME,
    STAFF,
    balances,
    bind_wechat,
    configure_wechat,
    fund,
    set_rules,
)
from tests.withdrawals.helpers import (
    approved,
    buckets,
    event_types,
    post_wechat_notification,
    snapshot,
)

WECHAT = PayoutChannel.WECHAT


@pytest.fixture
def wechat_setup(payout_installation, distributor, fake_wechatpay):
    configure_wechat(payout_installation, fake_wechatpay)
    set_rules(payout_installation)
    bind_wechat(distributor)
    return fund(distributor, "500.00")


def test_success_through_user_confirmation(
    payout_installation, distributor, fake_wechatpay, wechat_setup
):
    # Given an approved withdrawal of ¥120.50
    account = wechat_setup
    withdrawal = approved(payout_installation, distributor, "120.50", WECHAT)
    assert balances(account) == buckets("379.50", withdrawing="120.50")

    # When it is submitted, WeChat waits for the payee to confirm
    withdrawal = actions.submit_payout(withdrawal.pk)

    assert withdrawal.status == WithdrawalStatus.AWAITING_CONFIRMATION
    bill = fake_wechatpay.bills[withdrawal.payout_number]
    assert (bill.amount_fen, bill.openid, bill.user_name) == (12050, OPENID, REAL_NAME)
    assert fetch.payout_confirmation(withdrawal) == {
        "mchId": fake_wechatpay.mchid,
        "appId": fake_wechatpay.appid,
        "package": bill.package_info,
    }
    assert balances(account) == buckets("379.50", withdrawing="120.50")

    # When the payee confirms and WeChat calls back
    fake_wechatpay.confirm(withdrawal.payout_number)
    headers, body = fake_wechatpay.notification(withdrawal.payout_number)
    response = post_wechat_notification(payout_installation, headers, body)

    # Then the withdrawal is paid and the ledger moved withdrawing → paid
    assert response.status_code == 204
    withdrawal.refresh_from_db()
    assert withdrawal.status == WithdrawalStatus.PAID
    assert withdrawal.provider_reference == bill.transfer_bill_no
    assert balances(account) == buckets("379.50", paid="120.50")
    assert fake_wechatpay.transfer_requests == 1
    assert fetch.payout_confirmation(withdrawal) is None
    assert event_types(withdrawal) == [
        "requested",
        "approved",
        "submit_claimed",
        "provider_state",
        "paid",
    ]


def test_unclaimed_bill_is_cancelled_and_funds_come_back(
    payout_installation, distributor, fake_wechatpay, wechat_setup
):
    account = wechat_setup
    withdrawal = actions.submit_payout(
        approved(payout_installation, distributor, "88.00", WECHAT).pk
    )
    assert withdrawal.status == WithdrawalStatus.AWAITING_CONFIRMATION

    # 24 h pass without confirmation: WeChat closes the bill; the poller finds out
    fake_wechatpay.expire(withdrawal.payout_number)
    withdrawal = actions.sync_payout(withdrawal.pk)

    assert withdrawal.status == WithdrawalStatus.CANCELLED
    assert withdrawal.provider_state == "CANCELLED"
    assert withdrawal.failure_reason == actions.UNCLAIMED_REASON
    assert balances(account) == buckets("500.00")
    # The late callback for the same state changes nothing more.
    headers, body = fake_wechatpay.notification(withdrawal.payout_number)
    assert post_wechat_notification(payout_installation, headers, body).status_code == 204
    assert balances(account) == buckets("500.00")


def test_fail_releases_funds_and_keeps_reason(
    payout_installation, distributor, fake_wechatpay, wechat_setup
):
    account = wechat_setup
    fake_wechatpay.initial_state = "PROCESSING"
    withdrawal = actions.submit_payout(
        approved(payout_installation, distributor, "10.00", WECHAT).pk
    )
    assert withdrawal.status == WithdrawalStatus.SUBMITTED

    fake_wechatpay.set_state(withdrawal.payout_number, "FAIL", "ACCOUNT_FROZEN")
    headers, body = fake_wechatpay.notification(withdrawal.payout_number)
    assert post_wechat_notification(payout_installation, headers, body).status_code == 204

    withdrawal.refresh_from_db()
    assert withdrawal.status == WithdrawalStatus.FAILED
    assert (withdrawal.failure_code, withdrawal.failure_reason) == (
        "ACCOUNT_FROZEN",
        "ACCOUNT_FROZEN",
    )
    assert balances(account) == buckets("500.00")


def test_timeout_then_the_bill_turns_out_paid(
    payout_installation, distributor, fake_wechatpay, wechat_setup
):
    # Given WeChat creates the bill but answers after our timeout
    account = wechat_setup
    fake_wechatpay.initial_state = "SUCCESS"
    fake_wechatpay.timeout_next_submits = 1
    withdrawal = approved(payout_installation, distributor, "66.60", WECHAT)
    number = withdrawal.payout_number

    # When it is submitted: the call times out, the same number is queried
    withdrawal = actions.submit_payout(withdrawal.pk)

    # Then exactly one bill, under the first number, and the withdrawal is paid once
    assert withdrawal.status == WithdrawalStatus.PAID
    assert withdrawal.payout_number == number
    assert list(fake_wechatpay.bills) == [number]
    assert fake_wechatpay.transfer_requests == 1
    assert fake_wechatpay.query_requests == 1
    assert balances(account) == buckets("433.40", paid="66.60")
    assert event_types(withdrawal) == [
        "requested",
        "approved",
        "submit_claimed",
        "submit_failed",
        "paid",
    ]


def test_server_error_is_sent_again_with_the_same_number(
    payout_installation, distributor, fake_wechatpay, wechat_setup
):
    account = wechat_setup
    fake_wechatpay.fail_next_submits = 1
    fake_wechatpay.initial_state = "SUCCESS"
    withdrawal = approved(payout_installation, distributor, "20.00", WECHAT)
    number = withdrawal.payout_number

    # The 500 is followed by a query: WeChat has no bill, so it goes back to approved
    withdrawal = actions.submit_payout(withdrawal.pk)
    assert withdrawal.status == WithdrawalStatus.APPROVED
    assert withdrawal.submit_attempts == 1
    assert fake_wechatpay.bills == {}
    # A staff member can no longer reject it: it was sent once.
    with pytest.raises(Exception) as refused:
        actions.reject_withdrawal(
            payout_installation, withdrawal.pk, reason="late", staff_user_id=STAFF
        )
    assert refused.value.error_dict["id"][0].code == "already_sent"

    # The poller sends it again, with the same number
    withdrawal = actions.sync_payout(withdrawal.pk)
    assert withdrawal.status == WithdrawalStatus.PAID
    assert list(fake_wechatpay.bills) == [number]
    assert fake_wechatpay.transfer_requests == 2
    assert balances(account) == buckets("480.00", paid="20.00")


def test_refused_request_fails_after_the_query_finds_nothing(
    payout_installation, distributor, fake_wechatpay, wechat_setup
):
    account = wechat_setup
    fake_wechatpay.error_next_submit = (403, "NOT_ENOUGH", "商户运营账户资金不足")
    withdrawal = actions.submit_payout(
        approved(payout_installation, distributor, "20.00", WECHAT).pk
    )

    assert withdrawal.status == WithdrawalStatus.FAILED
    assert (withdrawal.failure_code, withdrawal.failure_reason) == (
        "NOT_ENOUGH",
        "商户运营账户资金不足",
    )
    assert fake_wechatpay.query_requests == 1
    assert balances(account) == buckets("500.00")


def test_unverifiable_answer_is_treated_as_no_answer(
    payout_installation, distributor, fake_wechatpay, wechat_setup
):
    account = wechat_setup
    fake_wechatpay.sign_answers_badly = True
    withdrawal = actions.submit_payout(
        approved(payout_installation, distributor, "20.00", WECHAT).pk
    )

    # Neither the answer nor the query verified: nothing is concluded, it will be asked again.
    assert withdrawal.status == WithdrawalStatus.SUBMITTED
    assert withdrawal.provider_state == actions.UNKNOWN_STATE
    assert len(fake_wechatpay.bills) == 1
    assert balances(account) == buckets("480.00", withdrawing="20.00")

    fake_wechatpay.sign_answers_badly = False
    withdrawal = actions.sync_payout(withdrawal.pk)
    assert withdrawal.status == WithdrawalStatus.AWAITING_CONFIRMATION
    assert fake_wechatpay.transfer_requests == 1


def test_real_name_from_2000_is_encrypted_and_checked(
    payout_installation, distributor, fake_wechatpay, wechat_setup
):
    fund(distributor, "3000.00")
    withdrawal = actions.submit_payout(
        approved(payout_installation, distributor, "2500.00", WECHAT).pk
    )
    bill = fake_wechatpay.bills[withdrawal.payout_number]
    assert (bill.amount_fen, bill.user_name) == (250000, REAL_NAME)
    assert withdrawal.real_name_required is True

    # A name that is not the account's: WeChat fails the bill, the money comes back
    fake_wechatpay.real_names[OPENID] = "李四"
    account = fund(distributor, "1100.00")
    second = actions.submit_payout(approved(payout_installation, distributor, "2100.00", WECHAT).pk)
    assert second.status == WithdrawalStatus.FAILED
    assert second.failure_code == "REAL_NAME_CHECK_FAIL"
    assert balances(account) == buckets("2100.00", withdrawing="2500.00")


def test_duplicate_notification_changes_nothing(
    payout_installation, distributor, fake_wechatpay, wechat_setup
):
    account = wechat_setup
    withdrawal = actions.submit_payout(
        approved(payout_installation, distributor, "50.00", WECHAT).pk
    )
    fake_wechatpay.confirm(withdrawal.payout_number)
    headers, body = fake_wechatpay.notification(withdrawal.payout_number, notification_id="evt-1")
    assert post_wechat_notification(payout_installation, headers, body).status_code == 204
    before = snapshot(withdrawal, account)

    again = post_wechat_notification(payout_installation, headers, body)
    other_copy = fake_wechatpay.notification(withdrawal.payout_number, notification_id="evt-2")
    third = post_wechat_notification(payout_installation, *other_copy)

    assert (again.status_code, third.status_code) == (204, 204)
    after = snapshot(withdrawal, account)
    assert after["withdrawal"] == before["withdrawal"]
    assert after["balances"] == buckets("450.00", paid="50.00")
    assert (after["events"], after["entries"]) == (before["events"], before["entries"])
    assert list(
        PayoutNotification.objects.order_by("pk").values_list("notification_id", "outcome")
    ) == [("evt-1", "changed"), ("evt-2", "duplicate")]


@pytest.mark.parametrize("forgery", ["other_key", "stale", "tampered", "other_serial", "bad_type"])
def test_forged_notification_is_refused_and_changes_nothing(
    payout_installation, distributor, fake_wechatpay, wechat_setup, forgery
):
    account = wechat_setup
    withdrawal = actions.submit_payout(
        approved(payout_installation, distributor, "50.00", WECHAT).pk
    )
    fake_wechatpay.set_state(withdrawal.payout_number, "SUCCESS")
    before = snapshot(withdrawal, account)

    if forgery == "other_key":
        headers, body = fake_wechatpay.notification(
            withdrawal.payout_number, signing_key=keys.rsa_key("forger")
        )
    elif forgery == "stale":
        headers, body = fake_wechatpay.notification(
            withdrawal.payout_number, timestamp=int(__import__("time").time()) - 600
        )
    elif forgery == "tampered":
        headers, body = fake_wechatpay.notification(withdrawal.payout_number)
        data = json.loads(body)
        data["resource"]["ciphertext"] = fake_wechatpay.encrypt(
            json.dumps(
                {**fake_wechatpay.bill_resource(fake_wechatpay.bills[withdrawal.payout_number])}
            ),
            "mch_payment",
        )["ciphertext"]
        body = json.dumps(data).encode()  # re-encrypted content, old signature
    elif forgery == "other_serial":
        headers, body = fake_wechatpay.notification(withdrawal.payout_number)
        headers["Wechatpay-Serial"] = "PUB_KEY_ID_0000000000000000000000000000"
    else:
        headers, body = fake_wechatpay.notification(withdrawal.payout_number)
        headers["Wechatpay-Signature-Type"] = "WECHATPAY2-SM2-WITH-SM3"

    response = post_wechat_notification(payout_installation, headers, body)

    assert response.status_code == 400
    assert json.loads(response.content)["code"] == "FAIL"
    assert snapshot(withdrawal, account) == before
    assert balances(account) == buckets("450.00", withdrawing="50.00")


def test_staff_cancel_while_waiting_for_confirmation(
    payout_installation, distributor, fake_wechatpay, wechat_setup
):
    account = wechat_setup
    withdrawal = actions.submit_payout(
        approved(payout_installation, distributor, "30.00", WECHAT).pk
    )

    withdrawal = actions.cancel_payout(payout_installation, withdrawal.pk, staff_user_id=STAFF)
    assert withdrawal.status == WithdrawalStatus.CANCELLING
    assert fake_wechatpay.cancel_requests == 1

    fake_wechatpay.change_after_queries(withdrawal.payout_number, 1, "CANCELLED")
    withdrawal = actions.sync_payout(withdrawal.pk)
    assert withdrawal.status == WithdrawalStatus.CANCELLED
    assert balances(account) == buckets("500.00")


def test_certificate_mode_end_to_end(
    payout_installation, distributor, fake_wechatpay_certificate_mode
):
    fake = fake_wechatpay_certificate_mode
    configure_wechat(payout_installation, fake)
    set_rules(payout_installation)
    bind_wechat(distributor)
    account = fund(distributor, "2500.00")

    withdrawal = actions.submit_payout(
        approved(payout_installation, distributor, "2000.00", WECHAT).pk
    )
    # The platform certificate was downloaded (and decrypted) to encrypt the name.
    assert fake.certificate_requests >= 1
    assert fake.bills[withdrawal.payout_number].user_name == REAL_NAME
    assert withdrawal.status == WithdrawalStatus.AWAITING_CONFIRMATION

    fake.confirm(withdrawal.payout_number)
    headers, body = fake.notification(withdrawal.payout_number)
    assert headers["Wechatpay-Serial"] == fake.keys.platform_serial_hex
    assert post_wechat_notification(payout_installation, headers, body).status_code == 204
    withdrawal.refresh_from_db()
    assert withdrawal.status == WithdrawalStatus.PAID
    assert balances(account) == buckets("500.00", paid="2000.00")


@pytest.fixture
def certificate_mode(payout_installation, distributor, fake_wechatpay_certificate_mode):
    """WeChat Pay in certificate mode; the distributor bound with a real name, 9000.00
    available."""
    configure_wechat(payout_installation, fake_wechatpay_certificate_mode)
    set_rules(payout_installation)
    bind_wechat(distributor)
    fund(distributor, "9000.00")
    return fake_wechatpay_certificate_mode


def paid_out(installation, distributor, amount="2000.00"):
    """Approved and submitted, as one approval's own batch (from 2000.00 on, WeChat needs
    the name, encrypted for a platform certificate)."""
    return actions.submit_payout(approved(installation, distributor, amount, WECHAT).pk)


def test_certificate_mode_downloads_the_certificates_once_until_the_settings_change(
    payout_installation, distributor, certificate_mode
):
    fake = certificate_mode
    for _ in range(3):
        paid_out(payout_installation, distributor)
    assert fake.certificate_requests == 1

    # Staff change the settings: the next payout is built from the new ones at once.
    options = {**fake.provider_options(), "transfer_remark": "季度佣金"}
    actions.configure_provider(
        payout_installation, WECHAT, options=options, gateway_url=fake.url, staff_user_id=STAFF
    )
    withdrawal = paid_out(payout_installation, distributor, "10.00")
    assert fake.bills[withdrawal.payout_number].remark == "季度佣金"
    assert fake.certificate_requests == 2
    assert withdrawal.status == WithdrawalStatus.AWAITING_CONFIRMATION


def test_a_kept_provider_refreshes_the_certificates_and_encrypts_for_the_newest(
    payout_installation, distributor, certificate_mode, monkeypatch
):
    fake = certificate_mode
    first = paid_out(payout_installation, distributor)
    assert fake.bills[first.payout_number].user_name_serial == fake.keys.platform_serial_hex

    # WeChat lists the replacement certificate a day before it signs with it.
    newer = fake.announce_new_certificate()
    within = paid_out(payout_installation, distributor)
    assert fake.certificate_requests == 1  # the list is fresh enough: not asked again
    assert fake.bills[within.payout_number].user_name_serial == fake.keys.platform_serial_hex

    # Once the list is older than the refresh age, the next name is encrypted for the newest.
    monkeypatch.setattr(wechatpay, "CERTIFICATES_MAX_AGE_SECONDS", 0)
    later = paid_out(payout_installation, distributor)
    assert fake.certificate_requests == 2
    assert fake.bills[later.payout_number].user_name_serial == newer
    assert fake.bills[later.payout_number].user_name == REAL_NAME
    assert later.status == WithdrawalStatus.AWAITING_CONFIRMATION


def test_a_failed_certificate_refresh_keeps_paying_with_the_certificate_in_hand(
    payout_installation, distributor, certificate_mode, monkeypatch
):
    fake = certificate_mode
    paid_out(payout_installation, distributor)

    monkeypatch.setattr(wechatpay, "CERTIFICATES_MAX_AGE_SECONDS", 0)
    fake.fail_next_certificate_downloads = 1
    withdrawal = paid_out(payout_installation, distributor)

    assert fake.certificate_requests == 2  # the refresh was tried
    assert withdrawal.status == WithdrawalStatus.AWAITING_CONFIRMATION
    assert fake.bills[withdrawal.payout_number].user_name == REAL_NAME
    assert fake.bills[withdrawal.payout_number].user_name_serial == fake.keys.platform_serial_hex


def test_bad_request_signature_is_refused_by_the_gateway(
    payout_installation, distributor, fake_wechatpay, wechat_setup
):
    # Our configuration holds another private key than the one WeChat knows.
    actions.configure_provider(
        payout_installation,
        WECHAT,
        options=fake_wechatpay.provider_options(),
        credentials={"private_key": keys.private_pem(keys.rsa_key("forger"))},
        gateway_url=fake_wechatpay.url,
        staff_user_id=STAFF,
    )
    account = wechat_setup
    withdrawal = actions.submit_payout(
        approved(payout_installation, distributor, "20.00", WECHAT).pk
    )

    # 401 on the submission and on the query: nothing is known, nothing is concluded.
    assert fake_wechatpay.refused_requests == 2
    assert fake_wechatpay.bills == {}
    assert withdrawal.status == WithdrawalStatus.SUBMITTED
    assert withdrawal.provider_state == actions.UNKNOWN_STATE
    assert balances(account) == buckets("480.00", withdrawing="20.00")
    assert Decimal(withdrawal.amount) == Decimal("20.00")
