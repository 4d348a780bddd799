from __future__ import annotations

from typing import Any

import graphene

from saleor_distribution.graphql.network.mutations.common import (
    StaffDistributorMutation,
    staff_actor,
)
from saleor_distribution.network import actions, models


class DistributorSuspend(StaffDistributorMutation):
    """Stop an active distributor: their code stops binding and earning (MANAGE_USERS)."""

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String(required=True)

    @staticmethod
    def change(distributor: models.Distributor, info: Any, reason: str) -> models.Distributor:
        return actions.suspend(distributor, actor=staff_actor(info), reason=reason.strip())
