from __future__ import annotations

from typing import Any

import graphene
from django.core.exceptions import ValidationError

from saleor_distribution.graphql.core.mutations import (
    DistributionMutation,
    renamed_fields,
    require_staff_permission,
)
from saleor_distribution.graphql.network.mutations.common import (
    GradeMutationResult,
    NetworkApiErrorCode,
    find_grade,
    staff_actor,
)
from saleor_distribution.graphql.network.mutations.grade_create import (
    INPUT_FIELDS,
    GradeTargetsInput,
    grade_values,
)
from saleor_distribution.graphql.network.resolvers import MANAGE_USERS
from saleor_distribution.network import grades


class GradeUpdateInput(GradeTargetsInput, graphene.InputObjectType):
    """Only the fields given change; null clears a target."""

    name = graphene.String()
    rank = graphene.Int(description="Unique; a higher rank is a higher grade.")


class GradeUpdate(DistributionMutation):
    """Change a grade's name, rank, targets or auto-upgrade (MANAGE_USERS); audited. Nobody
    loses the grade when its targets rise."""

    class Arguments:
        id = graphene.ID(required=True)
        input = GradeUpdateInput(required=True)

    Output = GradeMutationResult
    error_codes = NetworkApiErrorCode

    @classmethod
    def perform(cls, root: Any, info: Any, **data: Any) -> Any:
        require_staff_permission(info, MANAGE_USERS)
        grade = find_grade(info, data["id"], "id")
        changes = grade_values(data["input"])
        for required in ("name", "rank"):
            if required in changes and changes[required] is None:
                changes.pop(required)
        try:
            grade = grades.update_grade(grade, actor=staff_actor(info), **changes)
        except ValidationError as exc:
            raise renamed_fields(exc, INPUT_FIELDS) from exc
        return GradeMutationResult(grade=grade, errors=[])
