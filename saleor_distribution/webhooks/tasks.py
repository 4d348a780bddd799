"""Celery adapters for the inbox: process one delivery, and sweep for forgotten ones."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval

from saleor_distribution.webhooks import actions
from saleor_distribution.webhooks.models import InboxDelivery

logger = logging.getLogger(__name__)

MAX_RETRIES = 8
BACKOFF_FACTOR_SECONDS = 5
BACKOFF_MAX_SECONDS = 300


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def process_inbox_delivery(self, delivery_id: int) -> str | None:
    try:
        return actions.process_delivery(delivery_id)
    except InboxDelivery.DoesNotExist:
        logger.warning("Inbox delivery not found", extra={"delivery_id": delivery_id})
        return None
    except Exception as exc:
        # Boundary: process_delivery has recorded the error on the row; retry with backoff.
        if self.request.is_eager or self.request.retries >= self.max_retries:
            # In-process (no broker) there is no one to retry later: the row is marked
            # failed, visible, and `replay_inbox --failed` runs it again.
            actions.mark_delivery_failed(delivery_id)
            raise
        countdown = get_exponential_backoff_interval(
            factor=BACKOFF_FACTOR_SECONDS,
            retries=self.request.retries,
            maximum=BACKOFF_MAX_SECONDS,
            full_jitter=True,
        )
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task
def dispatch_inbox_deliveries(delivery_ids: list[int]) -> int:
    """Fan a batch of stored deliveries out to one task each (see `dispatch`): each keeps
    its own retries and backoff, and many workers share the batch."""
    for delivery_id in delivery_ids:
        process_inbox_delivery.delay(delivery_id)
    return len(delivery_ids)


@shared_task
def sweep_inbox() -> int:
    """Nudge pending deliveries whose Celery message was lost (a dead worker, a flushed
    broker); the inbox row, not the message, is the source of truth."""
    ids = actions.stale_pending_delivery_ids()
    for delivery_id in ids:
        process_inbox_delivery.delay(delivery_id)
    if ids:
        logger.info("Inbox sweep re-sent deliveries", extra={"count": len(ids)})
    return len(ids)
