from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone

from saleor_distribution.installations.models import Installation

PATH_MAX_LENGTH = 2048
GRADE_NAME_MAX_LENGTH = 64


class DistributorStatus(models.TextChoices):
    APPLIED = "applied"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REJECTED = "rejected"


class Grade(models.Model):
    """A distributor level (分销等级). Higher `rank` is a higher grade; commission plans may
    set rates per grade, and upgrade rules move distributors up.

    The upgrade targets (升级条件) are what a distributor must reach to hold the grade: their
    own paid sales in one currency (`DistributorSales`: orders attributed to them), their
    direct recruits (`direct_count`) and their whole team (`team_size`). A target left empty
    (no currency; null counts) is not required. With `auto_upgrade`, `network.grades` moves
    every active distributor who meets every target of the grade up to it (never down); a
    grade with no target at all is only ever given by staff.
    """

    installation = models.ForeignKey(Installation, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=GRADE_NAME_MAX_LENGTH)
    rank = models.PositiveIntegerField(default=0)
    # Sales target: `min_sales_currency` "" means none (as the joining spend threshold).
    min_sales_amount = models.DecimalField(max_digits=20, decimal_places=3, default=Decimal(0))
    min_sales_currency = models.CharField(max_length=3, blank=True)
    min_direct_count = models.PositiveIntegerField(null=True, blank=True)
    min_team_size = models.PositiveIntegerField(null=True, blank=True)
    auto_upgrade = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("installation", "name"), name="network_grade_unique_name"
            ),
            models.UniqueConstraint(
                fields=("installation", "rank"), name="network_grade_unique_rank"
            ),
            models.CheckConstraint(
                condition=Q(min_sales_amount__gte=0), name="network_grade_min_sales_not_negative"
            ),
        ]
        ordering = ("rank", "pk")

    def __str__(self) -> str:
        return self.name

    @property
    def has_targets(self) -> bool:
        return bool(
            self.min_sales_currency
            or self.min_direct_count is not None
            or self.min_team_size is not None
        )


class Distributor(models.Model):
    """A Saleor customer who earns commission (分销员), and their place in the network tree.

    The tree is a materialised path: `path` is the chain of ancestor ids from the root down to
    this node, each wrapped in slashes ("/12/345/6789/"), and `depth` is the number of
    ancestors. Ancestors are then one primary-key lookup, and descendants one index range scan
    (`path LIKE '/12/345/%'`), with no recursion.

    `team_size` (all descendants) and `direct_count` (children) are counters kept by
    `network.actions` in the transaction of every insert and move, as are the per-depth counts
    in `TeamLevelCount`. They count every distributor below, whatever its status.
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
    # 2048 characters stay within a btree entry (about 2700 bytes), and hold 200 levels of
    # 9-digit ids: deeper than any real network; deeper inserts and moves are refused.
    path = models.CharField(max_length=PATH_MAX_LENGTH, default="/")
    depth = models.PositiveIntegerField(default=0)
    joined_at = models.DateTimeField(default=timezone.now)
    approved_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    # Why staff rejected or suspended the distributor (shown to them); empty otherwise.
    status_reason = models.TextField(blank=True)
    team_size = models.PositiveIntegerField(default=0)
    direct_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("installation", "saleor_user_id"), name="network_distributor_unique_user"
            ),
            models.UniqueConstraint(
                fields=("installation", "code"), name="network_distributor_unique_code"
            ),
        ]
        indexes = [
            # Subtrees: `path LIKE '/1/2/%'` is a range scan whatever the database collation.
            # (SQLite ignores the operator class.)
            models.Index(
                fields=("path",), name="network_dist_path_idx", opclasses=("varchar_pattern_ops",)
            ),
            # The team at one depth: `depth = d AND path LIKE '/1/2/%'`.
            models.Index(
                fields=("depth", "path"),
                name="network_dist_depth_path_idx",
                opclasses=("int4_ops", "varchar_pattern_ops"),
            ),
            # The direct team, page by page in id order.
            models.Index(fields=("parent", "id"), name="network_dist_children_idx"),
            # Staff lists sorted by team size or by joining date (newest first by default),
            # page by page, without sorting every distributor of the installation.
            models.Index(
                fields=("installation", "team_size", "id"), name="network_dist_team_size_idx"
            ),
            models.Index(
                fields=("installation", "joined_at", "id"), name="network_dist_joined_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids of the ancestors, nearest (the parent) first."""
        return [int(part) for part in reversed(self.path.strip("/").split("/")) if part][1:]

    @property
    def is_active(self) -> bool:
        return self.status == DistributorStatus.ACTIVE


class TeamLevelCount(models.Model):
    """How many distributors sit `relative_depth` levels below `ancestor` (1 = children).

    A maintained counter, one row per (ancestor, level) that has anyone on it, so "team by
    depth" is a primary-key read. Rows belong to their ancestor's installation.
    """

    ancestor = models.ForeignKey(Distributor, on_delete=models.CASCADE, related_name="+")
    relative_depth = models.PositiveIntegerField()
    # Signed on purpose: a move applies its decrements in one upsert statement, and
    # PostgreSQL checks a CHECK (count >= 0) on the proposed row before the conflict.
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("ancestor", "relative_depth"), name="network_teamlevel_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ancestor_id} +{self.relative_depth}: {self.count}"


class JoiningMode(models.TextChoices):
    OPEN = "open"  # anyone who applies is active at once
    APPROVAL = "approval"  # applications wait for staff
    SPEND_THRESHOLD = "spend_threshold"  # active once the customer's paid spend reaches a sum


class TouchModel(models.TextChoices):
    FIRST_TOUCH = "first_touch"  # the first code keeps the customer while the binding lasts
    LAST_TOUCH = "last_touch"  # a newer code takes the customer, after the protection period


class NetworkPolicy(models.Model):
    """The programme's network rules for one installation (created with defaults on first use).

    `storefront_urls` maps a channel slug to its templates:
    `{"home": "https://shop/{channel}/", "link": "https://shop/{channel}/?ref={code}",
    "product": "https://shop/{channel}/products/{product}/?ref={code}"}`.
    `{channel}`, `{code}` and `{product}` are replaced, URL-quoted.
    """

    installation = models.OneToOneField(
        Installation, on_delete=models.PROTECT, related_name="network_policy"
    )
    joining_mode = models.CharField(
        max_length=32, choices=JoiningMode.choices, default=JoiningMode.OPEN
    )
    join_spend_threshold_amount = models.DecimalField(
        max_digits=20, decimal_places=3, default=Decimal(0)
    )
    join_spend_threshold_currency = models.CharField(max_length=3, blank=True)
    # Parent of a distributor who joins with no inviter (None: they become a root).
    default_sponsor = models.ForeignKey(
        Distributor, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Customer binding (关系绑定).
    binding_days = models.PositiveIntegerField(null=True, blank=True)  # None: permanent
    binding_touch = models.CharField(
        max_length=16, choices=TouchModel.choices, default=TouchModel.FIRST_TOUCH
    )
    binding_protection_days = models.PositiveIntegerField(default=0)  # 保护期
    bind_new_customers_only = models.BooleanField(default=False)
    # Referral links.
    storefront_urls = models.JSONField(default=dict, blank=True)
    default_channel = models.CharField(max_length=255, blank=True)
    # Clicks counted per hashed visitor and window; more are redirected but not counted.
    click_rate_limit = models.PositiveIntegerField(default=10)
    click_rate_window_seconds = models.PositiveIntegerField(default=3600)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"network policy of installation {self.installation_id}"


class BindingSource(models.TextChoices):
    INVITE = "invite"  # `distribution.invite` in the customer's metadata
    REFERRAL_LINK = "referral_link"
    ORDER_REF = "order_ref"  # a code on an order (last-touch policies may rebind)
    STAFF = "staff"
    CUSTOMER = "customer"  # the customer bound themself through the API


class BindingEndReason(models.TextChoices):
    REBOUND = "rebound"  # another distributor took the customer (last touch)
    EXPIRED = "expired"  # the binding ran out and was replaced
    STAFF = "staff"  # staff rebound or unbound the customer


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
    # The referral code that made the binding, and why the binding ended.
    code = models.CharField(max_length=16, blank=True)
    end_reason = models.CharField(max_length=16, choices=BindingEndReason.choices, blank=True)

    class Meta:
        constraints = [
            # At most one open binding per customer (by Saleor id; by email for guests), so
            # two concurrent binds cannot both win.
            models.UniqueConstraint(
                fields=("installation", "customer_saleor_id"),
                condition=Q(ended_at__isnull=True) & ~Q(customer_saleor_id=""),
                name="network_binding_one_open_per_user",
            ),
            models.UniqueConstraint(
                fields=("installation", "customer_email"),
                condition=Q(ended_at__isnull=True, customer_saleor_id=""),
                name="network_binding_one_open_per_guest",
            ),
        ]
        indexes = [
            models.Index(
                fields=("installation", "customer_saleor_id"), name="network_binding_user_idx"
            ),
            models.Index(
                fields=("installation", "customer_email"), name="network_binding_email_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_saleor_id or self.customer_email} -> {self.distributor_id}"


class Invitation(models.Model):
    """Who invited a customer (from `distribution.invite` or a staff action), kept so that the
    inviter becomes the parent if the customer joins as a distributor later. The first
    invitation is kept: the inviter is whoever brought the customer in."""

    installation = models.ForeignKey(Installation, on_delete=models.PROTECT, related_name="+")
    customer_saleor_id = models.CharField(max_length=255)
    customer_email = models.EmailField(max_length=254, blank=True)
    inviter = models.ForeignKey(Distributor, on_delete=models.PROTECT, related_name="invitations")
    code = models.CharField(max_length=16)
    source = models.CharField(max_length=32, choices=BindingSource.choices)
    invited_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("installation", "customer_saleor_id"), name="network_invitation_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_saleor_id} invited by {self.inviter_id}"


class ReferralClick(models.Model):
    """One counted visit of a referral link. No IP address or user agent is kept: only a
    salted hash of both (`visitor_hash`), enough to rate-limit and count unique visitors."""

    installation = models.ForeignKey(Installation, on_delete=models.PROTECT, related_name="+")
    distributor = models.ForeignKey(Distributor, on_delete=models.PROTECT, related_name="clicks")
    clicked_at = models.DateTimeField(default=timezone.now)
    channel = models.CharField(max_length=255, blank=True)
    product = models.CharField(max_length=255, blank=True)
    target_url = models.URLField(max_length=2048)
    visitor_hash = models.CharField(max_length=64)

    class Meta:
        indexes = [
            models.Index(
                fields=("installation", "visitor_hash", "clicked_at"),
                name="network_click_visitor_idx",
            ),
            models.Index(fields=("distributor", "clicked_at"), name="network_click_dist_idx"),
        ]

    def __str__(self) -> str:
        return f"click on {self.distributor_id} at {self.clicked_at:%Y-%m-%d %H:%M:%S}"


class ReferralLink(models.Model):
    """A per-product or per-channel share link a distributor made (推广链接). The link itself
    is `fetch.referral_link(...)`; the row remembers that the distributor made it, so it is
    listed with its clicks and orders. The shop link of the default channel needs no row."""

    installation = models.ForeignKey(Installation, on_delete=models.PROTECT, related_name="+")
    distributor = models.ForeignKey(
        Distributor, on_delete=models.PROTECT, related_name="referral_links"
    )
    channel = models.CharField(max_length=255)
    product = models.CharField(max_length=255, blank=True)  # Saleor product id; "": the shop
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("distributor", "channel", "product"), name="network_referral_link_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.distributor_id} {self.channel} {self.product or 'shop'}"
