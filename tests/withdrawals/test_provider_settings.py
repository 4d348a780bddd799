"""Several payout channels configured at once, and whether a channel is set up."""

import pytest
from django.core.exceptions import ValidationError

from saleor_distribution.withdrawals import actions, fetch
from saleor_distribution.withdrawals.models import ProviderConfig, WithdrawalEvent
from tests.fixtures.withdrawals import STAFF


def test_channels_configured_together_are_stored_together(
    payout_installation, fake_wechatpay, fake_alipay
):
    configs = actions.configure_providers(
        payout_installation,
        {
            "wechat": actions.ProviderChange(
                options=fake_wechatpay.provider_options(),
                credentials=fake_wechatpay.provider_credentials(),
            ),
            "manual": actions.ProviderChange(options={}, is_active=False),
        },
        staff_user_id=STAFF,
    )

    assert [(c.channel, c.is_active) for c in configs] == [("wechat", True), ("manual", False)]
    stored = fetch.provider_configs(payout_installation)
    assert sorted(stored) == ["manual", "wechat"]
    assert fetch.provider_is_configured(stored["wechat"]) is True
    assert fetch.provider_is_configured(stored["manual"]) is True
    assert fetch.provider_is_configured(None) is False
    assert WithdrawalEvent.objects.filter(type="provider_configured").count() == 2


def test_one_refused_channel_stores_none_of_them(payout_installation, fake_wechatpay, fake_alipay):
    actions.configure_provider(
        payout_installation, "manual", options={}, is_active=True, staff_user_id=STAFF
    )
    before = list(ProviderConfig.objects.values_list("channel", "is_active", "updated_at"))

    with pytest.raises(ValidationError) as refused:
        actions.configure_providers(
            payout_installation,
            {
                "manual": actions.ProviderChange(options={}, is_active=False),
                "wechat": actions.ProviderChange(
                    options=fake_wechatpay.provider_options(),
                    credentials={**fake_wechatpay.provider_credentials(), "apiv3_key": "short"},
                ),
            },
            staff_user_id=STAFF,
        )

    error = refused.value.error_dict["options"][0]
    assert (error.code, error.message % error.params) == (
        "invalid_provider_config",
        "apiv3_key must be the 32-character APIv3 key",
    )
    assert list(ProviderConfig.objects.values_list("channel", "is_active", "updated_at")) == before
    assert WithdrawalEvent.objects.filter(type="provider_configured").count() == 1


def test_a_channel_missing_a_required_credential_is_not_configured(
    payout_installation, fake_alipay
):
    actions.configure_provider(
        payout_installation,
        "alipay",
        options=fake_alipay.provider_options(),
        credentials=fake_alipay.provider_credentials(),
        staff_user_id=STAFF,
    )
    config = ProviderConfig.objects.get(channel="alipay")
    config.options = {**config.options, "app_id": ""}
    config.save()

    assert fetch.provider_is_configured(config) is False
