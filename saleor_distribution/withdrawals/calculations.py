"""Pure rules of withdrawals: fees, daily windows, polling backoff, the masks shown to
people, and what our state, the provider's and the ledger's must be to agree."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from saleor_distribution.core.money import Money, quantize
from saleor_distribution.core.secrets import MASK

QUERY_BACKOFF_BASE = timedelta(seconds=30)
QUERY_BACKOFF_MAX = timedelta(hours=1)
PAYOUT_NUMBER_PREFIX = "SD"
PAYOUT_NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def fee_for(amount: Money, *, rate: Decimal, fixed: Decimal) -> Money:
    """The fee on a gross amount: rate x amount, rounded down to the minor unit, plus the
    fixed part. Rounding down means the payee never pays a fraction of a fen too much."""
    assert rate >= 0 and fixed >= 0
    fee = quantize(amount.amount * rate, amount.currency) + quantize(fixed, amount.currency)
    return Money(fee, amount.currency)


def day_start(now: datetime, time_zone: str) -> datetime:
    """Midnight of `now`'s calendar day in `time_zone`, as an aware datetime."""
    local = timezone.localtime(now, ZoneInfo(time_zone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def query_delay(attempts: int) -> timedelta:
    """Wait before the next query of an unfinished payout: 30 s doubling to at most 1 h."""
    return min(QUERY_BACKOFF_BASE * (2 ** min(attempts, 16)), QUERY_BACKOFF_MAX)


def new_payout_number(now: datetime) -> str:
    """`SD` + UTC date + 20 random characters: 30 letters and digits, within WeChat's and
    Alipay's 32, unique without a database sequence and not guessable."""
    body = "".join(secrets.choice(PAYOUT_NUMBER_ALPHABET) for _ in range(20))
    return f"{PAYOUT_NUMBER_PREFIX}{now.astimezone(ZoneInfo('UTC')):%Y%m%d}{body}"


def mask_name(name: str) -> str:
    """张三 → *三, 欧阳娜娜 → ***娜, Li Lei → ****i."""
    name = name.strip()
    if len(name) <= 1:
        return "*"
    return "*" * (len(name) - 1) + name[-1]


def mask_identity(value: str) -> str:
    """Phone 138••••5678, e-mail a••@example.com, anything else ••••last4."""
    value = value.strip()
    if "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:1]}••@{domain}"
    if value.isdigit() and len(value) == 11:
        return f"{value[:3]}••••{value[-4:]}"
    if len(value) <= 8:
        return MASK
    return MASK + value[-4:]


# --- Reconciliation ----------------------------------------------------------------------

LEDGER_NONE = "none"
LEDGER_HELD = "held"
LEDGER_PAID = "paid"
LEDGER_RELEASED = "released"
LEDGER_INCONSISTENT = "inconsistent"


@dataclass(frozen=True)
class LedgerTrace:
    """What the ledger holds for one withdrawal: the sums of its three kinds of moves (each
    a positive amount into withdrawing / paid / available)."""

    held: Decimal
    paid: Decimal
    released: Decimal

    def state(self, amount: Decimal) -> str:
        if self.held == 0 and self.paid == 0 and self.released == 0:
            return LEDGER_NONE
        if self.held != amount:
            return LEDGER_INCONSISTENT
        if self.paid == 0 and self.released == 0:
            return LEDGER_HELD
        if self.paid == amount and self.released == 0:
            return LEDGER_PAID
        if self.released == amount and self.paid == 0:
            return LEDGER_RELEASED
        return LEDGER_INCONSISTENT


# Our status → the ledger state it implies.
EXPECTED_LEDGER = {
    "requested": LEDGER_HELD,
    "approved": LEDGER_HELD,
    "submitting": LEDGER_HELD,
    "submitted": LEDGER_HELD,
    "awaiting_confirmation": LEDGER_HELD,
    "cancelling": LEDGER_HELD,
    "paid": LEDGER_PAID,
    "failed": LEDGER_RELEASED,
    "cancelled": LEDGER_RELEASED,
    "rejected": LEDGER_RELEASED,
}
# Our status → the provider statuses that agree with it ("not_sent": never sent, not asked;
# "not_applicable": no provider to ask, such as manual transfers).
EXPECTED_PROVIDER = {
    "requested": {"not_sent"},
    "approved": {"not_sent", "not_found"},
    "submitting": {"not_found", "submitted", "awaiting_user_confirmation"},
    "submitted": {"submitted"},
    "awaiting_confirmation": {"awaiting_user_confirmation"},
    "cancelling": {"cancelling", "awaiting_user_confirmation"},
    "paid": {"succeeded"},
    "failed": {"failed", "not_found"},
    "cancelled": {"cancelled"},
    "rejected": {"not_sent", "not_found"},
}
NOT_SENT = "not_sent"
NOT_APPLICABLE = "not_applicable"
QUERY_FAILED = "query_failed"


def disagreements(
    *,
    our_status: str,
    provider_status: str,
    ledger_state: str,
    net_amount: Decimal,
    provider_amount: Decimal | None,
    currency: str,
) -> list[str]:
    """Every way the three views of one payout disagree; empty when they agree."""
    problems = []
    if ledger_state != EXPECTED_LEDGER[our_status]:
        problems.append(f"ledger is {ledger_state}, expected {EXPECTED_LEDGER[our_status]}")
    if provider_status == QUERY_FAILED:
        problems.append("provider could not be asked")
    elif provider_status != NOT_APPLICABLE and provider_status not in EXPECTED_PROVIDER[our_status]:
        problems.append(f"provider says {provider_status}, we say {our_status}")
    if provider_amount is not None and provider_amount != net_amount:
        problems.append(
            f"provider amount {quantize(provider_amount, currency)} differs from "
            f"{quantize(net_amount, currency)}"
        )
    return problems
