"""Payee accounts (WeChat login against a loopback fake, Alipay, masks, encryption at rest)
and provider configuration (write-only, masked credentials)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from saleor_distribution.withdrawals import actions, fetch
from saleor_distribution.withdrawals.models import (
    PayeeAccount,
    PayeeKind,
    PayoutChannel,
    ProviderConfig,
)
from tests.fakes import keys
from tests.fakes.wechat_oauth import FakeWeChatOAuth
from tests.fixtures.withdrawals import (
    OPENID,
    REAL_NAME,
    STAFF,
    bind_wechat,
    configure_wechat,
    fund,
    set_rules,
)
from tests.withdrawals.helpers import approved, post_wechat_notification

WECHAT = PayoutChannel.WECHAT


@pytest.fixture
def fake_oauth(fake_wechatpay) -> Iterator[FakeWeChatOAuth]:
    credentials = fake_wechatpay.provider_credentials()
    fake = FakeWeChatOAuth(appid=fake_wechatpay.appid, secret=credentials["app_secret"]).start()
    yield fake
    fake.stop()


def configure_login(installation, fake_wechatpay, fake_oauth, *, login_kind="official_account"):
    actions.configure_provider(
        installation,
        WECHAT,
        options={
            **fake_wechatpay.provider_options(),
            "login_kind": login_kind,
            "oauth_api_base_url": fake_oauth.url,
        },
        credentials=fake_wechatpay.provider_credentials(),
        gateway_url=fake_wechatpay.url,
        staff_user_id=STAFF,
    )


def raw_column(model, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{model._meta.db_table}" WHERE id = %s', [pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_authorize_url(payout_installation, fake_wechatpay, fake_oauth):
    configure_login(payout_installation, fake_wechatpay, fake_oauth)

    url = fetch.wechat_authorize_url(
        payout_installation, redirect_uri="https://shop.example.com/bind?x=1", state="csrf123"
    )

    assert url == (
        "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx8888888888888888"
        "&redirect_uri=https%3A%2F%2Fshop.example.com%2Fbind%3Fx%3D1&response_type=code"
        "&scope=snsapi_base&state=csrf123#wechat_redirect"
    )


def test_official_account_code_binds_the_openid(
    payout_installation, distributor, fake_wechatpay, fake_oauth
):
    configure_login(payout_installation, fake_wechatpay, fake_oauth)
    code = fake_oauth.issue_code(OPENID)

    payee = actions.bind_wechat_account(
        payout_installation, distributor, code=code, real_name=REAL_NAME
    )

    payee = PayeeAccount.objects.get(pk=payee.pk)
    assert (payee.kind, payee.identity.reveal(), payee.wechat_appid) == (
        PayeeKind.WECHAT_OPENID,
        OPENID,
        fake_wechatpay.appid,
    )
    assert (payee.identity_masked, payee.real_name_masked) == ("••••6Xoy", "*三")
    assert fake_oauth.requests == ["/sns/oauth2/access_token"]
    # Encrypted at rest: neither the openid nor the name is in the table.
    assert OPENID not in raw_column(PayeeAccount, "identity", payee.pk)
    assert REAL_NAME not in raw_column(PayeeAccount, "real_name", payee.pk)

    # The code is single-use: replaying it is refused and the binding stays.
    with pytest.raises(ValidationError) as refused:
        actions.bind_wechat_account(payout_installation, distributor, code=code)
    error = refused.value.error_dict["code"][0]
    assert (error.code, error.message % error.params) == (
        "wechat_login_failed",
        "WeChat did not accept the login: invalid code.",
    )
    assert list(fetch.payee_accounts(payout_installation, distributor)) == [payee]


def test_mini_program_code_binds_the_openid(
    payout_installation, distributor, fake_wechatpay, fake_oauth
):
    configure_login(payout_installation, fake_wechatpay, fake_oauth, login_kind="mini_program")

    payee = actions.bind_wechat_account(
        payout_installation, distributor, code=fake_oauth.issue_code("oMiniProgram0000000000001")
    )

    assert payee.identity.reveal() == "oMiniProgram0000000000001"
    assert fake_oauth.requests == ["/sns/jscode2session"]


def test_rebinding_ends_the_previous_account(payout_installation, distributor):
    first = bind_wechat(distributor)
    second = bind_wechat(distributor, real_name=None)

    first.refresh_from_db()
    assert first.unbound_at is not None
    assert list(fetch.payee_accounts(payout_installation, distributor)) == [second]


@pytest.mark.parametrize(
    ("kind", "identity", "real_name", "expected"),
    [
        (PayeeKind.ALIPAY_LOGON_ID, "13812345678", "李雷", ("*雷", "138••••5678")),
        (PayeeKind.ALIPAY_LOGON_ID, "lilei@example.com", "李雷", ("*雷", "l••@example.com")),
        (PayeeKind.ALIPAY_USER_ID, "2088123412341234", None, ("", "••••1234")),
    ],
)
def test_alipay_accounts_are_masked(
    payout_installation, distributor, kind, identity, real_name, expected
):
    payee = actions.bind_payee_account(
        payout_installation,
        distributor,
        channel=PayoutChannel.ALIPAY,
        kind=kind,
        identity=identity,
        real_name=real_name,
        actor="test",
    )
    assert (payee.real_name_masked, payee.identity_masked) == expected


@pytest.mark.parametrize(
    ("kind", "identity", "real_name", "field", "code"),
    [
        (PayeeKind.ALIPAY_LOGON_ID, "13812345678", None, "real_name", "real_name_required"),
        (PayeeKind.ALIPAY_USER_ID, "1234", None, "identity", "invalid_payee"),
        (PayeeKind.WECHAT_OPENID, "o-abc123456", None, "kind", "invalid_payee"),
    ],
)
def test_invalid_alipay_accounts_are_refused(
    payout_installation, distributor, kind, identity, real_name, field, code
):
    with pytest.raises(ValidationError) as refused:
        actions.bind_payee_account(
            payout_installation,
            distributor,
            channel=PayoutChannel.ALIPAY,
            kind=kind,
            identity=identity,
            real_name=real_name,
            actor="test",
        )
    assert refused.value.error_dict[field][0].code == code
    assert not PayeeAccount.objects.exists()


def test_credentials_are_write_only_masked_and_encrypted(payout_installation, fake_wechatpay):
    configure_wechat(payout_installation, fake_wechatpay)
    private_key = fake_wechatpay.provider_credentials()["private_key"]
    config = ProviderConfig.objects.get(installation=payout_installation, channel=WECHAT)

    shown = fetch.masked_provider_config(config)
    assert shown["credentials"] == {
        "private_key": "••••---\n",
        "apiv3_key": "••••IJ01",
        "app_secret": "••••6789",
    }
    assert "BEGIN PRIVATE KEY" not in str(shown)
    assert "PRIVATE KEY" not in raw_column(ProviderConfig, "credentials", config.pk)

    # Saving options without credentials keeps the stored ones.
    actions.configure_provider(
        payout_installation,
        WECHAT,
        options={**fake_wechatpay.provider_options(), "transfer_remark": "推广佣金"},
        gateway_url=fake_wechatpay.url,
        staff_user_id=STAFF,
    )
    config.refresh_from_db()
    assert config.secrets()["private_key"].reveal() == private_key
    assert config.options["transfer_remark"] == "推广佣金"


@pytest.mark.parametrize(
    ("options", "credentials", "problem"),
    [
        ({"unknown": "x"}, {}, "Unknown settings: unknown."),
        ({}, {"private_key": "not a key"}, "private_key is not a PEM private key (PKCS#8)"),
        ({}, {"apiv3_key": "short"}, "apiv3_key must be the 32-character APIv3 key"),
        ({"public_key_id": ""}, {}, "public-key mode needs both public_key_id and public_key"),
    ],
)
def test_invalid_configuration_is_refused(
    payout_installation, fake_wechatpay, options, credentials, problem
):
    configure_wechat(payout_installation, fake_wechatpay)
    before = ProviderConfig.objects.get(installation=payout_installation, channel=WECHAT)
    merged = {**fake_wechatpay.provider_options(), **options}
    if "public_key_id" in options:
        merged.pop("public_key_id")

    with pytest.raises(ValidationError) as refused:
        actions.configure_provider(
            payout_installation,
            WECHAT,
            options=merged,
            credentials=credentials,
            gateway_url=fake_wechatpay.url,
            staff_user_id=STAFF,
        )

    error = refused.value.error_dict["options"][0]
    assert (error.code, error.message % error.params) == ("invalid_provider_config", problem)
    after = ProviderConfig.objects.get(pk=before.pk)
    assert (after.options, after.secrets()) == (before.options, before.secrets())


def test_identities_names_and_keys_stay_out_of_logs(
    payout_installation, distributor, fake_wechatpay, caplog
):
    caplog.set_level(logging.DEBUG)
    configure_wechat(payout_installation, fake_wechatpay)
    set_rules(payout_installation)
    bind_wechat(distributor)
    fund(distributor, "100.00")
    withdrawal = actions.submit_payout(
        approved(payout_installation, distributor, "10.00", WECHAT).pk
    )
    fake_wechatpay.confirm(withdrawal.payout_number)
    post_wechat_notification(
        payout_installation, *fake_wechatpay.notification(withdrawal.payout_number)
    )
    forged = fake_wechatpay.notification(
        withdrawal.payout_number, signing_key=keys.rsa_key("forger")
    )
    post_wechat_notification(payout_installation, *forged)

    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "Payout finished" in logged and "Payout notification refused" in logged
    for secret in (
        OPENID,
        REAL_NAME,
        fake_wechatpay.keys.apiv3_key,
        "PRIVATE KEY",
        forged[0]["Wechatpay-Signature"],
    ):
        assert secret not in logged
