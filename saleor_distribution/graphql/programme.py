"""The network, ledger, reports and audit part of the API, as one Query and one Mutation
mixin for `api.py` (so that file needs one import line for all of it), with the federated
entities it extends (`User`, `Product`)."""

from __future__ import annotations

import graphene

from saleor_distribution.graphql.core.schema import CoreQueries
from saleor_distribution.graphql.ledger.schema import LedgerMutations
from saleor_distribution.graphql.network.schema import (
    NetworkMutations,
    NetworkQueries,
    Product,
    User,
)
from saleor_distribution.graphql.reports.schema import ReportsQueries


class ProgrammeQueries(NetworkQueries, ReportsQueries, CoreQueries, graphene.ObjectType):
    pass


class ProgrammeMutations(NetworkMutations, LedgerMutations, graphene.ObjectType):
    pass


__all__ = ["Product", "ProgrammeMutations", "ProgrammeQueries", "User"]
