from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import graphene

from saleor_distribution.core.money import Money
from saleor_distribution.graphql.core.mutations import PermissionDenied, require_customer
from saleor_distribution.graphql.core.results import enum_value, refuse, run_mutation
from saleor_distribution.graphql.withdrawals.enums import WithdrawalErrorCode
from saleor_distribution.graphql.withdrawals.mutations.results import WithdrawalMutationResult
from saleor_distribution.graphql.withdrawals.resolvers import viewer_distributor
from saleor_distribution.graphql.withdrawals.types import PayoutChannelEnum
from saleor_distribution.network.models import Distributor
from saleor_distribution.withdrawals import actions
from saleor_distribution.withdrawals.error_codes import WithdrawalErrorCode as DomainCodes

# A decimal string: digits, an optional fraction, an optional sign. No exponent, no
# "NaN"/"Infinity", no float formatting.
DECIMAL_RE = re.compile(r"^[+-]?\d{1,17}(\.\d{1,6})?$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


def parse_money(amount: str, currency: str) -> Money:
    """A money input ("12.30", "CNY") as Money; anything else is refused with a code. The
    sign and the minor unit are the domain's to judge."""
    text = (amount or "").strip()
    if not DECIMAL_RE.match(text):
        raise refuse(
            "amount",
            'Give the amount as a decimal string, e.g. "12.30".',
            DomainCodes.INVALID_AMOUNT.value,
        )
    if not CURRENCY_RE.match(currency or ""):
        raise refuse(
            "currency",
            "Give an ISO 4217 currency code, e.g. CNY.",
            DomainCodes.CURRENCY_NOT_SUPPORTED.value,
        )
    return Money(Decimal(text), currency)


def own_distributor(info: Any) -> Distributor:
    require_customer(info)
    distributor = viewer_distributor(info)
    if distributor is None:
        raise PermissionDenied("Only a distributor can do this.")
    return distributor


class WithdrawalRequest(graphene.Mutation):
    """Ask for money out of your available balance (the signed-in distributor). The amount
    is held at once; under the shop's threshold it is approved at once too."""

    class Arguments:
        amount = graphene.String(required=True, description='Gross amount, e.g. "100.00".')
        currency = graphene.String(required=True)
        channel = PayoutChannelEnum(required=True)
        request_key = graphene.String(
            description="Your key for this request: asking again with it returns the first "
            "withdrawal (a double tap creates one)."
        )

    Output = WithdrawalMutationResult

    @staticmethod
    def mutate(
        root: Any,
        info: Any,
        amount: str,
        currency: str,
        channel: Any,
        request_key: str | None = None,
    ) -> WithdrawalMutationResult:
        def body() -> dict[str, Any]:
            distributor = own_distributor(info)
            money = parse_money(amount, currency)
            if request_key is not None and not 1 <= len(request_key) <= 64:
                raise refuse("requestKey", "1 to 64 characters.", DomainCodes.INVALID.value)
            withdrawal = actions.request_withdrawal(
                distributor.installation,
                distributor,
                amount=money,
                channel=enum_value(channel),
                request_key=request_key or "",
            )
            withdrawal.refresh_from_db()  # an auto-approved one was submitted after commit
            return {"withdrawal": withdrawal}

        return run_mutation(WithdrawalMutationResult, WithdrawalErrorCode, body)
