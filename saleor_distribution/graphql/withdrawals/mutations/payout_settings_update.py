from __future__ import annotations

from typing import Any

import graphene

from saleor_distribution.graphql.core.mutations import require_staff_permission
from saleor_distribution.graphql.core.results import refuse, run_mutation
from saleor_distribution.graphql.withdrawals.enums import WithdrawalErrorCode
from saleor_distribution.graphql.withdrawals.mutations.results import PayoutSettingsMutationResult
from saleor_distribution.graphql.withdrawals.resolvers import MANAGE_ORDERS, payout_settings
from saleor_distribution.withdrawals import actions, fetch
from saleor_distribution.withdrawals.error_codes import WithdrawalErrorCode as DomainCodes
from saleor_distribution.withdrawals.models import PayoutChannel


class PayoutSettingsInput(graphene.InputObjectType):
    """Secrets are write-only: set when given, kept when omitted, never returned."""

    wechat_enabled = graphene.Boolean()
    wechat_mch_id = graphene.String()
    wechat_app_id = graphene.String()
    wechat_merchant_serial_no = graphene.String()
    wechat_private_key = graphene.String(description="Secret: the merchant API key (PEM).")
    wechat_api_v3_key = graphene.String(description="Secret: the 32-character APIv3 key.")
    wechat_platform_public_key = graphene.String(
        description="WeChat Pay's public key (PEM), with wechatPublicKeyId."
    )
    wechat_public_key_id = graphene.String(description="The id of WeChat Pay's public key.")
    wechat_app_secret = graphene.String(
        description="Secret: the official account's app secret, to bind payees by login."
    )
    wechat_transfer_scene_id = graphene.String(description="转账场景 id, e.g. 1000.")
    alipay_enabled = graphene.Boolean()
    alipay_app_id = graphene.String()
    alipay_private_key = graphene.String(description="Secret: the app private key (PEM).")
    alipay_public_key = graphene.String(
        description="Alipay's public key certificate (alipayCertPublicKey_RSA2.crt, PEM): "
        "transfers need the certificate mode."
    )
    alipay_app_public_cert = graphene.String(description="appCertPublicKey (PEM).")
    alipay_root_cert = graphene.String(description="alipayRootCert (PEM).")
    manual_enabled = graphene.Boolean()


# Input field → the provider's option or credential name.
OPTIONS = {
    PayoutChannel.WECHAT: {
        "wechat_mch_id": "mchid",
        "wechat_app_id": "appid",
        "wechat_merchant_serial_no": "cert_serial_no",
        "wechat_platform_public_key": "public_key",
        "wechat_public_key_id": "public_key_id",
        "wechat_transfer_scene_id": "transfer_scene_id",
    },
    PayoutChannel.ALIPAY: {
        "alipay_app_id": "app_id",
        "alipay_public_key": "alipay_public_cert",
        "alipay_app_public_cert": "app_public_cert",
        "alipay_root_cert": "alipay_root_cert",
    },
    PayoutChannel.MANUAL: {},
}
SECRETS = {
    PayoutChannel.WECHAT: {
        "wechat_private_key": "private_key",
        "wechat_api_v3_key": "apiv3_key",
        "wechat_app_secret": "app_secret",
    },
    PayoutChannel.ALIPAY: {"alipay_private_key": "app_private_key"},
    PayoutChannel.MANUAL: {},
}
ENABLED = {
    PayoutChannel.WECHAT: "wechat_enabled",
    PayoutChannel.ALIPAY: "alipay_enabled",
    PayoutChannel.MANUAL: "manual_enabled",
}


def _given(data: Any, name: str) -> Any:
    return data.get(name) if hasattr(data, "get") else getattr(data, name, None)


def provider_changes(installation: Any, data: Any) -> dict[str, actions.ProviderChange]:
    """The channels the input touches, each as its whole new settings: options not given
    keep their stored value, credentials not given are kept by the domain."""
    alipay_cert = _given(data, "alipay_public_key")
    if alipay_cert and "BEGIN CERTIFICATE" not in alipay_cert:
        raise refuse(
            "alipayPublicKey",
            "Alipay transfers use the certificate mode: give Alipay's public key certificate.",
            DomainCodes.INVALID_PROVIDER_CONFIG.value,
        )
    changes = {}
    for channel in (PayoutChannel.WECHAT, PayoutChannel.ALIPAY, PayoutChannel.MANUAL):
        options = {
            option: _given(data, field)
            for field, option in OPTIONS[channel].items()
            if _given(data, field) is not None
        }
        secrets = {
            secret: _given(data, field)
            for field, secret in SECRETS[channel].items()
            if _given(data, field)  # "" or null: kept
        }
        enabled = _given(data, ENABLED[channel])
        existing = fetch.get_provider_config(installation, channel, active_only=False)
        if not options and not secrets and enabled is None:
            continue
        if existing is None and not options and not secrets and not enabled:
            continue  # disabling a channel that was never set up
        changes[channel.value] = actions.ProviderChange(
            options={**(existing.options if existing else {}), **options},
            credentials=secrets,
            is_active=enabled
            if enabled is not None
            else (existing.is_active if existing else True),
            gateway_url=existing.gateway_url if existing else "",
        )
    return changes


class PayoutSettingsUpdate(graphene.Mutation):
    """Set up the payout channels (MANAGE_ORDERS). Every touched channel is checked (keys
    load, required settings present) before any is saved: a refused input changes nothing."""

    class Arguments:
        input = PayoutSettingsInput(required=True)

    Output = PayoutSettingsMutationResult

    @staticmethod
    def mutate(root: Any, info: Any, input: Any) -> PayoutSettingsMutationResult:
        def body() -> dict[str, Any]:
            require_staff_permission(info, MANAGE_ORDERS)
            viewer = info.context.viewer
            changes = provider_changes(viewer.installation, input)
            actions.configure_providers(viewer.installation, changes, staff_user_id=viewer.user_id)
            return {"payout_settings": payout_settings(viewer.installation)}

        return run_mutation(PayoutSettingsMutationResult, WithdrawalErrorCode, body)
