"""Shared steps of the payout scenarios."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.test import Client
from django.urls import reverse

from saleor_distribution.core.money import Money
from saleor_distribution.installations.models import Installation
from saleor_distribution.ledger.models import Account, LedgerEntry
from saleor_distribution.network.models import Distributor
from saleor_distribution.withdrawals import actions
from saleor_distribution.withdrawals.models import (
    PayoutNotification,
    Withdrawal,
    WithdrawalEvent,
)
from tests.fixtures.withdrawals import STAFF, balances


def cny(amount: str) -> Money:
    return Money(Decimal(amount), "CNY")


def buckets(available: str, withdrawing: str = "0", paid: str = "0") -> dict[str, Decimal]:
    return {
        "pending": Decimal(0),
        "frozen": Decimal(0),
        "available": Decimal(available),
        "withdrawing": Decimal(withdrawing),
        "paid": Decimal(paid),
    }


def approved(
    installation: Installation, distributor: Distributor, amount: str, channel: str
) -> Withdrawal:
    withdrawal = actions.request_withdrawal(
        installation, distributor, amount=cny(amount), channel=channel
    )
    return actions.approve_withdrawal(installation, withdrawal.pk, staff_user_id=STAFF)


def snapshot(withdrawal: Withdrawal, account: Account) -> dict[str, Any]:
    """Everything a refused notification or request must leave as it was."""
    withdrawal.refresh_from_db()
    return {
        "withdrawal": {
            f.attname: getattr(withdrawal, f.attname) for f in Withdrawal._meta.concrete_fields
        },
        "balances": balances(account),
        "events": WithdrawalEvent.objects.count(),
        "entries": LedgerEntry.objects.count(),
        "notifications": PayoutNotification.objects.count(),
    }


def post_wechat_notification(
    installation: Installation, headers: dict[str, str], body: bytes
) -> Any:
    url = reverse("payouts-notify-wechatpay", kwargs={"installation_id": installation.pk})
    return Client().post(url, data=body, content_type="application/json", headers=headers)


def post_alipay_notification(installation: Installation, body: bytes) -> Any:
    url = reverse("payouts-notify-alipay", kwargs={"installation_id": installation.pk})
    return Client().post(
        url, data=body, content_type="application/x-www-form-urlencoded; charset=utf-8"
    )


def event_types(withdrawal: Withdrawal) -> list[str]:
    return list(withdrawal.events.order_by("pk").values_list("type", flat=True))
