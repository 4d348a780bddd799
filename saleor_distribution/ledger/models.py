"""The ledger: accounts per (distributor, currency) and their append-only entries.

An account's balance in a bucket is the sum of its entries in that bucket; the account row
caches those sums and is updated in the same transaction as the entries (with `F()`, under a
row lock), so `cached == Σ entries` always holds. Entries are never updated or deleted:
a correction is a new entry.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from saleor_distribution.installations.models import Installation
from saleor_distribution.network.models import Distributor

MONEY: dict[str, Any] = {"max_digits": 20, "decimal_places": 3}


class Bucket(models.TextChoices):
    PENDING = "pending"  # 待结算: the order is placed, not paid
    FROZEN = "frozen"  # 冻结中: paid, waiting for fulfilment + the freeze period
    AVAILABLE = "available"  # 可提现: may be withdrawn (may go below zero after a clawback)
    WITHDRAWING = "withdrawing"  # held by a withdrawal in progress
    PAID = "paid"  # paid out


class EntryCode(models.TextChoices):
    """Why money moved (TigerBeetle's `code`)."""

    COMMISSION_ACCRUED = "commission_accrued"  # a commission appeared or grew
    COMMISSION_FROZEN = "commission_frozen"  # pending → frozen (the order was paid)
    COMMISSION_UNFROZEN = "commission_unfrozen"  # frozen → pending (the payment went away)
    COMMISSION_SETTLED = "commission_settled"  # frozen → available (settlement)
    COMMISSION_REVERSED = "commission_reversed"  # cancel/expiry/refund before settlement
    CLAWBACK = "clawback"  # refund after settlement: taken back from available
    ADJUSTMENT = "adjustment"  # a staff correction, with a reason and the staff id
    WITHDRAWAL_HELD = "withdrawal_held"  # available → withdrawing
    WITHDRAWAL_PAID = "withdrawal_paid"  # withdrawing → paid
    WITHDRAWAL_RELEASED = "withdrawal_released"  # withdrawing → available (failed/rejected)


class Account(models.Model):
    installation = models.ForeignKey(Installation, on_delete=models.PROTECT, related_name="+")
    distributor = models.ForeignKey(
        Distributor, on_delete=models.PROTECT, related_name="ledger_accounts"
    )
    currency = models.CharField(max_length=3)
    # Cached sums of the entries, per bucket.
    pending = models.DecimalField(default=0, **MONEY)
    frozen = models.DecimalField(default=0, **MONEY)
    available = models.DecimalField(default=0, **MONEY)
    withdrawing = models.DecimalField(default=0, **MONEY)
    paid = models.DecimalField(default=0, **MONEY)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("installation", "distributor", "currency"),
                name="ledger_account_unique_distributor_currency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.distributor_id} {self.currency}"

    def balance(self, bucket: str) -> object:
        return getattr(self, Bucket(bucket).value)


class LedgerEntry(models.Model):
    installation = models.ForeignKey(
        Installation, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    bucket = models.CharField(max_length=16, choices=Bucket.choices)
    amount = models.DecimalField(**MONEY)  # signed
    code = models.CharField(max_length=32, choices=EntryCode.choices)
    # What the entry is about: ("commission", "123"), ("withdrawal", "45"), ...
    reference_type = models.CharField(max_length=32, blank=True)
    reference_id = models.CharField(max_length=64, blank=True)
    # Deterministic, derived from the business action; unique per installation.
    idempotency_key = models.CharField(max_length=200)
    reason = models.TextField(blank=True)
    actor = models.CharField(max_length=255, blank=True)  # the staff user id, for adjustments
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("installation", "idempotency_key"), name="ledger_entry_unique_key"
            ),
        ]
        indexes = [
            models.Index(fields=("reference_type", "reference_id"), name="ledger_entry_ref_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.idempotency_key} {self.bucket} {self.amount}"
