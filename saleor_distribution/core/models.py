from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from saleor_distribution.installations.models import Installation


class ActorType(models.TextChoices):
    STAFF = "staff"  # a Saleor staff user, through the dashboard
    APP = "app"  # an app (ours or another) acting through Saleor
    CUSTOMER = "customer"  # the customer or distributor themself
    SYSTEM = "system"  # a webhook handler, a periodic task


class AuditEvent(models.Model):
    """Who did what to which object, when, with the values before and after (append-only).

    Any domain writes here through `core.audit.record`, in the transaction of the change it
    describes, so an event exists exactly when its change was committed.
    """

    installation = models.ForeignKey(Installation, on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField(default=timezone.now)
    actor_type = models.CharField(max_length=16, choices=ActorType.choices)
    # Saleor's global id of the staff user, customer or app; empty for the system.
    actor_id = models.CharField(max_length=255, blank=True)
    actor_email = models.EmailField(max_length=254, blank=True)
    # What happened, as "<domain>.<verb>": "distributor.approve", "network.move".
    action = models.CharField(max_length=64)
    # The object acted on: "<app_label>.<model>" and its primary key.
    subject_type = models.CharField(max_length=64)
    subject_id = models.CharField(max_length=64)
    before = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    after = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    reason = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=("installation", "subject_type", "subject_id", "occurred_at"),
                name="core_audit_subject_idx",
            ),
            models.Index(fields=("installation", "occurred_at"), name="core_audit_time_idx"),
        ]
        ordering = ("occurred_at", "pk")

    def __str__(self) -> str:
        return f"{self.action} {self.subject_type}:{self.subject_id}"
