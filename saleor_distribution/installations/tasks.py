"""Periodic checks of installations."""

from __future__ import annotations

import logging

from celery import shared_task

from saleor_distribution.installations.actions import check_installation_token
from saleor_distribution.installations.models import Installation, InstallationStatus
from saleor_distribution.saleor.client import SaleorError

logger = logging.getLogger(__name__)


@shared_task
def check_installation_tokens() -> int:
    """Ask each Saleor whether our token still works; Saleors before 3.23.5 never send
    APP_DELETED, so this is how an uninstall is noticed there. Returns how many were removed."""
    removed = 0
    for installation in Installation.objects.filter(status=InstallationStatus.ACTIVE).iterator():
        try:
            if not check_installation_token(installation):
                removed += 1
        except SaleorError:
            # Unreachable is not uninstalled; try again at the next run.
            logger.warning(
                "Installation token check failed", extra={"installation_id": installation.pk}
            )
    return removed
