"""Celery adapters of the commission engine."""

from __future__ import annotations

from celery import shared_task

from saleor_distribution.commissions import actions


@shared_task
def settle_matured_commissions() -> int:
    """Periodic (beat): move matured commissions from frozen to available."""
    return actions.settle_matured_commissions()
