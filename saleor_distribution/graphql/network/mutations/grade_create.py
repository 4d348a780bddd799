from __future__ import annotations

from decimal import Decimal
from typing import Any

import graphene
from django.core.exceptions import ValidationError

from saleor_distribution.graphql.core.mutations import (
    DistributionMutation,
    renamed_fields,
    require_staff_permission,
)
from saleor_distribution.graphql.core.types import (
    DistributionMoneyInput,
    parse_amount,
    parse_currency,
)
from saleor_distribution.graphql.network.mutations.common import (
    GradeMutationResult,
    NetworkApiErrorCode,
    staff_actor,
)
from saleor_distribution.graphql.network.resolvers import MANAGE_USERS
from saleor_distribution.network import grades
from saleor_distribution.network.error_codes import NetworkErrorCode

TARGET = NetworkErrorCode.INVALID_GRADE_TARGET.value
# The domain's field → the input's field, for errors.
INPUT_FIELDS = {
    "min_sales_amount": "minSales",
    "min_sales_currency": "minSales",
    "min_direct_count": "minDirectCount",
    "min_team_size": "minTeamSize",
    "auto_upgrade": "autoUpgrade",
}


class GradeTargetsInput:
    """The upgrade targets; null (or absent on create) means "not required"."""

    min_sales = DistributionMoneyInput(description="The distributor's own paid sales.")
    min_direct_count = graphene.Int(description="Direct recruits.")
    min_team_size = graphene.Int(description="Everyone below, at any depth.")
    auto_upgrade = graphene.Boolean(
        description="Move distributors who meet every target up to this grade."
    )


class GradeCreateInput(GradeTargetsInput, graphene.InputObjectType):
    name = graphene.String(required=True)
    rank = graphene.Int(required=True, description="Unique; a higher rank is a higher grade.")


def grade_values(data: dict[str, Any]) -> dict[str, Any]:
    """The input in the grade's terms (the values are checked by `network.grades`)."""
    values: dict[str, Any] = {}
    for name in ("name", "rank", "min_direct_count", "min_team_size"):
        if name in data:
            values[name] = data[name]
    if data.get("auto_upgrade") is not None:
        values["auto_upgrade"] = data["auto_upgrade"]
    if "min_sales" in data:
        target = data["min_sales"]
        if target is None:
            values.update(min_sales_amount=Decimal(0), min_sales_currency="")
        else:
            values["min_sales_amount"] = parse_amount(target["amount"], "minSales", TARGET)
            values["min_sales_currency"] = parse_currency(target["currency"], "minSales", TARGET)
    return values


class GradeCreate(DistributionMutation):
    """Add a grade with its upgrade targets (MANAGE_USERS); audited."""

    class Arguments:
        input = GradeCreateInput(required=True)

    Output = GradeMutationResult
    error_codes = NetworkApiErrorCode

    @classmethod
    def perform(cls, root: Any, info: Any, **data: Any) -> Any:
        require_staff_permission(info, MANAGE_USERS)
        values = grade_values(data["input"])
        try:
            grade = grades.create_grade(
                info.context.viewer.installation, actor=staff_actor(info), **values
            )
        except ValidationError as exc:
            raise renamed_fields(exc, INPUT_FIELDS) from exc
        return GradeMutationResult(grade=grade, errors=[])
