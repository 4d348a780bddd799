from __future__ import annotations

from django.db import models
from django.utils import timezone

from saleor_distribution.installations.models import Installation


class DistributorStatus(models.TextChoices):
    APPLIED = "applied"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REJECTED = "rejected"


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
