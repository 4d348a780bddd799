"""Money: a `Decimal` amount with its currency, never a float.

Amounts are computed at full precision and quantized once, to the currency's minor unit
(JPY 0 digits, CNY/USD 2, KWD 3; from CLDR through babel). Commissions round down so that
rounding can never push a sum above a cap. Adding two currencies raises.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from functools import lru_cache

from babel.numbers import get_currency_precision

ZERO = Decimal(0)


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies were combined."""


def check_currency(currency: str) -> str:
    if len(currency) != 3 or not currency.isalpha() or not currency.isupper():
        raise ValueError(f"not an ISO 4217 currency code: {currency!r}")
    return currency


@lru_cache(maxsize=256)
def currency_digits(currency: str) -> int:
    """Digits of the currency's minor unit (CLDR); a pure function of the code."""
    return int(get_currency_precision(check_currency(currency)))


@lru_cache(maxsize=256)
def minor_unit(currency: str) -> Decimal:
    return Decimal(1).scaleb(-currency_digits(currency))


def quantize(amount: Decimal, currency: str, rounding: str = ROUND_DOWN) -> Decimal:
    """`amount` rounded to the currency's minor unit (down by default)."""
    assert isinstance(amount, Decimal), "money is Decimal, never float"
    return amount.quantize(minor_unit(currency), rounding=rounding)


def is_quantized(amount: Decimal, currency: str) -> bool:
    return amount == quantize(amount, currency)


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError("Money.amount must be a Decimal")
        check_currency(self.currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(ZERO, currency)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError("can only combine Money with Money")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def quantized(self, rounding: str = ROUND_DOWN) -> Money:
        return Money(quantize(self.amount, self.currency, rounding), self.currency)

    @property
    def is_quantized(self) -> bool:
        return is_quantized(self.amount, self.currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
