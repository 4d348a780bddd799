from __future__ import annotations

from typing import Any

import graphene

from saleor_distribution.graphql.network.mutations.common import (
    StaffDistributorMutation,
    staff_actor,
)
from saleor_distribution.network import actions, models


class DistributorApprove(StaffDistributorMutation):
    """Accept an application: applied → active (MANAGE_USERS)."""

    class Arguments:
        id = graphene.ID(required=True)

    @staticmethod
    def change(distributor: models.Distributor, info: Any) -> models.Distributor:
        return actions.approve(distributor, actor=staff_actor(info))
