"""The commissions and withdrawals part of the API, as one Query and one Mutation mixin
for `api.py` (so that file needs one import line for all of it)."""

from __future__ import annotations

import graphene

from saleor_distribution.graphql.commissions.schema import (
    CommissionMutations,
    CommissionQueries,
    Order,
)
from saleor_distribution.graphql.withdrawals.schema import WithdrawalMutations, WithdrawalQueries


class MoneyQueries(CommissionQueries, WithdrawalQueries, graphene.ObjectType):
    pass


class MoneyMutations(CommissionMutations, WithdrawalMutations, graphene.ObjectType):
    pass


__all__ = ["MoneyMutations", "MoneyQueries", "Order"]
