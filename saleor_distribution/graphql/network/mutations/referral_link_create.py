from __future__ import annotations

from typing import Any

import graphene

from saleor_distribution.graphql.core.mutations import error_type, refusal
from saleor_distribution.graphql.network.dataloaders import ReferralLinksLoader
from saleor_distribution.graphql.network.mutations.common import (
    CODES,
    CustomerMutation,
    NetworkApiErrorCode,
)
from saleor_distribution.graphql.network.resolvers import viewer_distributor
from saleor_distribution.graphql.network.types import ReferralLink
from saleor_distribution.installations.models import Installation
from saleor_distribution.network import actions
from saleor_distribution.network.error_codes import NetworkErrorCode

ReferralLinkError = error_type("ReferralLink", NetworkApiErrorCode, enum_name=CODES)


class ReferralLinkMutationResult(graphene.ObjectType):
    referral_link = graphene.Field(ReferralLink)
    errors = graphene.List(graphene.NonNull(ReferralLinkError), required=True)


class ReferralLinkCreate(CustomerMutation):
    """The signed-in distributor makes a share link for a product (or a channel's shop,
    without `productId`); it is then listed in `referralLinks` with its clicks and orders."""

    class Arguments:
        product_id = graphene.ID(description="Saleor's product id; null: the shop link.")
        channel = graphene.String(required=True, description="The channel's slug.")

    Output = ReferralLinkMutationResult

    @classmethod
    def act(cls, info: Any, installation: Installation, **data: Any) -> ReferralLinkMutationResult:
        distributor = viewer_distributor(info)
        if distributor is None:
            raise refusal(None, "Only distributors share links.", NetworkErrorCode.NOT_FOUND.value)
        link = actions.create_referral_link(
            distributor, channel=data["channel"].strip(), product=data.get("product_id") or ""
        )
        found = next(
            item for item in ReferralLinksLoader.for_request(info).load(distributor)
            if item["key"] == (link.channel, link.product)
        )
        return ReferralLinkMutationResult(referral_link=found, errors=[])
