from __future__ import annotations

from typing import Any

import graphene
from django.db.models import prefetch_related_objects
from graphene_federation import key

from saleor_distribution.commissions import actions
from saleor_distribution.commissions.models import OrderRecord
from saleor_distribution.graphql.commissions.mutations.commission_plan_activate import (
    CommissionPlanActivate,
)
from saleor_distribution.graphql.commissions.mutations.commission_plan_create import (
    CommissionPlanCreate,
)
from saleor_distribution.graphql.commissions.resolvers import (
    sees_all_commissions,
    visible_commissions,
    visible_order_records,
    visible_plan_versions,
)
from saleor_distribution.graphql.commissions.types import (
    COMMISSION_PREFETCH,
    ORDER_PREFETCH,
    Commission,
    CommissionPlan,
    CommissionPlanCountableConnection,
    OrderAttribution,
)
from saleor_distribution.graphql.core.connection import SortKey, paginate


def order_attribution(info: Any, saleor_order_id: str) -> OrderRecord | None:
    """The order's record if the viewer may see its attribution, with what the
    OrderAttribution type reads prefetched."""
    record = visible_order_records(info).filter(saleor_order_id=str(saleor_order_id)).first()
    if record is not None:
        prefetch_related_objects([record], *ORDER_PREFETCH)
        for commission in record.commissions.all():
            commission.order = record
    return record


# Saleor's `Order`, extended with its attribution and commissions (federation entity, key
# `id`). No descriptions on `id`: Saleor defines it.
@key("id")
class Order(graphene.ObjectType):
    id = graphene.ID(required=True)
    attribution = graphene.Field(
        OrderAttribution,
        description="Who the order is attributed to and why: staff with MANAGE_ORDERS, or "
        "the attributed distributor; null for anyone else (the buyer included).",
    )
    commissions = graphene.List(
        graphene.NonNull(Commission),
        required=True,
        description="The order's commissions: all for staff with MANAGE_ORDERS; a "
        "distributor sees only their own; empty for anyone else.",
    )

    def __resolve_reference(self, info: Any, **kwargs: Any) -> Order:
        return Order(id=self.id)

    @staticmethod
    def resolve_attribution(root: Order, info: Any) -> OrderRecord | None:
        return order_attribution(info, root.id)

    @staticmethod
    def resolve_commissions(root: Order, info: Any) -> list[Any]:
        rows = (
            visible_commissions(info)
            .filter(order__saleor_order_id=str(root.id))
            .select_related(*COMMISSION_PREFETCH)
            .order_by("level", "line_id", "pk")
        )
        return list(rows)


class CommissionQueries(graphene.ObjectType):
    commission_plans = graphene.Field(
        CommissionPlanCountableConnection,
        first=graphene.Int(),
        after=graphene.String(),
        description="Every version of the commission plan, newest first (MANAGE_ORDERS).",
    )
    active_commission_plan = graphene.Field(
        CommissionPlan, description="The plan version in force (MANAGE_ORDERS)."
    )
    order_attribution = graphene.Field(
        OrderAttribution,
        order_id=graphene.ID(required=True, description="The Saleor order id."),
        description="Who an order is attributed to, why, and its commissions (MANAGE_ORDERS, "
        "or the attributed distributor).",
    )

    @staticmethod
    def resolve_commission_plans(
        root: Any, info: Any, first: int | None = None, after: str | None = None
    ) -> Any:
        if not sees_all_commissions(info):
            return None
        return paginate(
            visible_plan_versions(info),
            CommissionPlanCountableConnection,
            sort=SortKey(fields=("number", "pk"), descending=True),
            first=first,
            after=after,
        )

    @staticmethod
    def resolve_active_commission_plan(root: Any, info: Any) -> Any:
        if not sees_all_commissions(info):
            return None
        # The default plan is created on first use, as the engine does for the first order.
        return actions.active_plan_version(info.context.viewer.installation)

    @staticmethod
    def resolve_order_attribution(root: Any, info: Any, order_id: str) -> Any:
        return order_attribution(info, order_id)


class CommissionMutations(graphene.ObjectType):
    commission_plan_create = CommissionPlanCreate.Field()
    commission_plan_activate = CommissionPlanActivate.Field()


__all__ = ["CommissionMutations", "CommissionQueries", "Order"]
