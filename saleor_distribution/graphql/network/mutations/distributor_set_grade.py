from __future__ import annotations

from typing import Any

import graphene

from saleor_distribution.graphql.core.mutations import refusal
from saleor_distribution.graphql.core.types import global_id_pk
from saleor_distribution.graphql.network.mutations.common import (
    StaffDistributorMutation,
    staff_actor,
)
from saleor_distribution.network import actions, models
from saleor_distribution.network.error_codes import NetworkErrorCode


class DistributorSetGrade(StaffDistributorMutation):
    """Set a distributor's grade; a null `gradeId` clears it (MANAGE_USERS)."""

    class Arguments:
        id = graphene.ID(required=True)
        grade_id = graphene.ID()
        reason = graphene.String()

    @staticmethod
    def change(
        distributor: models.Distributor,
        info: Any,
        grade_id: str | None = None,
        reason: str | None = None,
    ) -> models.Distributor:
        grade = None
        if grade_id is not None:
            pk = global_id_pk(grade_id, "Grade")
            grade = (
                models.Grade.objects.filter(
                    installation_id=distributor.installation_id, pk=pk
                ).first()
                if pk is not None
                else None
            )
            if grade is None:
                raise refusal("gradeId", "No such grade.", NetworkErrorCode.INVALID_GRADE.value)
        return actions.set_grade(
            distributor, grade, actor=staff_actor(info), reason=(reason or "").strip()
        )
