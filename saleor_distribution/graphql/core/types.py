"""Types shared by every part of the API: money, and the error shape of mutations."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import graphene
from babel.numbers import get_currency_precision


class DistributionMoney(graphene.ObjectType):
    """An amount of money. The shape of Saleor's `Money`, but `amount` is an exact decimal
    string ("12.30"): balances must never pass through a float. Named apart from Saleor's
    `Money` so the two compose in one supergraph."""

    currency = graphene.String(required=True, description="ISO 4217 currency code.")
    amount = graphene.String(required=True, description='Exact decimal amount, e.g. "12.30".')
    fractional_amount = graphene.Int(
        required=True, description="Amount in the currency's smallest unit (fen, cents)."
    )
    fraction_digits = graphene.Int(required=True, description="Digits after the decimal point.")

    @staticmethod
    def from_amount(amount: Decimal, currency: str) -> dict[str, Any]:
        digits = get_currency_precision(currency)
        quantum = Decimal(1).scaleb(-digits)
        exact = amount.quantize(quantum)
        return {
            "currency": currency,
            "amount": str(exact),
            "fractional_amount": int(exact.scaleb(digits)),
            "fraction_digits": digits,
        }


class Error(graphene.Interface):
    field = graphene.String(description="The input field the error is about, if any.")
    message = graphene.String(required=True)


def errors_from_validation(exc: Any) -> list[dict[str, Any]]:
    """A Django `ValidationError` (field-keyed, with codes) as `errors { field code message }`."""
    result = []
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                result.append(
                    {
                        "field": None if field == "__all__" else _camel(field),
                        "code": error.code,
                        "message": " ".join(error.messages),
                    }
                )
    else:
        for error in exc.error_list:
            result.append({"field": None, "code": error.code, "message": " ".join(error.messages)})
    return result


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
