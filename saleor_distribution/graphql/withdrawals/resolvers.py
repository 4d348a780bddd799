"""Who may see which withdrawals: staff with MANAGE_ORDERS all of their installation's, a
customer only their own distributor's, anyone else none."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from saleor_distribution.withdrawals.models import Withdrawal

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
