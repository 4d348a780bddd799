from __future__ import annotations

from typing import Any

import graphene

from saleor_distribution.network import models


class DistributorStatusEnum(graphene.Enum):
    APPLIED = models.DistributorStatus.APPLIED.value
    ACTIVE = models.DistributorStatus.ACTIVE.value
    SUSPENDED = models.DistributorStatus.SUSPENDED.value
    REJECTED = models.DistributorStatus.REJECTED.value


class DistributorCard(graphene.ObjectType):
    """What anyone may see of a referral code's owner (for a landing page)."""

    code = graphene.String(required=True)
    display_name = graphene.String(required=True)

    @staticmethod
    def resolve_display_name(root: models.Distributor, info: Any) -> str:
        # Never the email: a public card shows only the name the distributor chose.
        return root.display_name or root.code


class Distributor(graphene.ObjectType):
    """A distributor (分销员), as the distributor themself or staff see it."""

    class Meta:
        interfaces = (graphene.relay.Node,)

    code = graphene.String(required=True)
    status = graphene.Field(DistributorStatusEnum, required=True)
    display_name = graphene.String(required=True)
    email = graphene.String(required=True)
    depth = graphene.Int(required=True, description="How many uplines the distributor has.")
    joined_at = graphene.DateTime(required=True)
    approved_at = graphene.DateTime()

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, models.Distributor)

    @classmethod
    def get_node(cls, info: Any, id: str) -> models.Distributor | None:
        from saleor_distribution.graphql.network.resolvers import visible_distributors

        return visible_distributors(info).filter(pk=id).first()

    @staticmethod
    def resolve_status(root: models.Distributor, info: Any) -> str:
        return root.status
