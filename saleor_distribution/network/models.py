from __future__ import annotations

from django.db import models
from django.utils import timezone

from saleor_distribution.installations.models import Installation


class DistributorStatus(models.TextChoices):
    APPLIED = "applied"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REJECTED = "rejected"


class Grade(models.Model):
    """A distributor level (分销等级). Higher `rank` is a higher grade; commission plans may
    set rates per grade, and upgrade rules move distributors up."""

    installation = models.ForeignKey(Installation, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=64)
    rank = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("installation", "name"), name="network_grade_unique_name"
            ),
        ]
        ordering = ("rank", "pk")

    def __str__(self) -> str:
        return self.name


class Distributor(models.Model):
    """A Saleor customer who earns commission (分销员), and their place in the network tree.

    The tree is a materialised path: `path` is the chain of ancestor ids from the root down to
    this node, each wrapped in slashes ("/12/345/6789/"), and `depth` is the number of
    ancestors. Ancestors are then one primary-key lookup, and descendants one index range scan
    (`path LIKE '/12/345/%'`), with no recursion.
    """

    installation = models.ForeignKey(Installation, on_delete=models.PROTECT, related_name="+")
    saleor_user_id = models.CharField(max_length=255)
    email = models.EmailField(max_length=254)
    display_name = models.CharField(max_length=255, blank=True)
    # Stored upper-case; looked up case-insensitively by upper-casing the input.
    code = models.CharField(max_length=16)
    status = models.CharField(
        max_length=16, choices=DistributorStatus.choices, default=DistributorStatus.APPLIED
    )
    grade = models.ForeignKey(
        Grade, null=True, blank=True, on_delete=models.PROTECT, related_name="distributors"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=1024, default="/")
    depth = models.PositiveIntegerField(default=0)
    joined_at = models.DateTimeField(default=timezone.now)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("installation", "saleor_user_id"), name="network_distributor_unique_user"
            ),
            models.UniqueConstraint(
                fields=("installation", "code"), name="network_distributor_unique_code"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids of the ancestors, nearest (the parent) first."""
        return [int(part) for part in reversed(self.path.strip("/").split("/")) if part][1:]


class BindingSource(models.TextChoices):
    INVITE = "invite"  # `distribution.invite` in the customer's metadata
    REFERRAL_LINK = "referral_link"
    ORDER_REF = "order_ref"  # a code on an order (last-touch policies may rebind)
    STAFF = "staff"
    CUSTOMER = "customer"  # the customer bound themself through the API


class CustomerBinding(models.Model):
    """Customer → distributor (关系绑定). At most one current binding per customer; a
    rebinding ends the current row (`ended_at`) and starts a new one, so history is kept."""

    installation = models.ForeignKey(Installation, on_delete=models.PROTECT, related_name="+")
    customer_saleor_id = models.CharField(max_length=255, blank=True)
    customer_email = models.EmailField(max_length=254, blank=True)
    distributor = models.ForeignKey(Distributor, on_delete=models.PROTECT, related_name="bindings")
    source = models.CharField(max_length=32, choices=BindingSource.choices)
    bound_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)  # None: permanent
    protected_until = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=("installation", "customer_saleor_id"), name="network_binding_user_idx"
            ),
            models.Index(
                fields=("installation", "customer_email"), name="network_binding_email_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_email or self.customer_saleor_id} → {self.distributor_id}"
