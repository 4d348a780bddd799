from __future__ import annotations

import uuid
from typing import Any

import graphene

from saleor_distribution.core.audit import Actor
from saleor_distribution.core.money import Money
from saleor_distribution.graphql.core.mutations import (
    DistributionMutation,
    error_codes,
    error_type,
    refusal,
    require_staff_permission,
)
from saleor_distribution.graphql.core.types import global_id_pk, parse_amount, parse_currency
from saleor_distribution.graphql.ledger.resolvers import MANAGE_ORDERS
from saleor_distribution.graphql.ledger.types import LedgerBucketEnum, LedgerEntry
from saleor_distribution.ledger import actions
from saleor_distribution.ledger.error_codes import LedgerErrorCode
from saleor_distribution.network.models import Distributor

LedgerApiErrorCode = error_codes(
    "LedgerApiErrorCode", LedgerErrorCode, REQUEST_CONFLICT="request_conflict"
)
LedgerError = error_type("Ledger", LedgerApiErrorCode)
INVALID_AMOUNT = LedgerErrorCode.INVALID_AMOUNT.value


class LedgerAdjustResult(graphene.ObjectType):
    entry = graphene.Field(LedgerEntry)
    errors = graphene.List(graphene.NonNull(LedgerError), required=True)


class LedgerAdjust(DistributionMutation):
    """Correct a distributor's balance with one signed ledger entry and a reason
    (MANAGE_ORDERS); audited. Send a `requestId` to make retries safe: the same id posts
    once, and the same id with other values is refused (REQUEST_CONFLICT). A debit may not
    take the bucket below zero."""

    class Arguments:
        distributor_id = graphene.ID(required=True)
        amount = graphene.String(required=True, description='Signed, e.g. "-12.30".')
        currency = graphene.String(required=True)
        reason = graphene.String(required=True)
        bucket = graphene.Argument(LedgerBucketEnum, default_value=LedgerBucketEnum.AVAILABLE)
        request_id = graphene.String(description="The client's id of this request.")

    Output = LedgerAdjustResult
    error_codes = LedgerApiErrorCode

    @classmethod
    def perform(cls, root: Any, info: Any, **data: Any) -> LedgerAdjustResult:
        require_staff_permission(info, MANAGE_ORDERS)
        viewer = info.context.viewer
        pk = global_id_pk(data["distributor_id"], "Distributor")
        distributor = (
            Distributor.objects.filter(installation=viewer.installation, pk=pk).first()
            if pk is not None
            else None
        )
        if distributor is None:
            raise refusal("distributorId", "No such distributor.", "not_found")
        value = parse_amount(data["amount"], "amount", INVALID_AMOUNT)
        code = parse_currency(data["currency"], "currency", "invalid")
        request_id = data.get("request_id")
        try:
            result = actions.adjust_balance_for_staff(
                distributor,
                Money(value, code),
                bucket=data["bucket"].value,
                reason=data["reason"],
                actor=Actor.staff(viewer.token.user_id, viewer.token.email),
                request_id=request_id if request_id is not None else str(uuid.uuid4()),
            )
        except actions.IdempotencyConflict:
            raise refusal(
                "requestId", "This request id was used for another adjustment.",
                "request_conflict",
            ) from None
        return LedgerAdjustResult(entry=result.entries[0], errors=[])
