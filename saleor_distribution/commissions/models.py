"""Commission plans, voucher ownership, order records and commissions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

from saleor_distribution.commissions import calculations
from saleor_distribution.installations.models import Installation
from saleor_distribution.ledger.models import MONEY, Account
from saleor_distribution.network.models import Distributor

RATE: dict[str, Any] = {"max_digits": 9, "decimal_places": 6}


class BaseKind(models.TextChoices):
    NET = calculations.NET  # tax excluded (the default)
    GROSS = calculations.GROSS


class UplineRule(models.TextChoices):
    SKIP = calculations.SKIP  # an ineligible upline's level is not paid
    PASS_UP = calculations.PASS_UP  # the next eligible ancestor takes the level


class ImmutableError(Exception):
    """A plan version is history: it is never changed or deleted, only superseded."""


class PlanVersion(models.Model):
    """One immutable version of an installation's commission plan.

    Rates are fractions of the base ("0.10" is 10 %). `grade_rates` maps a grade id to its
    rates per level; `product_rules` / `category_rules` map a Saleor product / category id
    to `{"kind": "percentage"|"fixed", "values": [per level], "currency": "CNY"}` (fixed
    rules pay an amount per unit, in that currency only). Precedence: product > category >
    grade > level. Every commission records the version it was computed with; an order keeps
    the version it was first computed with.
    """

    installation = models.ForeignKey(Installation, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField()
    levels = models.PositiveSmallIntegerField()
    level_rates = models.JSONField()
    grade_rates = models.JSONField(default=dict, blank=True)
    category_rules = models.JSONField(default=dict, blank=True)
    product_rules = models.JSONField(default=dict, blank=True)
    base_kind = models.CharField(max_length=8, choices=BaseKind.choices, default=BaseKind.NET)
    include_shipping = models.BooleanField(default=False)
    # Σ commissions of an order ≤ cap_rate x its base; None: no cap.
    cap_rate = models.DecimalField(null=True, blank=True, **RATE)
    self_purchase = models.BooleanField(default=False)
    # An upline earns only if it sold in the last `activity_days` days (None: no rule).
    activity_days = models.PositiveIntegerField(null=True, blank=True)
    upline_rule = models.CharField(
        max_length=8, choices=UplineRule.choices, default=UplineRule.SKIP
    )
    freeze_days = models.PositiveIntegerField(default=7)
    note = models.TextField(blank=True)
    created_by = models.CharField(max_length=255, blank=True)  # staff user id, "" for the default
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("installation", "number"), name="commissions_plan_version_unique_number"
            ),
        ]
        ordering = ("installation", "number")

    def __str__(self) -> str:
        return f"plan v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableError("a plan version cannot be changed; create a new version")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ImmutableError("a plan version cannot be deleted")

    def rules(self) -> calculations.PlanRules:
        def rates(values: list[str]) -> tuple[Decimal, ...]:
            return tuple(Decimal(v) for v in values)

        def rule(data: dict[str, Any]) -> calculations.Rule:
            return calculations.Rule(
                kind=data["kind"], values=rates(data["values"]), currency=data.get("currency")
            )

        return calculations.PlanRules(
            version_id=self.pk,
            levels=self.levels,
            level_rates=rates(self.level_rates),
            grade_rates={int(k): rates(v) for k, v in self.grade_rates.items()},
            category_rules={k: rule(v) for k, v in self.category_rules.items()},
            product_rules={k: rule(v) for k, v in self.product_rules.items()},
            base_kind=self.base_kind,
            include_shipping=self.include_shipping,
            cap_rate=self.cap_rate,
            self_purchase=self.self_purchase,
            activity_days=self.activity_days,
            upline_rule=self.upline_rule,
            freeze_days=self.freeze_days,
        )


class CommissionProgramme(models.Model):
    """Which plan version is in force for an installation (exactly one)."""

    installation = models.OneToOneField(
        Installation, on_delete=models.PROTECT, related_name="commission_programme"
    )
    active_version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="+")
    activated_at = models.DateTimeField(default=timezone.now)
    activated_by = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"{self.installation_id}: {self.active_version}"


class VoucherOwnership(models.Model):
    """A Saleor voucher code that belongs to a distributor (Saleor vouchers have no owner,
    APP-CONTRACT §10.4): an order using it is attributed to the distributor."""

    installation = models.ForeignKey(Installation, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=255)  # stored upper-case, matched case-insensitively
    voucher_id = models.CharField(max_length=255, blank=True)
    distributor = models.ForeignKey(
        Distributor, on_delete=models.PROTECT, related_name="owned_vouchers"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("installation", "code"), name="commissions_voucher_unique_code"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class AttributionSource(models.TextChoices):
    REF = "ref"  # `distribution.ref` in the order's metadata
    VOUCHER = "voucher"  # a voucher code owned by a distributor
    BINDING = "binding"  # the customer's binding when the order was created
    SELF_PURCHASE = "self_purchase"  # the buyer is a distributor and the plan pays self-purchase
    NONE = "none"


class OrderRecord(models.Model):
    """The app's view of one Saleor order: the newest snapshot applied, and who it is
    attributed to and why.

    "Newest" is by Saleor's `updatedAt`; at an equal `updatedAt` a terminal status
    (CANCELED/EXPIRED) wins, then the later `issuedAt` (APP-CONTRACT §10.2).
    """

    installation = models.ForeignKey(Installation, on_delete=models.PROTECT, related_name="+")
    saleor_order_id = models.CharField(max_length=255)
    number = models.CharField(max_length=32, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    status = models.CharField(max_length=32, blank=True)
    charge_status = models.CharField(max_length=32, blank=True)
    is_paid = models.BooleanField(default=False)
    customer_saleor_id = models.CharField(max_length=255, blank=True)
    customer_email = models.CharField(max_length=254, blank=True)
    saleor_created_at = models.DateTimeField(null=True)
    saleor_updated_at = models.DateTimeField(null=True)
    issued_at = models.DateTimeField(null=True)
    # Bumped each time a newer snapshot is applied; part of the ledger idempotency keys.
    version = models.PositiveIntegerField(default=0)
    snapshot = models.JSONField(default=dict)
    snapshot_delivery_id = models.BigIntegerField(null=True, blank=True)

    plan_version = models.ForeignKey(
        PlanVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    # Indexed with the creation time below (the activity rule's lookup).
    attributed_distributor = models.ForeignKey(
        Distributor,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    attribution_source = models.CharField(
        max_length=16, choices=AttributionSource.choices, default=AttributionSource.NONE
    )
    attribution_reason = models.TextField(blank=True)
    attribution_details = models.JSONField(default=dict, blank=True)
    # What attribution was decided from (ref, voucher, customer); a change re-attributes.
    attribution_inputs = models.JSONField(default=dict, blank=True)
    # The beneficiaries per level, decided with the attribution: [{level, distributor, grade}].
    chain = models.JSONField(default=list, blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    matures_at = models.DateTimeField(null=True, blank=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("installation", "saleor_order_id"), name="commissions_order_unique"
            ),
        ]
        indexes = [
            models.Index(
                fields=("attributed_distributor", "saleor_created_at"),
                name="commissions_order_seller_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"order {self.number or self.saleor_order_id}"


class CommissionState(models.TextChoices):
    PENDING = "pending"
    FROZEN = "frozen"
    AVAILABLE = "available"
    REVERSED = "reversed"  # nothing left: cancelled, expired or fully refunded


class SettlementRun(models.Model):
    """One batch of the settlement task: the commissions it moved to available."""

    started_at = models.DateTimeField(default=timezone.now)
    matured_before = models.DateTimeField()
    commission_count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"settlement {self.pk}"


class Commission(models.Model):
    """Money a distributor earns on one order line at one level.

    `bucket` and `amount` say where this commission's money sits in the ledger; the
    reconciliation moves it with entries keyed by the order's snapshot version, and the
    settlement moves frozen → available. Base, rate and the rule that gave it are kept, with
    the plan version, so a commission can always be explained.
    """

    installation = models.ForeignKey(
        Installation, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # Indexes: the unique (order, line, level, beneficiary) serves lookups by order, the
    # (beneficiary, created_at) one lookups by beneficiary; inserts stay cheap.
    order = models.ForeignKey(
        OrderRecord, on_delete=models.PROTECT, related_name="commissions", db_index=False
    )
    plan_version = models.ForeignKey(
        PlanVersion, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    line_id = models.CharField(max_length=255)  # Saleor order line id, or "shipping"
    level = models.PositiveSmallIntegerField()
    beneficiary = models.ForeignKey(
        Distributor, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+", db_index=False)
    currency = models.CharField(max_length=3)
    quantity = models.PositiveIntegerField(default=0)
    base = models.DecimalField(**MONEY)
    rate_kind = models.CharField(max_length=16)
    rate = models.DecimalField(max_digits=20, decimal_places=6)
    rule_source = models.CharField(max_length=16)
    gross_amount = models.DecimalField(**MONEY)
    refunded_amount = models.DecimalField(default=0, **MONEY)
    amount = models.DecimalField(**MONEY)
    state = models.CharField(max_length=16, choices=CommissionState.choices)
    bucket = models.CharField(max_length=16)
    matures_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    settlement_run = models.ForeignKey(
        SettlementRun,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("order", "line_id", "level", "beneficiary"),
                name="commissions_commission_unique_line_level",
            ),
        ]
        indexes = [
            models.Index(
                fields=("matures_at",),
                condition=Q(state="frozen"),
                name="commissions_maturing_idx",
            ),
            models.Index(fields=("beneficiary", "created_at"), name="commissions_beneficiary_idx"),
            # Only settled rows are indexed: the settlement statements read a run's rows.
            models.Index(
                fields=("settlement_run",),
                condition=Q(settlement_run__isnull=False),
                name="commissions_settled_run_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"commission {self.pk} L{self.level} {self.amount} {self.currency}"
