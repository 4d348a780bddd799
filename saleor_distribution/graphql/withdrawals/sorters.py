from __future__ import annotations

from typing import Any

import graphene

from saleor_distribution.graphql.core.connection import OrderDirection, SortKey
from saleor_distribution.graphql.core.results import enum_value


class WithdrawalSortField(graphene.Enum):
    REQUESTED_AT = "requested_at"
    AMOUNT = "amount"


class WithdrawalSortingInput(graphene.InputObjectType):
    field = WithdrawalSortField(required=True)
    direction = OrderDirection(required=True)


def withdrawal_sort(data: Any) -> SortKey:
    """Oldest request first unless asked otherwise (a queue); ties broken by id."""
    if not data:
        return SortKey(fields=("requested_at", "pk"))
    field = enum_value(data.field)
    return SortKey(fields=(field, "pk"), descending=enum_value(data.direction) == "desc")
