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


# Deliveries per batch task: enough that a batch's statements, round trips and commit are
# shared by many orders, few enough that several workers share a burst.
BATCH_SIZE = 25


@shared_task(acks_late=True)
def process_inbox_batch(delivery_ids: list[int]) -> int:
    """Process deliveries together, in one transaction (`actions.process_deliveries`). If
    the batch fails (a bad payload, a deadlock with another batch, a bug), nothing of it
    was kept: each delivery goes to its own task, which records its own error and retries
    with backoff, so one bad delivery never holds the others back."""
    try:
        return len(actions.process_deliveries(delivery_ids))
    except Exception:
        logger.warning(
            "Inbox batch failed; processing its deliveries one by one",
            exc_info=True,
            extra={"count": len(delivery_ids)},
        )
        for delivery_id in delivery_ids:
            process_inbox_delivery.delay(delivery_id)
        return 0


@shared_task
def dispatch_inbox_deliveries(delivery_ids: list[int]) -> int:
    """Split the deliveries stored in one burst (see `dispatch`) into batch tasks, which
    several workers share."""
    for start in range(0, len(delivery_ids), BATCH_SIZE):
        process_inbox_batch.delay(delivery_ids[start : start + BATCH_SIZE])
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
