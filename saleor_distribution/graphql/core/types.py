"""Types shared by every part of the API: money, and the error shape of mutations."""

from __future__ import annotations

import re
from decimal import Decimal
from enum import Enum
from typing import Any

import graphene
from babel.numbers import is_currency
from django.core.exceptions import ValidationError
from graphql_relay import from_global_id

from saleor_distribution.core.money import currency_digits, minor_unit


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
        digits = currency_digits(currency)
        exact = amount.quantize(minor_unit(currency))
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


class DistributionMoneyInput(graphene.InputObjectType):
    amount = graphene.String(required=True, description='Exact decimal amount, e.g. "12.30".')
    currency = graphene.String(required=True, description="ISO 4217 currency code.")


# Plain decimal notation only: no exponent, no NaN or infinity, at most the 3 places a
# money column stores.
AMOUNT_RE = re.compile(r"^[+-]?[0-9]{1,17}(\.[0-9]{1,3})?$")


def parse_amount(value: Any, field: str, code: str) -> Decimal:
    """A money amount sent as a decimal string ("12.30"); anything else is refused."""
    if not isinstance(value, str) or not AMOUNT_RE.fullmatch(value.strip()):
        raise ValidationError(
            {field: ValidationError('Send the amount as a decimal string, e.g. "12.30".',
                                    code=code)}
        )
    return Decimal(value.strip())


def parse_currency(value: Any, field: str, code: str) -> str:
    if not isinstance(value, str) or len(value) != 3 or not value.isupper() or not is_currency(
        value
    ):
        raise ValidationError(
            {field: ValidationError("Not an ISO 4217 currency code.", code=code)}
        )
    return value


def choice_value(value: Any) -> Any:
    """A model field's stored value: instances written in this request may hold the
    `TextChoices` member, which a GraphQL enum does not take for its value."""
    return value.value if isinstance(value, Enum) else value


def global_id_pk(value: Any, type_name: str) -> int | None:
    """The primary key in a global id of `type_name`, or None (malformed, another type)."""
    if not isinstance(value, str):
        return None
    try:
        kind, pk = from_global_id(value)
    except (ValueError, TypeError, UnicodeDecodeError):
        return None
    if kind != type_name or not (pk.isascii() and pk.isdigit()) or len(pk) > 18:
        return None
    return int(pk)
