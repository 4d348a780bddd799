"""Who may see which distributors: a customer only their own, staff with MANAGE_USERS all
of their installation's, anyone else none."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from saleor_distribution.network.models import Distributor

MANAGE_USERS = "MANAGE_USERS"


def visible_distributors(info: Any) -> QuerySet[Distributor]:
    viewer = info.context.viewer
    if viewer.installation is None:
        return Distributor.objects.none()
    rows = Distributor.objects.filter(installation=viewer.installation)
    if viewer.has_permission(MANAGE_USERS):
        return rows
    if viewer.is_customer:
        return rows.filter(saleor_user_id=viewer.user_id)
    return Distributor.objects.none()
