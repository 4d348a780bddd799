"""What orders count for in the reports: each order's sales value and who it is attributed
to, and every distributor's sales totals per currency.

Both are kept in step with the order's newest snapshot by the order reconciliation
(`commissions.actions.reconcile_order` calls `reports.actions.record_order_sales` in its
transaction), so a total is always the sum of its orders. They exist because sorting a
million distributors by sales, or summing a month of sales, cannot read order snapshots.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from saleor_distribution.commissions.models import OrderRecord
from saleor_distribution.installations.models import Installation
from saleor_distribution.ledger.models import MONEY
from saleor_distribution.network.models import Distributor


class OrderSales(models.Model):
    """One order as the reports see it. `amount` is its sales value (the order's gross total
    less what was refunded) while it counts (paid and not cancelled or expired), else 0."""

    installation = models.ForeignKey(
        Installation, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    order = models.OneToOneField(OrderRecord, on_delete=models.PROTECT, related_name="sales")
    distributor = models.ForeignKey(
        Distributor, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        db_index=False,
    )
    customer_saleor_id = models.CharField(max_length=255, blank=True)
    currency = models.CharField(max_length=3)
    counted = models.BooleanField(default=False)
    amount = models.DecimalField(default=0, **MONEY)
    # The products of the order's lines (Saleor ids), for per-product link statistics.
    product_ids = models.JSONField(default=list, blank=True)
    placed_at = models.DateTimeField()
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # A period of the programme's sales (the overview).
            models.Index(
                fields=("installation", "currency", "placed_at"),
                condition=Q(distributor__isnull=False),
                name="reports_order_period_idx",
            ),
            # A customer's paid spend (joining by spend threshold).
            models.Index(
                fields=("installation", "customer_saleor_id"), name="reports_order_customer_idx"
            ),
            models.Index(
                fields=("distributor", "placed_at"),
                condition=Q(distributor__isnull=False),
                name="reports_order_seller_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"sales of order {self.order_id}: {self.amount} {self.currency}"


class OrderProduct(models.Model):
    """A product in a counted, attributed order: "orders" of a per-product referral link."""

    order_sales = models.ForeignKey(OrderSales, on_delete=models.CASCADE, related_name="products")
    distributor = models.ForeignKey(
        Distributor, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    product_id = models.CharField(max_length=255)

    class Meta:
        indexes = [
            models.Index(fields=("distributor", "product_id"), name="reports_product_seller_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} in {self.order_sales_id}"


class DistributorSales(models.Model):
    """A distributor's sales in one currency: Σ `OrderSales.amount` of the orders attributed
    to them, and how many of those orders count."""

    installation = models.ForeignKey(
        Installation, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    distributor = models.ForeignKey(
        Distributor, on_delete=models.PROTECT, related_name="sales_totals", db_index=False
    )
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(default=0, **MONEY)
    order_count = models.IntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("distributor", "currency"), name="reports_distributor_sales_unique"
            ),
        ]
        indexes = [
            # Distributors ranked by sales: an index scan in either direction.
            models.Index(
                fields=("installation", "currency", "amount", "distributor"),
                name="reports_sales_rank_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.distributor_id}: {self.amount} {self.currency}"
