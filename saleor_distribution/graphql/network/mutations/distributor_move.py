from __future__ import annotations

from typing import Any

import graphene
from django.core.exceptions import ValidationError

from saleor_distribution.graphql.core.mutations import renamed_fields
from saleor_distribution.graphql.network.mutations.common import (
    StaffDistributorMutation,
    find_distributor,
    staff_actor,
)
from saleor_distribution.network import actions, models


class DistributorMove(StaffDistributorMutation):
    """Move a distributor, with their whole team, under another parent; a null `parentId`
    makes them a root. Moving under themself or anyone in their team is refused (CYCLE)
    and changes nothing (MANAGE_USERS)."""

    class Arguments:
        id = graphene.ID(required=True)
        parent_id = graphene.ID()
        reason = graphene.String()

    @staticmethod
    def change(
        distributor: models.Distributor,
        info: Any,
        parent_id: str | None = None,
        reason: str | None = None,
    ) -> models.Distributor:
        parent = find_distributor(info, parent_id, "parentId") if parent_id is not None else None
        try:
            return actions.move_subtree(
                distributor, parent, actor=staff_actor(info), reason=(reason or "").strip()
            )
        except ValidationError as exc:
            # The action names its argument `new_parent`; the API's is `parentId`.
            raise renamed_fields(exc, {"new_parent": "parent_id"}) from exc
