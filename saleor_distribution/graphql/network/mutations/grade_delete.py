from __future__ import annotations

from typing import Any

import graphene

from saleor_distribution.graphql.core.mutations import (
    DistributionMutation,
    require_staff_permission,
)
from saleor_distribution.graphql.network.mutations.common import (
    GradeMutationResult,
    NetworkApiErrorCode,
    find_grade,
    staff_actor,
)
from saleor_distribution.graphql.network.resolvers import MANAGE_USERS
from saleor_distribution.network import grades


class GradeDelete(DistributionMutation):
    """Delete a grade (MANAGE_USERS); audited. Refused with GRADE_IN_USE while a distributor
    holds it or a commission plan version sets rates for it."""

    class Arguments:
        id = graphene.ID(required=True)

    Output = GradeMutationResult
    error_codes = NetworkApiErrorCode

    @classmethod
    def perform(cls, root: Any, info: Any, **data: Any) -> Any:
        require_staff_permission(info, MANAGE_USERS)
        grade = find_grade(info, data["id"], "id")
        grades.delete_grade(grade, actor=staff_actor(info))
        # The deleted grade as it was (its id is kept for the caller's cache).
        return GradeMutationResult(grade=grade, errors=[])
