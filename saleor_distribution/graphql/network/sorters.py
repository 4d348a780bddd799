from __future__ import annotations

import graphene

from saleor_distribution.graphql.core.connection import OrderDirection, SortKey


class DistributorSortField(graphene.Enum):
    SALES = "sales"
    TEAM_SIZE = "team_size"
    JOINED = "joined"
    CODE = "code"

    @property
    def description(self) -> str:
        return {
            "SALES": "Paid sales attributed to the distributor, in `currency`.",
            "TEAM_SIZE": "Everyone below the distributor.",
            "JOINED": "When the distributor joined.",
            "CODE": "The referral code.",
        }[self.name]


class DistributorSortingInput(graphene.InputObjectType):
    field = DistributorSortField(required=True)
    direction = OrderDirection(required=True)
    currency = graphene.String(description="For SALES; default: the latest order's currency.")


# Every key ends with the primary key, so the order is total and a cursor is exact.
SORT_FIELDS = {
    "team_size": ("team_size", "pk"),
    "joined": ("joined_at", "pk"),
    "code": ("code", "pk"),
}
DEFAULT_SORT = SortKey(SORT_FIELDS["joined"], descending=True)


def sort_key(field: str, direction: str) -> SortKey:
    return SortKey(SORT_FIELDS[field], descending=direction == "desc")
