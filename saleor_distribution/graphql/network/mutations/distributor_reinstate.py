from __future__ import annotations

from typing import Any

import graphene

from saleor_distribution.graphql.network.mutations.common import (
    StaffDistributorMutation,
    staff_actor,
)
from saleor_distribution.network import actions, models


class DistributorReinstate(StaffDistributorMutation):
    """Bring back a suspended or rejected distributor: → active (MANAGE_USERS)."""

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String()

    @staticmethod
    def change(
        distributor: models.Distributor, info: Any, reason: str | None = None
    ) -> models.Distributor:
        reason = (reason or "").strip()
        return actions.reinstate(distributor, actor=staff_actor(info), reason=reason)
