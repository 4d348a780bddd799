"""Who may see which plans, commissions and order attributions.

- Plans: staff with MANAGE_ORDERS.
- Commissions: staff with MANAGE_ORDERS all of their installation's; a customer only the
  commissions they earned (as beneficiary); anyone else none.
- Order attributions: staff with MANAGE_ORDERS; a customer only the orders attributed to
  their own distributor. Not the order's buyer: an attribution names another person (the
  distributor) and says how the buyer was bound to them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from saleor_distribution.commissions import fetch
from saleor_distribution.commissions.models import Commission, OrderRecord, PlanVersion

MANAGE_ORDERS = "MANAGE_ORDERS"


def sees_all_commissions(info: Any) -> bool:
    viewer = info.context.viewer
    return viewer.installation is not None and viewer.has_permission(MANAGE_ORDERS)


def visible_plan_versions(info: Any) -> QuerySet[PlanVersion]:
    viewer = info.context.viewer
    if not sees_all_commissions(info):
        return PlanVersion.objects.none()
    return fetch.plan_versions(viewer.installation)


def active_version_id(info: Any) -> int | None:
    """The active plan version's id, read once per request."""
    cache = info.context.dataloaders
    if "active_plan_version_id" not in cache:
        installation = info.context.viewer.installation
        cache["active_plan_version_id"] = (
            fetch.active_plan_version_id(installation) if installation else None
        )
    return cache["active_plan_version_id"]


def visible_commissions(info: Any) -> QuerySet[Commission]:
    viewer = info.context.viewer
    if viewer.installation is None:
        return Commission.objects.none()
    rows = Commission.objects.filter(installation=viewer.installation)
    if viewer.has_permission(MANAGE_ORDERS):
        return rows
    if viewer.is_customer:
        return rows.filter(beneficiary__saleor_user_id=viewer.user_id)
    return Commission.objects.none()


def visible_order_records(info: Any) -> QuerySet[OrderRecord]:
    viewer = info.context.viewer
    if viewer.installation is None:
        return OrderRecord.objects.none()
    rows = OrderRecord.objects.filter(installation=viewer.installation)
    if viewer.has_permission(MANAGE_ORDERS):
        return rows
    if viewer.is_customer:
        return rows.filter(attributed_distributor__saleor_user_id=viewer.user_id)
    return OrderRecord.objects.none()
