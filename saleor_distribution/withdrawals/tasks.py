"""Celery adapters of withdrawals: each task takes primary keys, re-reads state and calls an
action."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from saleor_distribution.withdrawals import actions, fetch, reconciliation

logger = logging.getLogger(__name__)

POLL_BATCH = 500


@shared_task
def submit_payout_task(withdrawal_id: int) -> str:
    return str(actions.submit_payout(withdrawal_id).status)


@shared_task
def submit_payouts_task(installation_id: int, withdrawal_ids: list[int]) -> int:
    """One per batch of approvals: sends them (and other waiting first-time approvals of the
    installation) together. Returns how many it sent."""
    return len(actions.submit_payouts(installation_id, withdrawal_ids))


@shared_task
def sync_payout_task(withdrawal_id: int) -> str:
    return str(actions.sync_payout(withdrawal_id).status)


@shared_task
def poll_payouts() -> int:
    """Periodic (beat): re-query every unfinished payout whose next query is due (backoff
    per payout), and send approved ones whose submission nudge was lost. Notifications can
    be lost; this is what makes every payout finish anyway."""
    due = fetch.payouts_due(timezone.now(), POLL_BATCH)
    for withdrawal_id in due:
        sync_payout_task.delay(withdrawal_id)
    return len(due)


@shared_task
def reconcile_payouts_daily() -> int:
    """Periodic (beat, daily): reconcile every installation's recent and unfinished payouts
    and store (and log) the disagreements. Returns how many were found."""
    total = 0
    for run in reconciliation.run_daily():
        total += run.disagreements
    return total
