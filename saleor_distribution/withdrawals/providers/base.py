"""The payout provider interface, shared by WeChat Pay, Alipay, manual bank transfers and the
development dummy.

A provider is built per installation from its stored `ProviderConfig` (see `build_provider`,
which keeps it, per thread, for as long as that configuration is unchanged). It speaks
money as `Money` at its edges and converts to fen or yuan strings itself. Every answer
becomes a `PayoutResult`; anything that leaves the outcome unknown (a timeout, a 5xx, an
unverifiable answer) raises a retryable `PayoutError`, after which the caller queries with
the same payout number.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from saleor_distribution.core.money import Money, currency_digits, is_quantized
from saleor_distribution.core.secrets import Secret


class PayoutStatus(StrEnum):
    SUBMITTED = "submitted"  # accepted or processing
    AWAITING_USER_CONFIRMATION = "awaiting_user_confirmation"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLING = "cancelling"
    CANCELLED = "cancelled"
    NOT_FOUND = "not_found"  # a query: the provider has no payout with this number


FINAL_PAYOUT_STATUSES = frozenset(
    {PayoutStatus.SUCCEEDED, PayoutStatus.FAILED, PayoutStatus.CANCELLED}
)


class PayoutError(Exception):
    """Any failure of a provider call. `retryable` means the outcome is unknown or the cause
    is passing (network, timeout, 5xx, "system busy"): query with the same number before
    anything else. Not retryable: the provider refused the request (bad parameters, closed
    account, signature or configuration errors)."""

    def __init__(
        self, code: str, message: str, *, provider_message: str = "", retryable: bool
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.provider_message = provider_message
        self.retryable = retryable


class InvalidNotification(Exception):
    """A notification that failed verification (signature, time window, decryption, wrong
    merchant): refused, and nothing changes."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Payee:
    kind: str  # PayeeKind value
    identity: Secret  # openid, Alipay user id or logon id, bank account number
    real_name: Secret | None = None
    wechat_appid: str = ""
    bank_name: str = ""


@dataclass(frozen=True)
class PayoutRequest:
    number: str
    amount: Money  # net: what the payee receives
    payee: Payee | None
    remark: str = ""


@dataclass(frozen=True)
class PayoutResult:
    number: str
    status: PayoutStatus
    provider_state: str = ""  # the provider's own word for the state
    provider_reference: str = ""  # transfer_bill_no, order_id, a bank reference
    amount: Money | None = None  # as the provider reports it, when it does
    package_info: str = ""
    failure_code: str = ""
    failure_reason: str = ""
    # The provider's answer without identities or names, for the audit trail.
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_PAYOUT_STATUSES


@dataclass(frozen=True)
class Requirements:
    currencies: tuple[str, ...]
    minimum: Decimal | None  # per payout, in the provider's currency
    maximum: Decimal | None
    real_name_required: bool


@dataclass(frozen=True)
class ParsedNotification:
    notification_id: str
    event_type: str
    result: PayoutResult | None  # None: an event that is not about a payout


@dataclass(frozen=True)
class Acknowledgement:
    status: int
    content_type: str
    body: bytes


@dataclass(frozen=True)
class ProviderSettings:
    """What a provider is built from: a `ProviderConfig` row, read, plus the call policy."""

    installation_id: int
    options: Mapping[str, Any]
    secrets: Mapping[str, Secret]
    gateway_url: str
    notify_url: str
    connect_timeout_seconds: float
    read_timeout_seconds: float

    def option(self, name: str, default: Any = "") -> Any:
        value = self.options.get(name)
        return default if value in (None, "") else value

    def secret(self, name: str) -> Secret:
        value = self.secrets.get(name)
        if not value:
            raise PayoutError(
                "NOT_CONFIGURED", f"the credential {name} is not set", retryable=False
            )
        return value


class PayoutProvider(ABC):
    channel: ClassVar[str]
    # Option and credential names, for configuration (credentials are write-only).
    option_names: ClassVar[tuple[str, ...]] = ()
    required_options: ClassVar[tuple[str, ...]] = ()
    secret_names: ClassVar[tuple[str, ...]] = ()
    required_secrets: ClassVar[tuple[str, ...]] = ()
    needs_payee: ClassVar[bool] = True
    payee_kinds: ClassVar[tuple[str, ...]] = ()
    # False: no provider to ask (manual transfers); staff record the outcome.
    supports_query: ClassVar[bool] = True
    supports_notifications: ClassVar[bool] = False

    def __init__(self, settings: ProviderSettings) -> None:
        self.settings = settings

    @classmethod
    def check_config(cls, options: Mapping[str, Any], secrets: Mapping[str, Secret]) -> None:
        """Raise `ValueError` naming what is missing or malformed."""
        missing = [name for name in cls.required_options if not options.get(name)]
        missing += [name for name in cls.required_secrets if not secrets.get(name)]
        if missing:
            raise ValueError(f"missing: {', '.join(missing)}")

    @abstractmethod
    def requirements(self, amount: Money) -> Requirements: ...

    @abstractmethod
    def submit(self, request: PayoutRequest) -> PayoutResult:
        """Send the payout. Idempotent on `request.number`: the same number with the same
        contents is the same payout at the provider."""

    @abstractmethod
    def query(self, number: str) -> PayoutResult: ...

    def cancel(self, number: str) -> PayoutResult:
        raise PayoutError(
            "NOT_SUPPORTED", f"{self.channel} payouts cannot be cancelled", retryable=False
        )

    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> ParsedNotification:
        """Verify (and decrypt) a notification, or raise `InvalidNotification`."""
        raise InvalidNotification("NOT_SUPPORTED", f"{self.channel} sends no notifications")

    def acknowledge(self, accepted: bool, message: str = "") -> Acknowledgement:
        """The answer the provider expects: accepted, or please send again."""
        return Acknowledgement(200 if accepted else 400, "text/plain", b"")


def minor_units(amount: Money) -> int:
    """An amount in the currency's minor unit (fen for CNY); only providers call this."""
    assert is_quantized(amount.amount, amount.currency), "payout amounts are quantized"
    return int(amount.amount.scaleb(currency_digits(amount.currency)))


def from_minor_units(value: int, currency: str) -> Money:
    return Money(Decimal(int(value)).scaleb(-currency_digits(currency)), currency)


def major_string(amount: Money) -> str:
    """ "12.34": the amount with exactly the currency's digits (Alipay's yuan strings)."""
    digits = currency_digits(amount.currency)
    return f"{amount.amount:.{digits}f}"
