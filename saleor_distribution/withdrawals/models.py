"""Withdrawals (提现) and their payouts (打款): payee accounts, rules, provider settings, the
withdrawal itself, its audit trail, payout notifications and reconciliation runs.

A withdrawal holds its amount in the ledger (available → withdrawing) from the moment it is
requested; it ends paid (withdrawing → paid) or released (withdrawing → available). Its payout
number (`out_bill_no` / `out_biz_no`) is generated when the row is created, so it is committed
long before any provider is called, and it never changes: a retry or a query always uses it.
"""

from __future__ import annotations

import json

from django.db import models
from django.db.models import Q
from django.utils import timezone

from saleor_distribution.core.secrets import EncryptedTextField, Secret
from saleor_distribution.installations.models import Installation
from saleor_distribution.network.models import Distributor

PAYOUT_NUMBER_MAX_LENGTH = 32
# Saleor's money columns (DEFAULT_MAX_DIGITS / DEFAULT_DECIMAL_PLACES), as the ledger's.
MONEY_DIGITS = 20
MONEY_PLACES = 3


class PayoutChannel(models.TextChoices):
    WECHAT = "wechat", "WeChat Pay"
    ALIPAY = "alipay", "Alipay"
    MANUAL = "manual", "Bank transfer by staff"
    DUMMY = "dummy", "Dummy (development only)"


class ProviderConfig(models.Model):
    """One payout channel of one installation: its settings and its credentials.

    `options` holds what may be shown (merchant id, app id, certificates, scene); the
    credentials (private keys, APIv3 key, app secret) are one JSON object encrypted at rest,
    written through `actions.configure_provider` and only ever shown masked.
    `gateway_url` overrides the production gateway (a sandbox, or the test fakes).
    """

    installation = models.ForeignKey(Installation, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=16, choices=PayoutChannel.choices)
    is_active = models.BooleanField(default=True)
    options = models.JSONField(default=dict, blank=True)
    credentials = EncryptedTextField(null=True, blank=True)
    gateway_url = models.URLField(max_length=500, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("installation", "channel"), name="withdrawals_provider_unique_channel"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.installation_id} {self.channel}"

    def secrets(self) -> dict[str, Secret]:
        if not self.credentials:
            return {}
        data = json.loads(self.credentials.reveal())
        return {name: Secret(str(value)) for name, value in data.items()}


class PayeeKind(models.TextChoices):
    WECHAT_OPENID = "wechat_openid"
    ALIPAY_USER_ID = "alipay_user_id"  # 2088…, 16 digits
    ALIPAY_LOGON_ID = "alipay_logon_id"  # phone or e-mail; needs the real name
    BANK_ACCOUNT = "bank_account"  # paid by staff


class PayeeAccount(models.Model):
    """Where a distributor's payouts on one channel go. Identity and real name are encrypted;
    the masked forms are kept beside them for display. Rebinding ends the current row and
    starts a new one, so a withdrawal keeps the account it was requested to."""

    installation = models.ForeignKey(Installation, on_delete=models.PROTECT, related_name="+")
    distributor = models.ForeignKey(
        Distributor, on_delete=models.PROTECT, related_name="payee_accounts"
    )
    channel = models.CharField(max_length=16, choices=PayoutChannel.choices)
    kind = models.CharField(max_length=32, choices=PayeeKind.choices)
    identity = EncryptedTextField()
    identity_masked = models.CharField(max_length=64)
    real_name = EncryptedTextField(null=True, blank=True)
    real_name_masked = models.CharField(max_length=64, blank=True)
    # A WeChat openid belongs to one app id (the official account or mini program).
    wechat_appid = models.CharField(max_length=64, blank=True)
    bank_name = models.CharField(max_length=128, blank=True)
    bound_at = models.DateTimeField(default=timezone.now)
    unbound_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("installation", "distributor", "channel"),
                condition=Q(unbound_at__isnull=True),
                name="withdrawals_payee_one_current_per_channel",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.identity_masked}"


class WithdrawalRules(models.Model):
    """The withdrawal rules of one installation in one currency. Amounts are gross (what
    the distributor asks for and the ledger holds); the fee is taken from it."""

    installation = models.ForeignKey(Installation, on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(max_length=3)
    enabled = models.BooleanField(default=True)
    min_amount = models.DecimalField(
        default=1, max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES
    )
    max_amount = models.DecimalField(
        null=True, blank=True, max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES
    )
    fee_rate = models.DecimalField(
        default=0, max_digits=9, decimal_places=6
    )  # fraction of the amount: 0.006 = 0.6 %
    fee_fixed = models.DecimalField(default=0, max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    daily_count_limit = models.PositiveIntegerField(null=True, blank=True)
    daily_amount_limit = models.DecimalField(
        null=True, blank=True, max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES
    )
    # Requests of at most this amount are approved at once; None: staff approve every one.
    auto_approve_max = models.DecimalField(
        null=True, blank=True, max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES
    )
    channels = models.JSONField(default=list)
    # From this amount on the payee's real name is required (WeChat itself: ¥2,000).
    real_name_required_from = models.DecimalField(
        null=True, blank=True, max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES
    )
    # "Daily" limits count calendar days in this time zone.
    day_time_zone = models.CharField(max_length=64, default="Asia/Shanghai")
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("installation", "currency"), name="withdrawals_rules_unique_currency"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.installation_id} {self.currency}"


class WithdrawalStatus(models.TextChoices):
    REQUESTED = "requested"  # funds held, waiting for approval
    APPROVED = "approved"  # waiting to be sent (again, with the same number) to the provider
    SUBMITTING = "submitting"  # claimed by one worker, which is calling the provider
    SUBMITTED = "submitted"  # the provider accepted it, or the outcome is not known yet
    AWAITING_CONFIRMATION = "awaiting_confirmation"  # WeChat: the payee must confirm
    CANCELLING = "cancelling"
    PAID = "paid"
    FAILED = "failed"
    CANCELLED = "cancelled"  # WeChat: not confirmed within 24 h, or cancelled
    REJECTED = "rejected"


FINAL_STATUSES = frozenset(
    {
        WithdrawalStatus.PAID,
        WithdrawalStatus.FAILED,
        WithdrawalStatus.CANCELLED,
        WithdrawalStatus.REJECTED,
    }
)
IN_FLIGHT_STATUSES = frozenset(
    {
        WithdrawalStatus.SUBMITTING,
        WithdrawalStatus.SUBMITTED,
        WithdrawalStatus.AWAITING_CONFIRMATION,
        WithdrawalStatus.CANCELLING,
    }
)


class Withdrawal(models.Model):
    installation = models.ForeignKey(Installation, on_delete=models.PROTECT, related_name="+")
    distributor = models.ForeignKey(
        Distributor, on_delete=models.PROTECT, related_name="withdrawals"
    )
    channel = models.CharField(max_length=16, choices=PayoutChannel.choices)
    payee_account = models.ForeignKey(
        PayeeAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES
    )  # gross: what the ledger holds
    fee = models.DecimalField(default=0, max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    net_amount = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES
    )  # what the provider pays out
    status = models.CharField(
        max_length=24, choices=WithdrawalStatus.choices, default=WithdrawalStatus.REQUESTED
    )
    # out_bill_no (WeChat) / out_biz_no (Alipay): ≤ 32 letters and digits, never changes.
    payout_number = models.CharField(max_length=PAYOUT_NUMBER_MAX_LENGTH, unique=True)
    # The client's key for this request (a double tap creates one withdrawal).
    request_key = models.CharField(max_length=64, blank=True)
    real_name_required = models.BooleanField(default=False)
    auto_approved = models.BooleanField(default=False)

    provider_reference = models.CharField(max_length=64, blank=True)  # transfer_bill_no, order_id
    provider_state = models.CharField(max_length=32, blank=True)  # the provider's own word
    package_info = models.TextField(blank=True)  # WeChat: for the payee's confirmation
    failure_code = models.CharField(max_length=64, blank=True)
    failure_reason = models.TextField(blank=True)
    rejection_reason = models.TextField(blank=True)

    requested_at = models.DateTimeField(default=timezone.now)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.CharField(max_length=255, blank=True)
    rejected_by = models.CharField(max_length=255, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    submit_attempts = models.PositiveIntegerField(default=0)
    query_attempts = models.PositiveIntegerField(default=0)
    last_queried_at = models.DateTimeField(null=True, blank=True)
    next_query_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("installation", "distributor", "request_key"),
                condition=~Q(request_key=""),
                name="withdrawals_unique_request_key",
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(fee__gte=0) & Q(net_amount__gt=0),
                name="withdrawals_positive_amounts",
            ),
        ]
        indexes = [
            models.Index(fields=("status", "next_query_at"), name="withdrawals_due_idx"),
            models.Index(
                fields=("installation", "distributor", "requested_at"),
                name="withdrawals_distributor_idx",
            ),
            models.Index(fields=("installation", "status"), name="withdrawals_queue_idx"),
        ]

    def __str__(self) -> str:
        return self.payout_number

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


class EventType(models.TextChoices):
    REQUESTED = "requested"
    APPROVED = "approved"
    AUTO_APPROVED = "auto_approved"
    REJECTED = "rejected"
    SUBMIT_CLAIMED = "submit_claimed"
    SUBMIT_FAILED = "submit_failed"  # the provider refused or did not answer
    QUERY_FAILED = "query_failed"
    REQUEUED = "requeued"  # not known to the provider: will be sent again, same number
    PROVIDER_STATE = "provider_state"  # a new in-flight state
    CANCEL_REQUESTED = "cancel_requested"
    PAID = "paid"
    FAILED = "failed"
    CANCELLED = "cancelled"
    CONFLICT = "conflict"  # the provider contradicts a final state or the amount
    RULES_CHANGED = "rules_changed"
    PROVIDER_CONFIGURED = "provider_configured"
    PAYEE_BOUND = "payee_bound"
    PAYEE_UNBOUND = "payee_unbound"


class WithdrawalEvent(models.Model):
    """The audit trail: every transition of a withdrawal and every change of rules, provider
    settings and payee accounts, with who did it. Never holds secrets or plain identities."""

    installation = models.ForeignKey(Installation, on_delete=models.PROTECT, related_name="+")
    withdrawal = models.ForeignKey(
        Withdrawal, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    type = models.CharField(max_length=32, choices=EventType.choices)
    # "staff:<user id>", "distributor:<id>", "system", "provider:wechat", ...
    actor = models.CharField(max_length=255, blank=True)
    subject = models.CharField(max_length=64, blank=True)  # for events without a withdrawal
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("pk",)

    def __str__(self) -> str:
        return f"{self.type} {self.withdrawal_id or self.subject}"


class PayoutNotification(models.Model):
    """A verified provider notification, stored once (WeChat's `id`, Alipay's `notify_id`),
    so a redelivery changes nothing."""

    installation = models.ForeignKey(Installation, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=16, choices=PayoutChannel.choices)
    notification_id = models.CharField(max_length=128)
    event_type = models.CharField(max_length=64, blank=True)
    payout_number = models.CharField(max_length=PAYOUT_NUMBER_MAX_LENGTH, blank=True)
    provider_state = models.CharField(max_length=32, blank=True)
    body = models.TextField()  # as received (WeChat's resource is still encrypted)
    received_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("installation", "channel", "notification_id"),
                name="withdrawals_notification_unique_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.notification_id}"


class ReconciliationRun(models.Model):
    installation = models.ForeignKey(Installation, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    checked = models.PositiveIntegerField(default=0)
    disagreements = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"reconciliation {self.pk}"


class ReconciliationDisagreement(models.Model):
    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="lines")
    withdrawal = models.ForeignKey(Withdrawal, on_delete=models.PROTECT, related_name="+")
    our_status = models.CharField(max_length=24)
    provider_status = models.CharField(max_length=32)
    ledger_state = models.CharField(max_length=16)
    problems = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"{self.withdrawal_id}: {', '.join(self.problems)}"
