"""The app's GraphQL schema: an Apollo Federation subgraph that extends Saleor's entities.

`graphql/schema.graphql` is this schema's exported SDL (`saleor-distribution manage
export_schema`); a test fails when it is stale.
"""

from __future__ import annotations

from typing import Any

import graphene
from graphene_federation import STABLE_VERSION, build_schema, shareable

from saleor_distribution.graphql.money import MoneyMutations, MoneyQueries, Order
from saleor_distribution.graphql.programme import (
    Product,
    ProgrammeMutations,
    ProgrammeQueries,
    User,
)


class Query(MoneyQueries, ProgrammeQueries, graphene.ObjectType):
    # The signed-in Saleor user; also Saleor's root field, hence shareable (and undescribed).
    me = shareable(graphene.Field(User))
    node = graphene.relay.Node.Field()

    @staticmethod
    def resolve_me(root: Any, info: Any) -> User | None:
        viewer = info.context.viewer
        return User(id=viewer.user_id) if viewer.token is not None else None


class Mutation(MoneyMutations, ProgrammeMutations, graphene.ObjectType):
    pass


schema = build_schema(
    query=Query,
    mutation=Mutation,
    types=[User, Order, Product],
    federation_version=STABLE_VERSION,
)
