"""Read helpers for withdrawals: what the API and the staff queue show, and what the poller
and reconciliation look at."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from saleor_distribution.core.secrets import MASK
from saleor_distribution.installations.models import Installation
from saleor_distribution.ledger.models import Bucket, EntryCode, LedgerEntry
from saleor_distribution.network.models import Distributor
from saleor_distribution.withdrawals.calculations import LedgerTrace
from saleor_distribution.withdrawals.models import (
    PayeeAccount,
    PayoutChannel,
    ProviderConfig,
    Withdrawal,
    WithdrawalEvent,
    WithdrawalRules,
    WithdrawalStatus,
)

# What a daily limit counts: every request of the day except those that gave the money back.
NOT_COUNTED = (WithdrawalStatus.REJECTED, WithdrawalStatus.FAILED, WithdrawalStatus.CANCELLED)
ACTIVE_QUERY_STATUSES = (
    WithdrawalStatus.APPROVED,
    WithdrawalStatus.SUBMITTING,
    WithdrawalStatus.SUBMITTED,
    WithdrawalStatus.AWAITING_CONFIRMATION,
    WithdrawalStatus.CANCELLING,
)


def get_rules(installation: Installation, currency: str) -> WithdrawalRules | None:
    return WithdrawalRules.objects.filter(installation=installation, currency=currency).first()


def get_provider_config(
    installation: Installation | int, channel: str, *, active_only: bool = True
) -> ProviderConfig | None:
    installation_id = installation if isinstance(installation, int) else installation.pk
    configs = ProviderConfig.objects.filter(installation_id=installation_id, channel=channel)
    if active_only:
        configs = configs.filter(is_active=True)
    return configs.first()


def masked_provider_config(config: ProviderConfig) -> dict[str, Any]:
    """A provider's settings as staff may see them: options in full, credentials only by
    name with a mask (they are write-only)."""
    return {
        "channel": config.channel,
        "is_active": config.is_active,
        "options": dict(config.options),
        "credentials": {
            name: secret.masked() if secret else MASK for name, secret in config.secrets().items()
        },
        "gateway_url": config.gateway_url,
        "updated_at": config.updated_at,
        "updated_by": config.updated_by,
    }


def provider_is_configured(config: ProviderConfig | None) -> bool:
    """Every option and credential its channel requires is set (looked at by name only)."""
    from saleor_distribution.withdrawals.providers import provider_class

    if config is None:
        return False
    cls = provider_class(config.channel)
    secrets = config.secrets()
    return all(config.options.get(name) for name in cls.required_options) and all(
        secrets.get(name) for name in cls.required_secrets
    )


def provider_configs(installation: Installation) -> dict[str, ProviderConfig]:
    """The installation's payout channels that have settings, by channel."""
    return {c.channel: c for c in ProviderConfig.objects.filter(installation=installation)}


def current_payee(
    installation: Installation, distributor: Distributor, channel: str
) -> PayeeAccount | None:
    return PayeeAccount.objects.filter(
        installation=installation, distributor=distributor, channel=channel, unbound_at__isnull=True
    ).first()


def payee_accounts(installation: Installation, distributor: Distributor) -> QuerySet[PayeeAccount]:
    """The distributor's current accounts; show `identity_masked` / `real_name_masked`."""
    return PayeeAccount.objects.filter(
        installation=installation, distributor=distributor, unbound_at__isnull=True
    ).order_by("channel")


def withdrawals_of(installation: Installation, distributor: Distributor) -> QuerySet[Withdrawal]:
    return Withdrawal.objects.filter(installation=installation, distributor=distributor).order_by(
        "-requested_at", "-pk"
    )


def staff_queue(
    installation: Installation, statuses: Iterable[str] = (WithdrawalStatus.REQUESTED,)
) -> QuerySet[Withdrawal]:
    """Withdrawals waiting for staff (oldest first), with distributor and payee joined."""
    return (
        Withdrawal.objects.filter(installation=installation, status__in=list(statuses))
        .select_related("distributor", "payee_account")
        .order_by("requested_at", "pk")
    )


def get_withdrawal(installation: Installation, withdrawal_id: int) -> Withdrawal | None:
    return Withdrawal.objects.filter(installation=installation, pk=withdrawal_id).first()


def withdrawal_events(withdrawal: Withdrawal) -> QuerySet[WithdrawalEvent]:
    return WithdrawalEvent.objects.filter(withdrawal=withdrawal).order_by("pk")


def payout_confirmation(withdrawal: Withdrawal) -> dict[str, str] | None:
    """What the storefront passes to `wx.requestMerchantTransfer` (`mchId`, `appId`,
    `package`) while a WeChat payout waits for the payee's confirmation; None otherwise.
    Only ever show it to the withdrawal's own distributor."""
    if (
        withdrawal.channel != PayoutChannel.WECHAT
        or withdrawal.status != WithdrawalStatus.AWAITING_CONFIRMATION
        or not withdrawal.package_info
    ):
        return None
    config = get_provider_config(
        withdrawal.installation_id, PayoutChannel.WECHAT, active_only=False
    )
    if config is None:
        return None
    appid = withdrawal.payee_account.wechat_appid if withdrawal.payee_account else ""
    return {
        "mchId": str(config.options.get("mchid", "")),
        "appId": appid or str(config.options.get("appid", "")),
        "package": withdrawal.package_info,
    }


def usage_since(
    installation_id: int, distributor_id: int, currency: str, since: datetime
) -> tuple[int, Decimal]:
    """How many withdrawals, and how much, the distributor requested since `since`."""
    row = (
        Withdrawal.objects.filter(
            installation_id=installation_id,
            distributor_id=distributor_id,
            currency=currency,
            requested_at__gte=since,
        )
        .exclude(status__in=NOT_COUNTED)
        .aggregate(count=Count("pk"), total=Sum("amount"))
    )
    return row["count"], row["total"] or Decimal(0)


def payouts_due(now: datetime, limit: int) -> list[int]:
    """Withdrawals the poller should look at now: unfinished payouts whose next query is
    due, and approved ones whose submission nudge may have been lost."""
    return list(
        Withdrawal.objects.filter(status__in=ACTIVE_QUERY_STATUSES)
        .filter(Q(next_query_at__lte=now))
        .order_by("next_query_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def ledger_traces(withdrawal_ids: Iterable[int]) -> dict[int, LedgerTrace]:
    """Per withdrawal, the sums of its hold, payment and release in the ledger."""
    ids = [int(pk) for pk in withdrawal_ids]
    sums: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    rows = (
        LedgerEntry.objects.filter(
            reference_type="withdrawal", reference_id__in=[str(pk) for pk in ids]
        )
        .filter(
            Q(code=EntryCode.WITHDRAWAL_HELD, bucket=Bucket.WITHDRAWING)
            | Q(code=EntryCode.WITHDRAWAL_PAID, bucket=Bucket.PAID)
            | Q(code=EntryCode.WITHDRAWAL_RELEASED, bucket=Bucket.AVAILABLE)
        )
        .values("reference_id", "code")
        .annotate(total=Sum("amount"))
    )
    for row in rows:
        sums[int(row["reference_id"])][row["code"]] += row["total"]
    return {
        pk: LedgerTrace(
            held=sums[pk][EntryCode.WITHDRAWAL_HELD],
            paid=sums[pk][EntryCode.WITHDRAWAL_PAID],
            released=sums[pk][EntryCode.WITHDRAWAL_RELEASED],
        )
        for pk in ids
    }


def wechat_authorize_url(
    installation: Installation, *, redirect_uri: str, state: str
) -> str | None:
    """Where an official-account page sends the distributor to log in (silently, scope
    `snsapi_base`) before `actions.bind_wechat_account` exchanges the returned code; None
    when WeChat Pay is not set up. `state` is the caller's CSRF token."""
    from saleor_distribution.withdrawals.providers import build_provider
    from saleor_distribution.withdrawals.providers.wechat_login import authorize_url

    config = get_provider_config(installation, PayoutChannel.WECHAT)
    if config is None:
        return None
    return authorize_url(build_provider(config).settings, redirect_uri=redirect_uri, state=state)
