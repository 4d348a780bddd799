"""Celery adapters of the network."""

from __future__ import annotations

from celery import shared_task

from saleor_distribution.network import grades


@shared_task
def upgrade_grades() -> int:
    """Periodic (beat): move distributors who meet an auto-upgrade grade's targets up to it."""
    return grades.upgrade_grades()
