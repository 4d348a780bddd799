from __future__ import annotations

from django.db import models
from django.utils import timezone

from saleor_distribution.installations.models import Installation


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"  # stored, waiting for (or between) processing attempts
    PROCESSED = "processed"
    FAILED = "failed"  # every retry failed; `replay_inbox --failed` tries again


class InboxDelivery(models.Model):
    """A verified webhook delivery, stored before any work is done on it.

    The inbox is the durable queue: the Celery message is only a nudge, so a delivery is
    never lost when a worker dies (the sweep re-sends the nudge). A redelivery of the same
    body for the same event is stored once (`dedupe_key`).
    """

    installation = models.ForeignKey(Installation, on_delete=models.PROTECT, related_name="+")
    event = models.CharField(max_length=64)
    saleor_object_id = models.CharField(max_length=255, blank=True)
    issued_at = models.DateTimeField(null=True)
    # The raw body exactly as signed (Saleor sends ASCII JSON), so it can be verified again.
    body = models.TextField()
    headers = models.JSONField(default=dict)
    # sha256 over the event and the raw body.
    dedupe_key = models.CharField(max_length=64)
    received_at = models.DateTimeField(default=timezone.now)

    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # What processing did, in a few words ("recorded", "ignored: not subscribed", ...).
    outcome = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("installation", "dedupe_key"), name="webhooks_inbox_unique_delivery"
            )
        ]
        indexes = [
            models.Index(fields=("status", "received_at"), name="webhooks_inbox_status_idx"),
            models.Index(
                fields=("installation", "event", "saleor_object_id"),
                name="webhooks_inbox_object_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.saleor_object_id} ({self.status})"
