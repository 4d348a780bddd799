from __future__ import annotations

from typing import Any

import graphene

from saleor_distribution.graphql.network.mutations.common import (
    StaffDistributorMutation,
    staff_actor,
)
from saleor_distribution.network import actions, models


class DistributorReject(StaffDistributorMutation):
    """Turn an application down: applied → rejected, with the reason shown to the
    applicant (MANAGE_USERS)."""

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String(required=True)

    @staticmethod
    def change(distributor: models.Distributor, info: Any, reason: str) -> models.Distributor:
        return actions.reject(distributor, actor=staff_actor(info), reason=reason.strip())
