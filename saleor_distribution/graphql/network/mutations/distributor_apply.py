from __future__ import annotations

from typing import Any

import graphene
from django.core.exceptions import ValidationError

from saleor_distribution.graphql.core.mutations import renamed_fields
from saleor_distribution.graphql.network.mutations.common import (
    CustomerMutation,
    DistributorMutationResult,
)
from saleor_distribution.installations.models import Installation
from saleor_distribution.network import actions
from saleor_distribution.reports import fetch as reports

MAX_DISPLAY_NAME = 255
# The action's field → the input's (None: the caller themself).
INPUT_FIELDS = {"inviter_code": "parentCode", "saleor_user_id": "__all__", "paid_spend": "__all__"}


class DistributorApplyInput(graphene.InputObjectType):
    display_name = graphene.String(description="The name shown on the distributor's card.")
    parent_code = graphene.String(description="The inviting distributor's referral code.")


class DistributorApply(CustomerMutation):
    """The signed-in customer applies to become a distributor, under the programme's joining
    mode (active at once, waiting for staff, or once their paid spend reaches the
    threshold). Their upline is the inviter: `parentCode`, else their invitation or
    binding, else the default sponsor."""

    class Arguments:
        input = DistributorApplyInput(required=True)

    Output = DistributorMutationResult

    @classmethod
    def act(cls, info: Any, installation: Installation, **data: Any) -> DistributorMutationResult:
        token = info.context.viewer.token
        input = data["input"]
        try:
            distributor = actions.apply(
                installation,
                saleor_user_id=token.user_id,
                email=token.email,
                display_name=(input.get("display_name") or "").strip()[:MAX_DISPLAY_NAME],
                inviter_code=(input.get("parent_code") or "").strip() or None,
                paid_spend=reports.customer_paid_spend(installation, token.user_id),
            )
        except ValidationError as exc:
            raise renamed_fields(exc, INPUT_FIELDS) from exc
        return DistributorMutationResult(distributor=distributor, errors=[])
