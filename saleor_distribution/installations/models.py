from __future__ import annotations

from django.db import models
from django.utils import timezone

from saleor_distribution.core.secrets import EncryptedTextField


class InstallationStatus(models.TextChoices):
    ACTIVE = "active"
    REMOVED = "removed"


class Installation(models.Model):
    """One Saleor instance that installed the app. Every other row belongs to one.

    Keyed by the Saleor API URL, as Saleor's `Saleor-Api-Url` header names it. Reinstalling
    into the same Saleor reuses the row (new token and app id), so history is kept.
    """

    saleor_api_url = models.URLField(max_length=500, unique=True)
    saleor_domain = models.CharField(max_length=255, blank=True)
    # The App's global id in that Saleor: the `recipient.id` of its webhooks and the `app`
    # claim of dashboard tokens.
    app_id = models.CharField(max_length=255)
    auth_token = EncryptedTextField()
    jwks = models.JSONField(default=dict)
    jwks_fetched_at = models.DateTimeField(null=True)
    status = models.CharField(
        max_length=16, choices=InstallationStatus.choices, default=InstallationStatus.ACTIVE
    )
    installed_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)
    removal_reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ("pk",)

    def __str__(self) -> str:
        return self.saleor_api_url

    @property
    def is_active(self) -> bool:
        return self.status == InstallationStatus.ACTIVE
