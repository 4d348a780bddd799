"""Who may see which withdrawals: staff with MANAGE_ORDERS all of their installation's, a
customer only their own distributor's, anyone else none."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from saleor_distribution.installations.models import Installation
from saleor_distribution.network.models import Distributor
from saleor_distribution.withdrawals import fetch
from saleor_distribution.withdrawals.models import PayoutChannel, Withdrawal

MANAGE_ORDERS = "MANAGE_ORDERS"


def sees_all_withdrawals(info: Any) -> bool:
    viewer = info.context.viewer
    return viewer.installation is not None and viewer.has_permission(MANAGE_ORDERS)


def visible_withdrawals(info: Any) -> QuerySet[Withdrawal]:
    viewer = info.context.viewer
    if viewer.installation is None:
        return Withdrawal.objects.none()
    rows = Withdrawal.objects.filter(installation=viewer.installation)
    if viewer.has_permission(MANAGE_ORDERS):
        return rows
    if viewer.is_customer:
        return rows.filter(distributor__saleor_user_id=viewer.user_id)
    return Withdrawal.objects.none()


def viewer_distributor(info: Any) -> Distributor | None:
    """The signed-in customer's own distributor, or None."""
    viewer = info.context.viewer
    if not viewer.is_customer or viewer.installation is None:
        return None
    return Distributor.objects.filter(
        installation=viewer.installation, saleor_user_id=viewer.user_id
    ).first()


def payout_settings(installation: Installation) -> dict[str, Any]:
    """The PayoutSettings type's values: channels, public ids, whether set up. Never a
    credential, not even masked."""
    configs = fetch.provider_configs(installation)
    wechat = configs.get(PayoutChannel.WECHAT)
    alipay = configs.get(PayoutChannel.ALIPAY)
    manual = configs.get(PayoutChannel.MANUAL)
    return {
        "wechat_enabled": bool(wechat and wechat.is_active),
        "wechat_mch_id": (wechat.options.get("mchid") or None) if wechat else None,
        "wechat_app_id": (wechat.options.get("appid") or None) if wechat else None,
        "wechat_configured": fetch.provider_is_configured(wechat),
        "alipay_enabled": bool(alipay and alipay.is_active),
        "alipay_app_id": (alipay.options.get("app_id") or None) if alipay else None,
        "alipay_configured": fetch.provider_is_configured(alipay),
        "manual_enabled": bool(manual and manual.is_active),
    }
