from __future__ import annotations

from typing import Any

import graphene

from saleor_distribution.commissions import actions, fetch
from saleor_distribution.commissions.error_codes import CommissionErrorCode
from saleor_distribution.graphql.commissions.enums import CommissionPlanErrorCode
from saleor_distribution.graphql.commissions.mutations.commission_plan_create import (
    CommissionPlanMutationResult,
)
from saleor_distribution.graphql.commissions.resolvers import MANAGE_ORDERS
from saleor_distribution.graphql.core.mutations import require_staff_permission
from saleor_distribution.graphql.core.results import parse_id, refuse, run_mutation


class CommissionPlanActivate(graphene.Mutation):
    """Put a plan version in force for new orders (MANAGE_ORDERS). Orders already computed
    keep the version they were computed with."""

    class Arguments:
        id = graphene.ID(required=True, description="The CommissionPlan id.")

    Output = CommissionPlanMutationResult

    @staticmethod
    def mutate(root: Any, info: Any, id: str) -> CommissionPlanMutationResult:
        def body() -> dict[str, Any]:
            require_staff_permission(info, MANAGE_ORDERS)
            viewer = info.context.viewer
            pk = parse_id(id, "CommissionPlan")
            version = fetch.get_plan_version(viewer.installation, pk) if pk else None
            if version is None:
                raise refuse("id", "No such plan version.", CommissionErrorCode.NOT_FOUND.value)
            actions.activate_plan_version(
                viewer.installation, version, staff_user_id=viewer.user_id
            )
            return {"commission_plan": version}

        return run_mutation(
            CommissionPlanMutationResult, CommissionPlanErrorCode, body, fields={"version": "id"}
        )
