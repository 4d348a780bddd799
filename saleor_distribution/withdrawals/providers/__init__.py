"""Payout providers, one per channel, built per installation from its stored configuration
(never cached in a module global: credentials change, and many installations share a
process)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from saleor_distribution.withdrawals.models import PayoutChannel, ProviderConfig
from saleor_distribution.withdrawals.providers.alipay import AlipayProvider
from saleor_distribution.withdrawals.providers.base import PayoutProvider, ProviderSettings
from saleor_distribution.withdrawals.providers.dummy import DummyProvider
from saleor_distribution.withdrawals.providers.manual import ManualProvider
from saleor_distribution.withdrawals.providers.wechatpay import WeChatPayProvider

PROVIDER_CLASSES: dict[str, type[PayoutProvider]] = {
    PayoutChannel.WECHAT: WeChatPayProvider,
    PayoutChannel.ALIPAY: AlipayProvider,
    PayoutChannel.MANUAL: ManualProvider,
    PayoutChannel.DUMMY: DummyProvider,
}
NOTIFY_ROUTES = {
    PayoutChannel.WECHAT: "payouts-notify-wechatpay",
    PayoutChannel.ALIPAY: "payouts-notify-alipay",
}


def provider_class(channel: str) -> type[PayoutProvider]:
    return PROVIDER_CLASSES[PayoutChannel(channel)]


def notify_url(installation_id: int, channel: str) -> str:
    route = NOTIFY_ROUTES.get(PayoutChannel(channel))
    if route is None:
        return ""
    return settings.APP_URL + reverse(route, kwargs={"installation_id": installation_id})


def build_provider(config: ProviderConfig) -> PayoutProvider:
    cls = provider_class(config.channel)
    return cls(
        ProviderSettings(
            installation_id=config.installation_id,
            options=dict(config.options),
            secrets=config.secrets(),
            gateway_url=config.gateway_url,
            notify_url=notify_url(config.installation_id, config.channel),
            connect_timeout_seconds=settings.PAYOUT_HTTP_CONNECT_TIMEOUT_SECONDS,
            read_timeout_seconds=settings.PAYOUT_HTTP_READ_TIMEOUT_SECONDS,
        )
    )
