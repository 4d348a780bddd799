from __future__ import annotations

from typing import Any

import graphene
from django.core.exceptions import ValidationError

from saleor_distribution.graphql.core.mutations import error_type, refusal, renamed_fields
from saleor_distribution.graphql.network.mutations.common import (
    CODES,
    CustomerMutation,
    NetworkApiErrorCode,
)
from saleor_distribution.graphql.network.types import DistributorCard
from saleor_distribution.installations.models import Installation
from saleor_distribution.network import actions, fetch
from saleor_distribution.network.error_codes import NetworkErrorCode
from saleor_distribution.network.models import BindingSource
from saleor_distribution.reports import fetch as reports

CustomerBindError = error_type("CustomerBind", NetworkApiErrorCode, enum_name=CODES)


class CustomerBindResult(graphene.ObjectType):
    distributor = graphene.Field(DistributorCard, description="Who the customer is bound to.")
    errors = graphene.List(graphene.NonNull(CustomerBindError), required=True)


class CustomerBind(CustomerMutation):
    """Bind the signed-in customer to the owner of a referral code (关系绑定), under the
    programme's binding policy. Refused, changing nothing: an unknown code, one's own code,
    an inactive distributor, or whatever the policy refuses (first touch, protection
    period, new customers only: a customer the shop has seen an order of is not new)."""

    class Arguments:
        code = graphene.String(required=True)

    Output = CustomerBindResult

    @classmethod
    def act(cls, info: Any, installation: Installation, **data: Any) -> CustomerBindResult:
        token = info.context.viewer.token
        distributor = fetch.get_by_code(installation, data["code"])
        if distributor is None:
            raise refusal(
                "code", "No distributor has this referral code.",
                NetworkErrorCode.INVITER_NOT_FOUND.value,
            )
        try:
            result = actions.bind_customer(
                installation,
                distributor=distributor,
                customer_saleor_id=token.user_id,
                customer_email=token.email,
                source=BindingSource.CUSTOMER,
                is_new_customer=not reports.has_ordered(installation, token.user_id),
                code=distributor.code,
            )
        except ValidationError as exc:
            # The action's `distributor` is the API's `code`; `customer` is the caller.
            raise renamed_fields(exc, {"distributor": "code", "customer": "__all__"}) from exc
        return CustomerBindResult(distributor=result.binding.distributor, errors=[])
