"""State changes of withdrawals and payouts.

    requested ─▶ approved ─▶ submitting ─▶ submitted ─▶ awaiting_confirmation ─▶ paid
        │           │  ▲          │            │                 │             failed
        ▼           ▼  └─(not at the provider: sent again, same number)        cancelled
     rejected    rejected (only if never sent)

A request holds the amount in the ledger (available → withdrawing) in the same transaction
that creates the withdrawal and its payout number. Paid posts the hold (withdrawing → paid);
failed, cancelled and rejected void it (withdrawing → available).

Never pay twice:
- the payout number is committed with the withdrawal, long before a provider hears of it,
  and never changes; a retry or a query always uses it;
- a worker claims approved withdrawals with a conditional UPDATE (approved → submitting)
  over rows it locked with SKIP LOCKED, and commits before calling the provider, so of
  two workers only one calls for each;
- no provider is called while a row lock is held: claim and commit, call, then record the
  answers in a second transaction (a batch's answers together, each with its own ledger
  keys; one by one if the batch cannot be recorded);
- an answer that leaves the outcome unknown (timeout, 5xx, unverifiable) is followed by a
  query with the same number; only a query that finds nothing lets it be sent again (same
  number), and only a refusal the query confirms fails it.

Refusals raise `ValidationError({field: ValidationError(message, code=WithdrawalErrorCode.X)})`
and change nothing.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from saleor_distribution.core.db import insert_returning_pks, update_rows
from saleor_distribution.core.money import Money, check_currency, is_quantized, quantize
from saleor_distribution.core.secrets import Secret
from saleor_distribution.installations.models import Installation
from saleor_distribution.ledger import actions as ledger
from saleor_distribution.ledger.error_codes import LedgerErrorCode
from saleor_distribution.ledger.lock_objects import accounts_for_update
from saleor_distribution.ledger.models import Account, EntryCode
from saleor_distribution.network.models import Distributor, DistributorStatus
from saleor_distribution.withdrawals import events, fetch
from saleor_distribution.withdrawals.calculations import (
    day_start,
    fee_for,
    mask_identity,
    mask_name,
    new_payout_number,
    query_delay,
)
from saleor_distribution.withdrawals.error_codes import WithdrawalErrorCode
from saleor_distribution.withdrawals.lock_objects import (
    withdrawal_for_update,
    withdrawals_for_update,
)
from saleor_distribution.withdrawals.models import (
    FINAL_STATUSES,
    EventType,
    PayeeAccount,
    PayeeKind,
    PayoutChannel,
    PayoutNotification,
    ProviderConfig,
    Withdrawal,
    WithdrawalEvent,
    WithdrawalRules,
    WithdrawalStatus,
)
from saleor_distribution.withdrawals.providers import build_provider, provider_class
from saleor_distribution.withdrawals.providers.base import (
    ParsedNotification,
    Payee,
    PayoutError,
    PayoutProvider,
    PayoutRequest,
    PayoutResult,
    PayoutStatus,
)
from saleor_distribution.withdrawals.providers.wechat_login import WeChatLoginError, exchange_code

logger = logging.getLogger(__name__)

# A claim older than this belongs to a worker that died mid-call (provider calls time out
# in seconds): the poller asks the provider, and sends again (same number) if it has nothing.
STALE_CLAIM = timedelta(minutes=5)
# An approved withdrawal whose submission nudge was lost is picked up by the poller.
SUBMIT_SWEEP_AFTER = timedelta(minutes=2)
MAX_SUBMIT_ATTEMPTS = 5
MAX_BATCH = 500
# Approved payouts one task claims, sends and records together. Its provider calls are
# made one after the other, so this bounds how long one batch keeps a worker (10 x a
# 100-300 ms gateway) while the other workers take the next batches; the commits saved
# matter only when the gateway answers fast.
SUBMIT_BATCH = 10
UNKNOWN_STATE = "UNKNOWN"
UNCLAIMED_REASON = "Not confirmed by the payee in time; the money is back in the balance."

STATUS_FOR_RESULT = {
    PayoutStatus.SUBMITTED: WithdrawalStatus.SUBMITTED,
    PayoutStatus.AWAITING_USER_CONFIRMATION: WithdrawalStatus.AWAITING_CONFIRMATION,
    PayoutStatus.CANCELLING: WithdrawalStatus.CANCELLING,
    PayoutStatus.SUCCEEDED: WithdrawalStatus.PAID,
    PayoutStatus.FAILED: WithdrawalStatus.FAILED,
    PayoutStatus.CANCELLED: WithdrawalStatus.CANCELLED,
}
EVENT_FOR_STATUS = {
    WithdrawalStatus.PAID: EventType.PAID,
    WithdrawalStatus.FAILED: EventType.FAILED,
    WithdrawalStatus.CANCELLED: EventType.CANCELLED,
}
PAYEE_KINDS = {
    PayoutChannel.WECHAT: (PayeeKind.WECHAT_OPENID,),
    PayoutChannel.ALIPAY: (PayeeKind.ALIPAY_USER_ID, PayeeKind.ALIPAY_LOGON_ID),
    PayoutChannel.MANUAL: (PayeeKind.BANK_ACCOUNT,),
}
OPENID_RE = re.compile(r"^[A-Za-z0-9_-]{6,64}$")
ALIPAY_USER_ID_RE = re.compile(r"^2088\d{12}$")
PHONE_RE = re.compile(r"^1\d{10}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
BANK_ACCOUNT_RE = re.compile(r"^\d{8,32}$")


def _invalid(
    field_name: str, message: str, code: WithdrawalErrorCode, **params: Any
) -> ValidationError:
    return ValidationError(
        {field_name: ValidationError(message, code=code.value, params=params or None)}
    )


# --- Provider configuration --------------------------------------------------------------


@dataclass(frozen=True)
class ProviderChange:
    """The new settings of one payout channel, for `configure_providers`."""

    options: Mapping[str, Any]
    credentials: Mapping[str, str | None] | None = None
    is_active: bool = True
    gateway_url: str = ""


def _checked_provider_config(
    installation: Installation, channel: str, change: ProviderChange
) -> tuple[dict[str, Any], Secret | None]:
    """The options and the encrypted credentials to store for `change`, once checked."""
    try:
        cls = provider_class(channel)
    except ValueError as exc:
        raise _invalid("channel", "Unknown channel.", WithdrawalErrorCode.INVALID) from exc
    credentials = change.credentials or {}
    unknown = sorted(set(change.options) - set(cls.option_names))
    unknown_secrets = sorted(set(credentials) - set(cls.secret_names))
    if unknown or unknown_secrets:
        raise _invalid(
            "options",
            "Unknown settings: %(names)s.",
            WithdrawalErrorCode.INVALID_PROVIDER_CONFIG,
            names=", ".join(unknown + unknown_secrets),
        )
    if change.gateway_url and not change.gateway_url.startswith(("https://", "http://")):
        raise _invalid(
            "gateway_url",
            "The gateway is an http(s) URL.",
            WithdrawalErrorCode.INVALID_PROVIDER_CONFIG,
        )
    existing = fetch.get_provider_config(installation, channel, active_only=False)
    merged: dict[str, Secret] = dict(existing.secrets()) if existing else {}
    for name, value in credentials.items():
        if value is None:
            merged.pop(name, None)
        elif value != "":
            merged[name] = Secret(value)
    clean_options = {k: v for k, v in change.options.items() if v not in (None, "")}
    try:
        cls.check_config(clean_options, merged)
    except ValueError as exc:
        raise _invalid(
            "options", "%(problem)s", WithdrawalErrorCode.INVALID_PROVIDER_CONFIG, problem=str(exc)
        ) from exc
    secret_blob = Secret(json.dumps({k: v.reveal() for k, v in merged.items()})) if merged else None
    return clean_options, secret_blob


def _save_provider_config(
    installation: Installation,
    channel: str,
    change: ProviderChange,
    checked: tuple[dict[str, Any], Secret | None],
    staff_user_id: str,
) -> ProviderConfig:
    clean_options, secret_blob = checked
    config, _ = ProviderConfig.objects.update_or_create(
        installation=installation,
        channel=channel,
        defaults={
            "is_active": change.is_active,
            "options": clean_options,
            "credentials": secret_blob,
            "gateway_url": change.gateway_url,
            "updated_at": timezone.now(),
            "updated_by": staff_user_id,
        },
    )
    events.subject_event(
        installation.pk,
        EventType.PROVIDER_CONFIGURED,
        actor=events.staff(staff_user_id),
        subject=f"provider:{channel}",
        data={
            "is_active": change.is_active,
            "options": sorted(clean_options),
            "credentials_changed": sorted(change.credentials or {}),
        },
    )
    return config


def configure_provider(
    installation: Installation,
    channel: str,
    *,
    options: Mapping[str, Any],
    credentials: Mapping[str, str | None] | None = None,
    is_active: bool = True,
    gateway_url: str = "",
    staff_user_id: str,
) -> ProviderConfig:
    """Set a payout channel's options and credentials. Credentials are write-only: a name
    given with a value replaces the stored one, a name given as None removes it, a name not
    given keeps it. The merged result must load (keys parse, required fields present)."""
    change = ProviderChange(
        options=options, credentials=credentials, is_active=is_active, gateway_url=gateway_url
    )
    checked = _checked_provider_config(installation, channel, change)
    with transaction.atomic(durable=True):
        return _save_provider_config(installation, channel, change, checked, staff_user_id)


def configure_providers(
    installation: Installation, changes: Mapping[str, ProviderChange], *, staff_user_id: str
) -> list[ProviderConfig]:
    """Set several channels at once, as `configure_provider` does each: every change is
    checked before any is stored, so one refused channel leaves all of them as they were."""
    checked = {
        channel: _checked_provider_config(installation, channel, change)
        for channel, change in changes.items()
    }
    with transaction.atomic(durable=True):
        return [
            _save_provider_config(installation, channel, change, checked[channel], staff_user_id)
            for channel, change in changes.items()
        ]


def _decimal(value: Any, field_name: str, *, allow_none: bool = True) -> Decimal | None:
    if value is None or value == "":
        if allow_none:
            return None
        raise _invalid(field_name, "Required.", WithdrawalErrorCode.REQUIRED)
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise _invalid(field_name, "Not a number.", WithdrawalErrorCode.INVALID) from exc
    if not number.is_finite() or number < 0:
        raise _invalid(field_name, "Must be 0 or more.", WithdrawalErrorCode.INVALID)
    return number


def set_withdrawal_rules(
    installation: Installation,
    currency: str,
    *,
    staff_user_id: str,
    enabled: bool = True,
    min_amount: Any,
    max_amount: Any = None,
    fee_rate: Any = 0,
    fee_fixed: Any = 0,
    daily_count_limit: int | None = None,
    daily_amount_limit: Any = None,
    auto_approve_max: Any = None,
    channels: Iterable[str] = (),
    real_name_required_from: Any = None,
    day_time_zone: str = "Asia/Shanghai",
) -> WithdrawalRules:
    """Create or replace the rules of one currency. Amounts must be in the currency's minor
    unit; the fee rate is a fraction (0.006 = 0.6 %)."""
    try:
        check_currency(currency)
    except ValueError as exc:
        raise _invalid("currency", "Not an ISO 4217 code.", WithdrawalErrorCode.INVALID) from exc
    amounts = {
        "min_amount": _decimal(min_amount, "min_amount", allow_none=False),
        "max_amount": _decimal(max_amount, "max_amount"),
        "fee_fixed": _decimal(fee_fixed, "fee_fixed", allow_none=False),
        "daily_amount_limit": _decimal(daily_amount_limit, "daily_amount_limit"),
        "auto_approve_max": _decimal(auto_approve_max, "auto_approve_max"),
        "real_name_required_from": _decimal(real_name_required_from, "real_name_required_from"),
    }
    for name, value in amounts.items():
        if value is not None and not is_quantized(value, currency):
            raise _invalid(
                name,
                "Use the currency's minor unit (%(currency)s).",
                WithdrawalErrorCode.INVALID,
                currency=currency,
            )
    minimum = amounts["min_amount"]
    assert minimum is not None
    if minimum <= 0:
        raise _invalid("min_amount", "The minimum must be above 0.", WithdrawalErrorCode.INVALID)
    if amounts["max_amount"] is not None and amounts["max_amount"] < minimum:
        raise _invalid(
            "max_amount", "The maximum is below the minimum.", WithdrawalErrorCode.INVALID
        )
    rate = _decimal(fee_rate, "fee_rate", allow_none=False)
    assert rate is not None
    if rate >= 1:
        raise _invalid(
            "fee_rate", "The fee rate is a fraction below 1.", WithdrawalErrorCode.INVALID
        )
    if daily_count_limit is not None and daily_count_limit < 1:
        raise _invalid("daily_count_limit", "At least 1, or none.", WithdrawalErrorCode.INVALID)
    channel_list = list(dict.fromkeys(channels))
    if any(c not in PayoutChannel.values for c in channel_list):
        raise _invalid("channels", "Unknown channel.", WithdrawalErrorCode.INVALID)
    try:
        ZoneInfo(day_time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise _invalid("day_time_zone", "Unknown time zone.", WithdrawalErrorCode.INVALID) from exc
    values = {
        **amounts,
        "enabled": enabled,
        "fee_rate": rate,
        "daily_count_limit": daily_count_limit,
        "channels": channel_list,
        "day_time_zone": day_time_zone,
        "updated_at": timezone.now(),
        "updated_by": staff_user_id,
    }
    with transaction.atomic(durable=True):
        rules, _ = WithdrawalRules.objects.update_or_create(
            installation=installation, currency=currency, defaults=values
        )
        events.subject_event(
            installation.pk,
            EventType.RULES_CHANGED,
            actor=events.staff(staff_user_id),
            subject=f"rules:{currency}",
            data={
                k: str(v) if isinstance(v, Decimal) else v
                for k, v in values.items()
                if k not in ("updated_at", "updated_by")
            },
        )
    return rules


# --- Payee accounts ----------------------------------------------------------------------


def _check_identity(kind: str, identity: str) -> None:
    patterns = {
        PayeeKind.WECHAT_OPENID: (OPENID_RE, "This is not a WeChat openid."),
        PayeeKind.ALIPAY_USER_ID: (ALIPAY_USER_ID_RE, "An Alipay user id is 2088 and 12 digits."),
        PayeeKind.BANK_ACCOUNT: (BANK_ACCOUNT_RE, "A bank account number is 8 to 32 digits."),
    }
    if kind == PayeeKind.ALIPAY_LOGON_ID:
        if not (PHONE_RE.match(identity) or EMAIL_RE.match(identity)):
            raise _invalid(
                "identity",
                "An Alipay logon id is a mobile number or an e-mail address.",
                WithdrawalErrorCode.INVALID_PAYEE,
            )
        return
    pattern, message = patterns[PayeeKind(kind)]
    if not pattern.match(identity):
        raise _invalid("identity", message, WithdrawalErrorCode.INVALID_PAYEE)


def bind_payee_account(
    installation: Installation,
    distributor: Distributor,
    *,
    channel: str,
    kind: str,
    identity: str,
    real_name: str | None = None,
    wechat_appid: str = "",
    bank_name: str = "",
    actor: str,
) -> PayeeAccount:
    """Make this the distributor's account on `channel`, ending the current one. A logon id
    and a bank account need the real name (Alipay checks a logon id against it)."""
    assert distributor.installation_id == installation.pk
    identity = identity.strip()
    real_name = (real_name or "").strip() or None
    if kind not in PAYEE_KINDS.get(PayoutChannel(channel), ()):
        raise _invalid(
            "kind",
            "This channel pays to another kind of account.",
            WithdrawalErrorCode.INVALID_PAYEE,
        )
    _check_identity(kind, identity)
    if kind in (PayeeKind.ALIPAY_LOGON_ID, PayeeKind.BANK_ACCOUNT) and not real_name:
        raise _invalid(
            "real_name",
            "This account needs the holder's real name.",
            WithdrawalErrorCode.REAL_NAME_REQUIRED,
        )
    if kind == PayeeKind.BANK_ACCOUNT and not bank_name.strip():
        raise _invalid("bank_name", "Name the bank.", WithdrawalErrorCode.REQUIRED)
    now = timezone.now()
    with transaction.atomic(durable=True):
        # Serialises binds of one distributor (one current account per channel).
        Distributor.objects.select_for_update().filter(pk=distributor.pk).first()
        PayeeAccount.objects.filter(
            installation=installation,
            distributor=distributor,
            channel=channel,
            unbound_at__isnull=True,
        ).update(unbound_at=now)
        encrypted: dict[str, Any] = {
            "identity": Secret(identity),
            "real_name": Secret(real_name) if real_name else None,
        }
        account = PayeeAccount.objects.create(
            installation=installation,
            distributor=distributor,
            channel=channel,
            kind=kind,
            identity_masked=mask_identity(identity),
            real_name_masked=mask_name(real_name) if real_name else "",
            wechat_appid=wechat_appid,
            bank_name=bank_name.strip(),
            bound_at=now,
            **encrypted,
        )
        events.subject_event(
            installation.pk,
            EventType.PAYEE_BOUND,
            actor=actor,
            subject=f"payee:{account.pk}",
            data={
                "distributor": distributor.pk,
                "channel": channel,
                "kind": kind,
                "identity": account.identity_masked,
                "real_name": account.real_name_masked,
            },
        )
    return account


def bind_wechat_account(
    installation: Installation,
    distributor: Distributor,
    *,
    code: str,
    real_name: str | None = None,
    actor: str = "",
) -> PayeeAccount:
    """Bind the openid behind a WeChat login `code` (official-account OAuth or mini program
    `wx.login`), exchanged with the app secret; the code is single-use."""
    config = fetch.get_provider_config(installation, PayoutChannel.WECHAT)
    if config is None:
        raise _invalid(
            "channel", "WeChat Pay is not set up.", WithdrawalErrorCode.CHANNEL_NOT_CONFIGURED
        )
    provider = build_provider(config)
    try:
        openid = exchange_code(provider.settings, code)
    except WeChatLoginError as exc:
        logger.warning(
            "WeChat login failed",
            extra={
                "installation_id": installation.pk,
                "distributor_id": distributor.pk,
                "code": exc.code,
            },
        )
        raise _invalid(
            "code",
            "WeChat did not accept the login: %(reason)s.",
            WithdrawalErrorCode.WECHAT_LOGIN_FAILED,
            reason=exc.message,
        ) from exc
    return bind_payee_account(
        installation,
        distributor,
        channel=PayoutChannel.WECHAT,
        kind=PayeeKind.WECHAT_OPENID,
        identity=openid,
        real_name=real_name,
        wechat_appid=str(config.options.get("appid", "")),
        actor=actor or events.distributor(distributor.pk),
    )


def unbind_payee_account(
    installation: Installation, distributor: Distributor, channel: str, *, actor: str
) -> bool:
    with transaction.atomic(durable=True):
        current = fetch.current_payee(installation, distributor, channel)
        if current is None:
            return False
        PayeeAccount.objects.filter(pk=current.pk).update(unbound_at=timezone.now())
        events.subject_event(
            installation.pk,
            EventType.PAYEE_UNBOUND,
            actor=actor,
            subject=f"payee:{current.pk}",
            data={"distributor": distributor.pk, "channel": channel},
        )
    return True


# --- Requests and approvals --------------------------------------------------------------


def _provider_for(withdrawal: Withdrawal) -> PayoutProvider:
    config = fetch.get_provider_config(
        withdrawal.installation_id, withdrawal.channel, active_only=False
    )
    if config is None:
        raise PayoutError(
            "NOT_CONFIGURED", f"no {withdrawal.channel} configuration", retryable=False
        )
    return build_provider(config)


def _payee(account: PayeeAccount | None) -> Payee | None:
    if account is None:
        return None
    return Payee(
        kind=account.kind,
        identity=account.identity,
        real_name=account.real_name,
        wechat_appid=account.wechat_appid,
        bank_name=account.bank_name,
    )


@dataclass(frozen=True)
class _Checked:
    rules: WithdrawalRules
    fee: Money
    net: Money
    payee: PayeeAccount | None
    real_name_required: bool


def _check_request(
    installation: Installation, distributor: Distributor, amount: Money, channel: str
) -> _Checked:
    currency = amount.currency
    rules = fetch.get_rules(installation, currency)
    if rules is None or not rules.enabled:
        raise _invalid(
            "currency",
            "Withdrawals in %(currency)s are not open.",
            WithdrawalErrorCode.WITHDRAWALS_DISABLED,
            currency=currency,
        )
    if distributor.status != DistributorStatus.ACTIVE:
        raise _invalid(
            "distributor",
            "Only active distributors can withdraw.",
            WithdrawalErrorCode.DISTRIBUTOR_NOT_ACTIVE,
        )
    if channel not in rules.channels:
        raise _invalid(
            "channel",
            "This payout channel is not offered.",
            WithdrawalErrorCode.CHANNEL_NOT_OFFERED,
        )
    config = fetch.get_provider_config(installation, channel)
    if config is None:
        raise _invalid(
            "channel",
            "This payout channel is not set up.",
            WithdrawalErrorCode.CHANNEL_NOT_CONFIGURED,
        )
    provider = build_provider(config)
    if amount.amount <= 0 or not amount.is_quantized:
        raise _invalid(
            "amount",
            "Give a positive amount in the currency's minor unit.",
            WithdrawalErrorCode.INVALID_AMOUNT,
        )
    if amount.amount < rules.min_amount:
        raise _invalid(
            "amount",
            "The smallest withdrawal is %(minimum)s %(currency)s.",
            WithdrawalErrorCode.AMOUNT_TOO_LOW,
            minimum=quantize(rules.min_amount, currency),
            currency=currency,
        )
    if rules.max_amount is not None and amount.amount > rules.max_amount:
        raise _invalid(
            "amount",
            "The largest withdrawal is %(maximum)s %(currency)s.",
            WithdrawalErrorCode.AMOUNT_TOO_HIGH,
            maximum=quantize(rules.max_amount, currency),
            currency=currency,
        )
    fee = fee_for(amount, rate=rules.fee_rate, fixed=rules.fee_fixed)
    net = amount - fee
    requirements = provider.requirements(net)
    if requirements.currencies and currency not in requirements.currencies:
        raise _invalid(
            "currency",
            "This channel does not pay in %(currency)s.",
            WithdrawalErrorCode.CURRENCY_NOT_SUPPORTED,
            currency=currency,
        )
    if net.amount <= 0 or (requirements.minimum is not None and net.amount < requirements.minimum):
        raise _invalid(
            "amount",
            "After the fee of %(fee)s, %(net)s %(currency)s would be paid; this channel pays "
            "at least %(minimum)s.",
            WithdrawalErrorCode.AMOUNT_TOO_LOW,
            fee=fee.amount,
            net=net.amount,
            currency=currency,
            minimum=requirements.minimum or 0,
        )
    if requirements.maximum is not None and net.amount > requirements.maximum:
        raise _invalid(
            "amount",
            "This channel pays at most %(maximum)s %(currency)s at once.",
            WithdrawalErrorCode.AMOUNT_TOO_HIGH,
            maximum=requirements.maximum,
            currency=currency,
        )
    payee = fetch.current_payee(installation, distributor, channel)
    if provider.needs_payee:
        if payee is None:
            raise _invalid(
                "channel",
                "Bind an account for this channel first.",
                WithdrawalErrorCode.PAYEE_NOT_BOUND,
            )
        if payee.kind not in provider.payee_kinds:
            raise _invalid(
                "channel",
                "The bound account cannot receive this payout.",
                WithdrawalErrorCode.INVALID_PAYEE,
            )
    real_name_required = requirements.real_name_required or (
        rules.real_name_required_from is not None and amount.amount >= rules.real_name_required_from
    )
    if real_name_required and (payee is None or not payee.real_name):
        raise _invalid(
            "real_name",
            "From this amount on the payee's real name is needed.",
            WithdrawalErrorCode.REAL_NAME_REQUIRED,
        )
    return _Checked(
        rules=rules, fee=fee, net=net, payee=payee, real_name_required=real_name_required
    )


def request_withdrawal(
    installation: Installation,
    distributor: Distributor,
    *,
    amount: Money,
    channel: str,
    request_key: str = "",
    actor: str = "",
) -> Withdrawal:
    """Ask for `amount` (gross; the fee comes out of it) to be paid out on `channel`.

    Checks the rules (minimum, maximum, daily count and amount, channel, payee, real name)
    and holds the amount in the ledger (available → withdrawing) in one transaction under
    the account's row lock, so concurrent requests can never hold more than the balance nor
    pass a daily limit together. Under the rules' threshold it is approved at once. With a
    `request_key`, asking again returns the first withdrawal.
    """
    assert distributor.installation_id == installation.pk
    actor = actor or events.distributor(distributor.pk)
    if request_key:
        existing = _existing_request(installation, distributor, request_key, amount, channel)
        if existing is not None:
            return existing
    checked = _check_request(installation, distributor, amount, channel)
    rules = checked.rules
    now = timezone.now()
    try:
        with transaction.atomic(durable=True):
            accounts = list(
                accounts_for_update(installation.pk, [(distributor.pk, amount.currency)])
            )
            if not accounts:
                raise _invalid(
                    "amount",
                    "Nothing is available to withdraw.",
                    WithdrawalErrorCode.INSUFFICIENT_FUNDS,
                )
            account = accounts[0]
            _check_daily_limits(rules, distributor, amount, now)
            withdrawal = Withdrawal(
                installation=installation,
                distributor=distributor,
                channel=channel,
                payee_account=checked.payee,
                currency=amount.currency,
                amount=amount.amount,
                fee=checked.fee.amount,
                net_amount=checked.net.amount,
                payout_number=new_payout_number(now),
                request_key=request_key,
                real_name_required=checked.real_name_required,
                requested_at=now,
            )
            audit = [
                events.new_withdrawal_event(
                    withdrawal,
                    EventType.REQUESTED,
                    actor=actor,
                    data={
                        "amount": str(amount.amount),
                        "fee": str(checked.fee.amount),
                        "net_amount": str(checked.net.amount),
                        "currency": amount.currency,
                        "channel": channel,
                    },
                )
            ]
            auto = rules.auto_approve_max is not None and amount.amount <= rules.auto_approve_max
            if auto:
                # Approved as it is written: one row, and both audit rows in one INSERT.
                audit.append(_approval(withdrawal, actor=events.SYSTEM, auto=True))
            withdrawal.save(force_insert=True)
            _hold(account, withdrawal)
            for event in audit:
                event.withdrawal = withdrawal  # now with its primary key
            insert_returning_pks(audit)
            if auto:
                transaction.on_commit(partial(_enqueue_submit, installation.pk, [withdrawal.pk]))
    except IntegrityError:
        if not request_key:
            raise
        # The same request_key was committed by a concurrent request.
        existing = _existing_request(installation, distributor, request_key, amount, channel)
        if existing is None:
            raise
        return existing
    logger.info(
        "Withdrawal requested",
        extra={
            "installation_id": installation.pk,
            "withdrawal_id": withdrawal.pk,
            "distributor_id": distributor.pk,
            "status": withdrawal.status,
        },
    )
    return withdrawal


def _existing_request(
    installation: Installation,
    distributor: Distributor,
    request_key: str,
    amount: Money,
    channel: str,
) -> Withdrawal | None:
    existing = Withdrawal.objects.filter(
        installation=installation, distributor=distributor, request_key=request_key
    ).first()
    if existing is None:
        return None
    if (existing.amount, existing.currency, existing.channel) != (
        amount.amount,
        amount.currency,
        channel,
    ):
        raise _invalid(
            "request_key",
            "This request key was used for another withdrawal.",
            WithdrawalErrorCode.DUPLICATE_REQUEST,
        )
    return existing


def _check_daily_limits(
    rules: WithdrawalRules, distributor: Distributor, amount: Money, now: Any
) -> None:
    if rules.daily_count_limit is None and rules.daily_amount_limit is None:
        return
    count, total = fetch.usage_since(
        rules.installation_id, distributor.pk, amount.currency, day_start(now, rules.day_time_zone)
    )
    if rules.daily_count_limit is not None and count + 1 > rules.daily_count_limit:
        raise _invalid(
            "amount",
            "At most %(limit)s withdrawals a day.",
            WithdrawalErrorCode.DAILY_COUNT_EXCEEDED,
            limit=rules.daily_count_limit,
        )
    if rules.daily_amount_limit is not None and total + amount.amount > rules.daily_amount_limit:
        raise _invalid(
            "amount",
            "At most %(limit)s %(currency)s a day; %(used)s is already requested today.",
            WithdrawalErrorCode.DAILY_AMOUNT_EXCEEDED,
            limit=quantize(rules.daily_amount_limit, amount.currency),
            currency=amount.currency,
            used=quantize(total, amount.currency),
        )


def _hold(account: Account, withdrawal: Withdrawal) -> None:
    try:
        ledger.hold_withdrawal(
            account,
            Money(withdrawal.amount, withdrawal.currency),
            withdrawal_id=str(withdrawal.pk),
            idempotency_key=f"withdrawal:{withdrawal.pk}:hold",
            locked=True,  # read with its row lock above; the withdrawal is new
        )
    except ValidationError as exc:
        codes = {e.code for errors in exc.error_dict.values() for e in errors}
        if LedgerErrorCode.INSUFFICIENT_FUNDS.value in codes:
            # `account` was read under its row lock in this transaction: it is current (and
            # the transaction is spoilt for another read: the hold took no savepoint).
            raise _invalid(
                "amount",
                "Only %(available)s %(currency)s is available.",
                WithdrawalErrorCode.INSUFFICIENT_FUNDS,
                available=quantize(max(account.available, Decimal(0)), account.currency),
                currency=account.currency,
            ) from exc
        raise


# What recording a provider's answer changes on a withdrawal (`_apply_result`).
RESULT_FIELDS = (
    "status",
    "provider_state",
    "provider_reference",
    "last_queried_at",
    "package_info",
    "finished_at",
    "next_query_at",
    "failure_code",
    "failure_reason",
    "submitted_at",
    "query_attempts",
)


@dataclass
class _Writes:
    """The writes of settling withdrawals whose rows the caller holds locked, kept until
    `flush` (in the same transaction): a batch of answers then costs one ledger INSERT and
    one UPDATE of cached totals, one UPDATE of withdrawals and one INSERT of audit rows,
    whatever its size. One answer goes through the same code."""

    installation_id: int
    postings: list[ledger.Posting] = field(default_factory=list)
    changed: dict[int, Withdrawal] = field(default_factory=dict)
    events: list[WithdrawalEvent] = field(default_factory=list)

    def settle(self, withdrawal: Withdrawal, code: str, key: str) -> None:
        self.postings += ledger.withdrawal_settlement(
            withdrawal.distributor_id,
            Money(withdrawal.amount, withdrawal.currency),
            code,
            withdrawal_id=str(withdrawal.pk),
            idempotency_key=f"withdrawal:{withdrawal.pk}:{key}",
        )

    def event(self, withdrawal: Withdrawal, type: str, **kwargs: Any) -> None:
        self.events.append(events.new_withdrawal_event(withdrawal, type, **kwargs))

    def flush(self) -> None:
        # Lock order: the withdrawals (held by the caller) → the ledger accounts (here).
        ledger.post_withdrawal_settlements(self.installation_id, self.postings)
        update_rows(list(self.changed.values()), RESULT_FIELDS)
        insert_returning_pks(self.events)
        self.postings, self.changed, self.events = [], {}, []


def _pay(withdrawal: Withdrawal, writes: _Writes) -> None:
    writes.settle(withdrawal, EntryCode.WITHDRAWAL_PAID, "paid")


def _release(withdrawal: Withdrawal, writes: _Writes) -> None:
    writes.settle(withdrawal, EntryCode.WITHDRAWAL_RELEASED, "released")


def _release_now(withdrawal: Withdrawal) -> None:
    writes = _Writes(withdrawal.installation_id)
    _release(withdrawal, writes)
    writes.flush()


def _enqueue_submit(installation_id: int, withdrawal_ids: list[int]) -> None:
    """One message per batch of approvals (a staff batch approval is one or a few)."""
    from saleor_distribution.withdrawals.tasks import submit_payouts_task

    for start in range(0, len(withdrawal_ids), SUBMIT_BATCH):
        submit_payouts_task.delay(installation_id, withdrawal_ids[start : start + SUBMIT_BATCH])


# What an approval changes on a withdrawal (`_approval`).
APPROVAL_FIELDS = ("status", "approved_at", "approved_by", "auto_approved", "next_query_at")


def _approval(withdrawal: Withdrawal, *, actor: str, auto: bool) -> WithdrawalEvent:
    """Approve `withdrawal` in memory and return its audit row, unsaved: the caller writes
    both (`APPROVAL_FIELDS`), a batch in one UPDATE and one INSERT."""
    now = timezone.now()
    from_status = withdrawal.status
    withdrawal.status = WithdrawalStatus.APPROVED
    withdrawal.approved_at = now
    withdrawal.approved_by = actor
    withdrawal.auto_approved = auto
    # If the submission nudge is lost (broker down), the poller sends it after this.
    withdrawal.next_query_at = now + SUBMIT_SWEEP_AFTER
    return events.new_withdrawal_event(
        withdrawal,
        EventType.AUTO_APPROVED if auto else EventType.APPROVED,
        actor=actor,
        from_status=from_status,
    )


def _write_approvals(
    installation_id: int, approved: list[Withdrawal], audit: list[WithdrawalEvent]
) -> None:
    """Write staff approvals made by `_approval` (one UPDATE, one INSERT of their audit
    rows) and, once committed, send them in one message per batch."""
    update_rows(approved, APPROVAL_FIELDS)
    insert_returning_pks(audit)
    transaction.on_commit(partial(_enqueue_submit, installation_id, [w.pk for w in approved]))


def _locked(installation: Installation, withdrawal_id: int) -> Withdrawal:
    withdrawal = withdrawal_for_update(installation.pk, withdrawal_id).first()
    if withdrawal is None:
        raise _invalid("id", "No such withdrawal.", WithdrawalErrorCode.NOT_FOUND)
    return withdrawal


def approve_withdrawal(
    installation: Installation, withdrawal_id: int, *, staff_user_id: str
) -> Withdrawal:
    """Staff approve a requested withdrawal; it is sent to the provider after commit."""
    with transaction.atomic(durable=True):
        withdrawal = _locked(installation, withdrawal_id)
        if withdrawal.status != WithdrawalStatus.REQUESTED:
            raise _invalid(
                "id",
                "Only a requested withdrawal can be approved (this one is %(status)s).",
                WithdrawalErrorCode.INVALID_STATUS,
                status=withdrawal.status,
            )
        event = _approval(withdrawal, actor=events.staff(staff_user_id), auto=False)
        _write_approvals(installation.pk, [withdrawal], [event])
    return withdrawal


@dataclass
class BatchApproval:
    approved: list[Withdrawal] = field(default_factory=list)
    errors: dict[int, ValidationError] = field(default_factory=dict)


def approve_withdrawals(
    installation: Installation, withdrawal_ids: Iterable[int], *, staff_user_id: str
) -> BatchApproval:
    """Approve many at once (rows locked in primary-key order). Those that are not
    requested, or not found, are reported per id and left alone."""
    ids = sorted({int(pk) for pk in withdrawal_ids})
    if len(ids) > MAX_BATCH:
        raise _invalid(
            "ids", "At most %(limit)s at once.", WithdrawalErrorCode.INVALID, limit=MAX_BATCH
        )
    batch = BatchApproval()
    audit: list[WithdrawalEvent] = []
    with transaction.atomic(durable=True):
        found = {w.pk: w for w in withdrawals_for_update(installation.pk, ids)}
        for pk in ids:
            withdrawal = found.get(pk)
            if withdrawal is None:
                batch.errors[pk] = _invalid(
                    "id", "No such withdrawal.", WithdrawalErrorCode.NOT_FOUND
                )
            elif withdrawal.status != WithdrawalStatus.REQUESTED:
                batch.errors[pk] = _invalid(
                    "id",
                    "Only a requested withdrawal can be approved (this one is %(status)s).",
                    WithdrawalErrorCode.INVALID_STATUS,
                    status=withdrawal.status,
                )
            else:
                audit.append(_approval(withdrawal, actor=events.staff(staff_user_id), auto=False))
                batch.approved.append(withdrawal)
        if batch.approved:
            _write_approvals(installation.pk, batch.approved, audit)
    return batch


def reject_withdrawal(
    installation: Installation, withdrawal_id: int, *, reason: str, staff_user_id: str
) -> Withdrawal:
    """Staff refuse a withdrawal that was never sent to a provider; the hold is released
    (withdrawing → available) and the reason kept for the distributor."""
    if not reason.strip():
        raise _invalid(
            "reason", "Say why the withdrawal is rejected.", WithdrawalErrorCode.REQUIRED
        )
    with transaction.atomic(durable=True):
        withdrawal = _locked(installation, withdrawal_id)
        if withdrawal.status not in (WithdrawalStatus.REQUESTED, WithdrawalStatus.APPROVED):
            raise _invalid(
                "id",
                "A %(status)s withdrawal cannot be rejected.",
                WithdrawalErrorCode.INVALID_STATUS,
                status=withdrawal.status,
            )
        if withdrawal.submit_attempts:
            raise _invalid(
                "id",
                "This withdrawal was already sent to the provider.",
                WithdrawalErrorCode.ALREADY_SENT,
            )
        from_status = withdrawal.status
        withdrawal.status = WithdrawalStatus.REJECTED
        withdrawal.rejection_reason = reason.strip()
        withdrawal.rejected_by = events.staff(staff_user_id)
        withdrawal.finished_at = timezone.now()
        withdrawal.next_query_at = None
        withdrawal.save(
            update_fields=[
                "status",
                "rejection_reason",
                "rejected_by",
                "finished_at",
                "next_query_at",
            ]
        )
        _release_now(withdrawal)
        events.withdrawal_event(
            withdrawal,
            EventType.REJECTED,
            actor=events.staff(staff_user_id),
            from_status=from_status,
            data={"reason": withdrawal.rejection_reason},
        )
    return withdrawal


# --- Submission, results, polling --------------------------------------------------------


def submit_payout(withdrawal_id: int) -> Withdrawal:
    """Send one approved withdrawal to its provider, once (see `submit_payouts`)."""
    done = _submit(_claim([withdrawal_id]))
    return done[0] if done else Withdrawal.objects.get(pk=withdrawal_id)


def submit_payouts(
    installation_id: int, withdrawal_ids: Iterable[int], *, limit: int = SUBMIT_BATCH
) -> list[Withdrawal]:
    """Send a batch of approved withdrawals of one installation to their providers, each
    once: those of `withdrawal_ids` that are still approved and, up to `limit`, other
    first-time approvals waiting in the installation (their own messages then find nothing
    to do). Returns the withdrawals it sent, as recorded."""
    return _submit(_claim(withdrawal_ids, installation_id=installation_id, limit=limit))


def _claim(
    withdrawal_ids: Iterable[int], *, installation_id: int | None = None, limit: int = 1
) -> list[Withdrawal]:
    """Claim approved withdrawals (approved → submitting) and commit, before any provider
    hears of them: one conditional UPDATE over rows locked with SKIP LOCKED, so of two
    workers each claims a row only the other did not (a row another worker is claiming or
    changing is left to it). With `installation_id`, first-time approvals of that
    installation are claimed too, up to `limit`."""
    ids = sorted({int(pk) for pk in withdrawal_ids})
    now = timezone.now()
    which = "id = ANY(%s)"
    which_params: list[Any] = [ids]
    if installation_id is not None:
        which = "installation_id = %s AND (id = ANY(%s) OR submit_attempts = 0)"
        which_params = [installation_id, ids]
    table = Withdrawal._meta.db_table
    # The rows are picked (and locked) once, in a materialized CTE: as `id IN (SELECT …
    # LIMIT n FOR UPDATE SKIP LOCKED)` the planner may run the subquery once per row
    # and claim more than n.
    sql = (
        f"WITH picked AS MATERIALIZED (SELECT id FROM {table}"  # noqa: S608
        f" WHERE {which} AND status = %s ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)"
        f" UPDATE {table} AS w SET status = %s, claimed_at = %s,"
        " submit_attempts = w.submit_attempts + 1, next_query_at = %s"
        " FROM picked WHERE w.id = picked.id AND w.status = %s RETURNING w.*"
    )
    params = [
        *which_params,
        WithdrawalStatus.APPROVED,
        max(limit, len(ids)),
        WithdrawalStatus.SUBMITTING,
        now,
        now + STALE_CLAIM,
        WithdrawalStatus.APPROVED,
    ]
    with transaction.atomic(durable=True):
        claimed = sorted(Withdrawal.objects.raw(sql, params), key=lambda w: w.pk)
        payees = PayeeAccount.objects.in_bulk(
            {w.payee_account_id for w in claimed if w.payee_account_id}
        )
        for withdrawal in claimed:
            withdrawal.payee_account = payees.get(withdrawal.payee_account_id)
        insert_returning_pks(
            [
                events.new_withdrawal_event(
                    withdrawal,
                    EventType.SUBMIT_CLAIMED,
                    actor=events.SYSTEM,
                    from_status=WithdrawalStatus.APPROVED,
                    data={"attempt": withdrawal.submit_attempts},
                )
                for withdrawal in claimed
            ]
        )
    return claimed


def _submit(claimed: list[Withdrawal]) -> list[Withdrawal]:
    """Call the provider for each claimed withdrawal (no lock held, the claims committed),
    then record the answers of the batch together; an error is followed by a query with
    the same number. Answers already received are recorded even if a later call raises."""
    providers: dict[tuple[int, str], PayoutProvider] = {}
    answered: list[tuple[Withdrawal, PayoutResult]] = []
    refused: list[tuple[Withdrawal, PayoutError]] = []
    try:
        for withdrawal in claimed:
            request = PayoutRequest(
                number=withdrawal.payout_number,
                amount=Money(withdrawal.net_amount, withdrawal.currency),
                payee=_payee(withdrawal.payee_account),
            )
            try:
                where = (withdrawal.installation_id, withdrawal.channel)
                if where not in providers:
                    providers[where] = _provider_for(withdrawal)
                answered.append((withdrawal, providers[where].submit(request)))
            except PayoutError as error:
                logger.warning(
                    "Payout submission failed",
                    extra={
                        "installation_id": withdrawal.installation_id,
                        "withdrawal_id": withdrawal.pk,
                        "code": error.code,
                        "retryable": error.retryable,
                    },
                )
                refused.append((withdrawal, error))
    finally:
        done = _record_answers(answered)
    return done + [_after_submit_error(withdrawal, error) for withdrawal, error in refused]


def _record_answers(answered: list[tuple[Withdrawal, PayoutResult]]) -> list[Withdrawal]:
    """Record providers' answers to submissions: a batch in one transaction, or, should
    that fail, each in its own (so one bad answer does not lose the others'; one that
    cannot be recorded stays `submitting` and the poller asks the provider again)."""
    if not answered:
        return []
    installation_id = answered[0][0].installation_id
    assert all(w.installation_id == installation_id for w, _ in answered)
    if len(answered) > 1:
        try:
            return record_payout_results(
                installation_id,
                [(w.pk, result, events.provider(w.channel)) for w, result in answered],
            )
        except Exception:
            logger.exception(
                "Recording a batch of payout answers failed; recording them one by one",
                extra={"installation_id": installation_id, "count": len(answered)},
            )
    done = []
    for withdrawal, result in answered:
        try:
            actor = events.provider(withdrawal.channel)
            done.append(record_payout_result(installation_id, withdrawal.pk, result, actor=actor))
        except Exception:
            if len(answered) == 1:
                raise
            logger.exception(
                "Recording a payout answer failed",
                extra={"installation_id": installation_id, "withdrawal_id": withdrawal.pk},
            )
    return done


def _after_submit_error(withdrawal: Withdrawal, error: PayoutError) -> Withdrawal:
    """The provider refused, or did not answer: ask it with the same number what it has."""
    with transaction.atomic(durable=True):
        locked = Withdrawal.objects.select_for_update(of=("self",)).get(pk=withdrawal.pk)
        if locked.status == WithdrawalStatus.SUBMITTING:
            locked.status = WithdrawalStatus.SUBMITTED
            locked.provider_state = UNKNOWN_STATE
            locked.next_query_at = timezone.now() + query_delay(0)
            locked.save(update_fields=["status", "provider_state", "next_query_at"])
        events.withdrawal_event(
            locked,
            EventType.SUBMIT_FAILED,
            actor=events.provider(locked.channel),
            from_status=WithdrawalStatus.SUBMITTING,
            data={
                "code": error.code,
                "message": error.message,
                "provider_message": error.provider_message[:500],
                "retryable": error.retryable,
            },
        )
    return sync_payout(withdrawal.pk, submit_error=error)


@dataclass(frozen=True)
class Applied:
    outcome: str  # "changed", "unchanged", "duplicate", "stale", "conflict", "amount_mismatch"
    withdrawal: Withdrawal


def _apply_result(
    withdrawal: Withdrawal, result: PayoutResult, *, actor: str, writes: _Writes
) -> Applied:
    """Move a locked withdrawal to what the provider says. A final state is never left: a
    contradicting answer is recorded as a conflict (for reconciliation) and changes nothing;
    the ledger moves exactly once (idempotency keys per withdrawal)."""
    assert result.status != PayoutStatus.NOT_FOUND
    if result.number and result.number != withdrawal.payout_number:
        raise ValueError("a result for another payout number")
    target = STATUS_FOR_RESULT[result.status]
    expected = Money(withdrawal.net_amount, withdrawal.currency)
    if result.amount is not None and result.amount != expected:
        _conflict(withdrawal, result, actor, "amount differs", writes)
        return Applied("amount_mismatch", withdrawal)
    if withdrawal.status in FINAL_STATUSES:
        if withdrawal.status == target:
            return Applied("duplicate", withdrawal)
        if result.is_final:
            _conflict(withdrawal, result, actor, "final state contradicted", writes)
            return Applied("conflict", withdrawal)
        return Applied("stale", withdrawal)
    if withdrawal.status == WithdrawalStatus.REQUESTED or (
        withdrawal.status == WithdrawalStatus.APPROVED and not withdrawal.submit_attempts
    ):
        _conflict(withdrawal, result, actor, "never sent", writes)
        return Applied("conflict", withdrawal)
    now = timezone.now()
    from_status = withdrawal.status
    changed = target != from_status or result.provider_state != withdrawal.provider_state
    withdrawal.status = target
    withdrawal.provider_state = result.provider_state[:32]
    withdrawal.provider_reference = result.provider_reference or withdrawal.provider_reference
    withdrawal.last_queried_at = now
    if result.package_info:
        withdrawal.package_info = result.package_info
    if target in FINAL_STATUSES:
        withdrawal.finished_at = now
        withdrawal.next_query_at = None
        if target == WithdrawalStatus.PAID:
            _pay(withdrawal, writes)
        else:
            withdrawal.failure_code = result.failure_code[:64]
            withdrawal.failure_reason = result.failure_reason or (
                UNCLAIMED_REASON if target == WithdrawalStatus.CANCELLED else ""
            )
            _release(withdrawal, writes)
    else:
        withdrawal.submitted_at = withdrawal.submitted_at or now
        withdrawal.query_attempts = 0 if changed else withdrawal.query_attempts + 1
        withdrawal.next_query_at = (
            now + query_delay(withdrawal.query_attempts)
            if provider_class(withdrawal.channel).supports_query
            else None
        )
    writes.changed[withdrawal.pk] = withdrawal
    if changed:
        writes.event(
            withdrawal,
            EVENT_FOR_STATUS.get(target, EventType.PROVIDER_STATE),
            actor=actor,
            from_status=from_status,
            data={
                "provider_state": result.provider_state,
                "provider_reference": result.provider_reference,
                "failure_code": result.failure_code,
                "failure_reason": result.failure_reason,
                "details": dict(result.details),
            },
        )
        if target in FINAL_STATUSES:
            logger.info(
                "Payout finished",
                extra={
                    "installation_id": withdrawal.installation_id,
                    "withdrawal_id": withdrawal.pk,
                    "status": target,
                },
            )
    return Applied("changed" if changed else "unchanged", withdrawal)


def _conflict(
    withdrawal: Withdrawal,
    result: PayoutResult,
    actor: str,
    problem: str,
    writes: _Writes | None = None,
) -> None:
    logger.error(
        "Payout result contradicts our record",
        extra={
            "installation_id": withdrawal.installation_id,
            "withdrawal_id": withdrawal.pk,
            "status": withdrawal.status,
            "provider_state": result.provider_state,
            "problem": problem,
        },
    )
    event = events.new_withdrawal_event(
        withdrawal,
        EventType.CONFLICT,
        actor=actor,
        from_status=withdrawal.status,
        data={
            "problem": problem,
            "provider_state": result.provider_state,
            "provider_amount": str(result.amount.amount) if result.amount else None,
        },
    )
    if writes is None:
        event.save(force_insert=True)
    else:
        writes.events.append(event)


def _apply_one(withdrawal: Withdrawal, result: PayoutResult, *, actor: str) -> Applied:
    """`_apply_result` for one locked withdrawal, written at once."""
    writes = _Writes(withdrawal.installation_id)
    applied = _apply_result(withdrawal, result, actor=actor, writes=writes)
    writes.flush()
    return applied


def record_payout_result(
    installation_id: int, withdrawal_id: int, result: PayoutResult, *, actor: str
) -> Withdrawal:
    """Record what a provider said about a payout (its answer, a query, a notification)."""
    with transaction.atomic(durable=True):
        withdrawal = withdrawal_for_update(installation_id, withdrawal_id).get()
        return _apply_one(withdrawal, result, actor=actor).withdrawal


def record_payout_results(
    installation_id: int, answers: Iterable[tuple[int, PayoutResult, str]]
) -> list[Withdrawal]:
    """Record many answers (withdrawal id, result, actor) in one transaction, each as
    `record_payout_result` would: the withdrawals locked in primary-key order, then their
    ledger accounts; the ledger moves, withdrawal rows and audit rows written in one
    statement each. All or nothing."""
    answers = list(answers)
    with transaction.atomic(durable=True):
        locked = {w.pk: w for w in withdrawals_for_update(installation_id, [a[0] for a in answers])}
        writes = _Writes(installation_id)
        done = [
            _apply_result(locked[pk], result, actor=actor, writes=writes).withdrawal
            for pk, result, actor in answers
        ]
        writes.flush()
    return done


def sync_payout(withdrawal_id: int, *, submit_error: PayoutError | None = None) -> Withdrawal:
    """Bring an unfinished payout up to date with its provider (the poller's unit of work):
    approved ones are submitted; in-flight ones are queried with their number. A payout the
    provider does not have is sent again with the same number (at most MAX_SUBMIT_ATTEMPTS
    times), or failed if the provider refused it outright."""
    withdrawal = Withdrawal.objects.get(pk=withdrawal_id)
    now = timezone.now()
    if withdrawal.status in FINAL_STATUSES or withdrawal.status == WithdrawalStatus.REQUESTED:
        return withdrawal
    if withdrawal.status == WithdrawalStatus.APPROVED:
        return submit_payout(withdrawal_id)
    if (
        withdrawal.status == WithdrawalStatus.SUBMITTING
        and withdrawal.claimed_at
        and withdrawal.claimed_at + STALE_CLAIM > now
    ):
        return withdrawal  # a worker is calling the provider right now
    if not provider_class(withdrawal.channel).supports_query:
        return withdrawal
    try:
        provider = _provider_for(withdrawal)
        result = provider.query(withdrawal.payout_number)
    except PayoutError as error:
        return _query_failed(withdrawal, error)
    if result.status == PayoutStatus.NOT_FOUND:
        return _not_found(withdrawal, submit_error)
    return record_payout_result(
        withdrawal.installation_id, withdrawal.pk, result, actor=events.provider(withdrawal.channel)
    )


def _query_failed(withdrawal: Withdrawal, error: PayoutError) -> Withdrawal:
    logger.warning(
        "Payout query failed",
        extra={
            "installation_id": withdrawal.installation_id,
            "withdrawal_id": withdrawal.pk,
            "code": error.code,
        },
    )
    with transaction.atomic(durable=True):
        locked = Withdrawal.objects.select_for_update(of=("self",)).get(pk=withdrawal.pk)
        if locked.status in FINAL_STATUSES:
            return locked
        now = timezone.now()
        locked.query_attempts += 1
        locked.last_queried_at = now
        locked.next_query_at = now + query_delay(locked.query_attempts)
        locked.save(update_fields=["query_attempts", "last_queried_at", "next_query_at"])
        events.withdrawal_event(
            locked,
            EventType.QUERY_FAILED,
            actor=events.provider(locked.channel),
            from_status=locked.status,
            data={
                "code": error.code,
                "message": error.message,
                "provider_message": error.provider_message[:500],
            },
        )
    return locked


def _not_found(withdrawal: Withdrawal, submit_error: PayoutError | None) -> Withdrawal:
    """The provider has no payout with this number."""
    with transaction.atomic(durable=True):
        locked = Withdrawal.objects.select_for_update(of=("self",)).get(pk=withdrawal.pk)
        unsent = locked.status == WithdrawalStatus.SUBMITTING or (
            locked.status == WithdrawalStatus.SUBMITTED and locked.provider_state == UNKNOWN_STATE
        )
        now = timezone.now()
        if not unsent:
            # It was accepted once and is gone now: nothing to do but flag it.
            locked.query_attempts += 1
            locked.next_query_at = now + query_delay(locked.query_attempts)
            locked.save(update_fields=["query_attempts", "next_query_at"])
            _conflict(
                locked,
                PayoutResult(locked.payout_number, PayoutStatus.NOT_FOUND),
                events.provider(locked.channel),
                "accepted payout not found",
            )
            return locked
        if submit_error is not None and not submit_error.retryable:
            return _fail_unsent(
                locked, submit_error.code, submit_error.provider_message or submit_error.message
            )
        if locked.submit_attempts >= MAX_SUBMIT_ATTEMPTS:
            return _fail_unsent(
                locked,
                "NOT_RECEIVED",
                f"The provider never received the payout in {locked.submit_attempts} attempts.",
            )
        from_status = locked.status
        locked.status = WithdrawalStatus.APPROVED
        locked.provider_state = ""
        locked.next_query_at = now + query_delay(locked.submit_attempts)
        locked.save(update_fields=["status", "provider_state", "next_query_at"])
        events.withdrawal_event(
            locked,
            EventType.REQUEUED,
            actor=events.SYSTEM,
            from_status=from_status,
            data={"submit_attempts": locked.submit_attempts},
        )
    return locked


def _fail_unsent(withdrawal: Withdrawal, code: str, reason: str) -> Withdrawal:
    """Fail a payout the provider refused and does not have: the hold is released."""
    from_status = withdrawal.status
    withdrawal.status = WithdrawalStatus.FAILED
    withdrawal.failure_code = code[:64]
    withdrawal.failure_reason = reason
    withdrawal.finished_at = timezone.now()
    withdrawal.next_query_at = None
    withdrawal.save(
        update_fields=["status", "failure_code", "failure_reason", "finished_at", "next_query_at"]
    )
    _release_now(withdrawal)
    events.withdrawal_event(
        withdrawal,
        EventType.FAILED,
        actor=events.provider(withdrawal.channel),
        from_status=from_status,
        data={"failure_code": code, "failure_reason": reason},
    )
    return withdrawal


def cancel_payout(
    installation: Installation, withdrawal_id: int, *, staff_user_id: str
) -> Withdrawal:
    """Ask the provider to cancel a payout still waiting for the payee (WeChat). The money
    comes back when the provider reports it cancelled."""
    withdrawal = fetch.get_withdrawal(installation, withdrawal_id)
    if withdrawal is None:
        raise _invalid("id", "No such withdrawal.", WithdrawalErrorCode.NOT_FOUND)
    if withdrawal.status != WithdrawalStatus.AWAITING_CONFIRMATION:
        raise _invalid(
            "id",
            "Only a payout waiting for the payee can be cancelled.",
            WithdrawalErrorCode.INVALID_STATUS,
        )
    try:
        result = _provider_for(withdrawal).cancel(withdrawal.payout_number)
    except PayoutError as error:
        raise _invalid(
            "id",
            "The provider did not cancel it: %(reason)s",
            WithdrawalErrorCode.PROVIDER_ERROR,
            reason=error.provider_message or error.message,
        ) from error
    with transaction.atomic(durable=True):
        locked = _locked(installation, withdrawal_id)
        events.withdrawal_event(
            locked,
            EventType.CANCEL_REQUESTED,
            actor=events.staff(staff_user_id),
            from_status=locked.status,
        )
        return _apply_one(locked, result, actor=events.provider(locked.channel)).withdrawal


def record_manual_payout(
    installation: Installation, withdrawal_id: int, *, reference: str, staff_user_id: str
) -> Withdrawal:
    """Staff made the bank transfer: record the bank's reference; the withdrawal is paid."""
    if not reference.strip():
        raise _invalid(
            "reference", "Give the bank transfer's reference.", WithdrawalErrorCode.REQUIRED
        )
    return _record_manual(
        installation,
        withdrawal_id,
        staff_user_id,
        PayoutResult(
            "",
            PayoutStatus.SUCCEEDED,
            provider_state="PAID_BY_STAFF",
            provider_reference=reference.strip()[:64],
        ),
    )


def record_manual_failure(
    installation: Installation, withdrawal_id: int, *, reason: str, staff_user_id: str
) -> Withdrawal:
    """Staff could not make the bank transfer: the withdrawal fails and the money is back."""
    if not reason.strip():
        raise _invalid("reason", "Say why the transfer failed.", WithdrawalErrorCode.REQUIRED)
    return _record_manual(
        installation,
        withdrawal_id,
        staff_user_id,
        PayoutResult(
            "",
            PayoutStatus.FAILED,
            provider_state="FAILED_BY_STAFF",
            failure_code="MANUAL",
            failure_reason=reason.strip(),
        ),
    )


def _record_manual(
    installation: Installation, withdrawal_id: int, staff_user_id: str, result: PayoutResult
) -> Withdrawal:
    with transaction.atomic(durable=True):
        withdrawal = _locked(installation, withdrawal_id)
        if (
            withdrawal.channel != PayoutChannel.MANUAL
            or withdrawal.status != WithdrawalStatus.SUBMITTED
        ):
            raise _invalid(
                "id",
                "Only a submitted bank transfer can be recorded.",
                WithdrawalErrorCode.INVALID_STATUS,
            )
        return _apply_one(withdrawal, result, actor=events.staff(staff_user_id)).withdrawal


def process_payout_notification(
    installation: Installation, channel: str, notification: ParsedNotification, body: bytes
) -> str:
    """Apply a verified notification once: stored by the provider's notification id (a
    redelivery is a no-op), then applied to its withdrawal under the row lock."""
    result = notification.result
    with transaction.atomic(durable=True):
        try:
            with transaction.atomic():
                stored = PayoutNotification.objects.create(
                    installation=installation,
                    channel=channel,
                    notification_id=notification.notification_id[:128],
                    event_type=notification.event_type[:64],
                    payout_number=result.number[:32] if result else "",
                    provider_state=result.provider_state[:32] if result else "",
                    body=body.decode("utf-8", "replace"),
                )
        except IntegrityError:
            return "duplicate"
        if result is None:
            outcome = "ignored"
        else:
            withdrawal = (
                Withdrawal.objects.filter(
                    installation=installation, channel=channel, payout_number=result.number
                )
                .select_for_update(of=("self",))
                .first()
            )
            if withdrawal is None:
                logger.warning(
                    "Payout notification for an unknown payout",
                    extra={"installation_id": installation.pk, "channel": channel},
                )
                outcome = "unknown_payout"
            else:
                outcome = _apply_one(withdrawal, result, actor=events.provider(channel)).outcome
        PayoutNotification.objects.filter(pk=stored.pk).update(outcome=outcome)
    return outcome
