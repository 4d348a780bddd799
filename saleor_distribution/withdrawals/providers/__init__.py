"""Payout providers, one per channel, built per installation from its stored configuration.

`build_provider` keeps what it built, per thread, keyed by a digest of everything the provider
is built from (see `_Built`)."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict

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


# Providers built, per thread. A provider holds loaded keys, its library's client and, for
# WeChat Pay in certificate mode, the platform certificates it downloaded (the library
# refreshes them itself when WeChat signs with a new one): building one per batch cost a key
# load and, in certificate mode, a download from WeChat's certificate endpoint every time.
# Per thread because the libraries do not say their clients are thread-safe; bounded because
# many installations share a process.
PROVIDERS_KEPT = 32


class _Built(threading.local):
    def __init__(self) -> None:
        self.providers: OrderedDict[str, PayoutProvider] = OrderedDict()


_built = _Built()


def _fingerprint(channel: str, provider_settings: ProviderSettings) -> str:
    """A digest of everything a provider is built from, credentials included (never kept or
    shown in the clear): a changed option, credential or gateway is a new provider at once,
    in every process, without anyone having to say so."""
    described = json.dumps(
        [
            channel,
            provider_settings.installation_id,
            provider_settings.options,
            {name: secret.reveal() for name, secret in provider_settings.secrets.items()},
            provider_settings.gateway_url,
            provider_settings.notify_url,
            provider_settings.connect_timeout_seconds,
            provider_settings.read_timeout_seconds,
        ],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(described.encode()).hexdigest()


def build_provider(config: ProviderConfig) -> PayoutProvider:
    provider_settings = ProviderSettings(
        installation_id=config.installation_id,
        options=dict(config.options),
        secrets=config.secrets(),
        gateway_url=config.gateway_url,
        notify_url=notify_url(config.installation_id, config.channel),
        connect_timeout_seconds=settings.PAYOUT_HTTP_CONNECT_TIMEOUT_SECONDS,
        read_timeout_seconds=settings.PAYOUT_HTTP_READ_TIMEOUT_SECONDS,
    )
    key = _fingerprint(config.channel, provider_settings)
    kept = _built.providers
    provider = kept.get(key)
    if provider is None:
        provider = provider_class(config.channel)(provider_settings)
        kept[key] = provider
        if len(kept) > PROVIDERS_KEPT:
            kept.popitem(last=False)
    else:
        kept.move_to_end(key)
    return provider
