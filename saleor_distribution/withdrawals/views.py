"""HTTP adapters for payout providers' notifications. Views only do I/O: the provider
verifies (and decrypts) the notification, the action applies it, and the answer is the one
the provider expects (WeChat: 204, or 4xx with {"code": "FAIL"}; Alipay: plain `success`)."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from saleor_distribution.installations.models import Installation, InstallationStatus
from saleor_distribution.withdrawals import actions, fetch
from saleor_distribution.withdrawals.models import PayoutChannel
from saleor_distribution.withdrawals.providers import build_provider
from saleor_distribution.withdrawals.providers.base import Acknowledgement, InvalidNotification

logger = logging.getLogger(__name__)

MAX_NOTIFICATION_BYTES = 64 * 1024


def _answer(ack: Acknowledgement) -> HttpResponse:
    return HttpResponse(ack.body, status=ack.status, content_type=ack.content_type)


def _notify(request: HttpRequest, installation_id: int, channel: str) -> HttpResponse:
    installation = Installation.objects.filter(
        pk=installation_id, status=InstallationStatus.ACTIVE
    ).first()
    config = fetch.get_provider_config(installation_id, channel) if installation else None
    if installation is None or config is None:
        return HttpResponse(status=404)
    provider = build_provider(config)
    length = int(request.headers.get("Content-Length") or 0)
    if length > MAX_NOTIFICATION_BYTES:
        return _answer(provider.acknowledge(False, "too large"))
    body = request.body
    try:
        parsed = provider.parse_notification(request.headers, body)
    except InvalidNotification as rejection:
        logger.warning(
            "Payout notification refused",
            extra={
                "installation_id": installation_id,
                "channel": channel,
                "reason": rejection.code,
            },
        )
        return _answer(provider.acknowledge(False, rejection.message))
    outcome = actions.process_payout_notification(installation, channel, parsed, body)
    logger.info(
        "Payout notification processed",
        extra={"installation_id": installation_id, "channel": channel, "outcome": outcome},
    )
    return _answer(provider.acknowledge(True))


@csrf_exempt
@require_POST
def wechatpay_notify_view(request: HttpRequest, installation_id: int) -> HttpResponse:
    return _notify(request, installation_id, PayoutChannel.WECHAT)


@csrf_exempt
@require_POST
def alipay_notify_view(request: HttpRequest, installation_id: int) -> HttpResponse:
    return _notify(request, installation_id, PayoutChannel.ALIPAY)
