from __future__ import annotations

from typing import Any

import graphene
from graphene_federation import key

from saleor_distribution.graphql.network.resolvers import visible_distributors
from saleor_distribution.graphql.network.types import Distributor, DistributorCard
from saleor_distribution.network import fetch
from saleor_distribution.network.models import DistributorStatus


# Saleor's `User`, extended with the distributor it is (federation entity, key `id`). No
# descriptions on what Saleor defines too: the supergraph would take ours over Saleor's.
@key("id")
class User(graphene.ObjectType):
    id = graphene.ID(required=True)
    distributor = graphene.Field(Distributor, description="The user's distributor profile.")

    def __resolve_reference(self, info: Any, **kwargs: Any) -> User:
        return User(id=self.id)

    @staticmethod
    def resolve_distributor(root: User, info: Any) -> Any:
        # Only the user themself, or staff who may manage users, see it.
        return visible_distributors(info).filter(saleor_user_id=root.id).first()


class NetworkQueries(graphene.ObjectType):
    distributor_card = graphene.Field(
        DistributorCard,
        code=graphene.String(required=True),
        description="The public card of a referral code's owner (needs Saleor-Api-Url).",
    )

    @staticmethod
    def resolve_distributor_card(root: Any, info: Any, code: str) -> Any:
        installation = info.context.viewer.installation
        if installation is None:
            return None
        distributor = fetch.get_by_code(installation, code)
        if distributor is None or distributor.status != DistributorStatus.ACTIVE:
            return None
        return distributor
