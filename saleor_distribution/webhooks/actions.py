"""Storing verified deliveries in the inbox and processing them."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from saleor_distribution.core.db import insert_unless_conflicting_many, update_rows
from saleor_distribution.installations.models import Installation
from saleor_distribution.saleor.payloads import PayloadError
from saleor_distribution.webhooks import dispatch, handlers
from saleor_distribution.webhooks.models import DeliveryStatus, InboxDelivery

logger = logging.getLogger(__name__)

# Headers worth keeping for audit and re-verification. Anything else (custom headers may
# carry credentials) is not stored.
STORED_HEADERS = (
    "Saleor-Event",
    "Saleor-Domain",
    "Saleor-Api-Url",
    "Saleor-Signature",
    "User-Agent",
    "traceparent",
)
MAX_ERROR_CHARS = 2000
# A pending delivery untouched for this long gets a fresh nudge from the sweep (its Celery
# message was lost, or its worker died). Longer than the longest retry backoff.
SWEEP_AFTER = timedelta(minutes=15)
SWEEP_BATCH = 500


def dedupe_key(event: str, body: bytes) -> str:
    digest = hashlib.sha256(event.encode("ascii"))
    digest.update(b"\n")
    digest.update(body)
    return digest.hexdigest()


@dataclass(frozen=True)
class StoredDelivery:
    delivery_id: int
    created: bool


def store_delivery(
    *,
    installation: Installation,
    event: str,
    body: bytes,
    headers: dict[str, str],
    saleor_object_id: str,
    issued_at: datetime | None,
) -> StoredDelivery:
    """Store a verified delivery once and schedule its processing after commit.

    A second copy of the same body for the same event (a redelivery, or the same delivery
    posted concurrently) is not stored again and schedules nothing.
    """
    key = dedupe_key(event, body)
    delivery = InboxDelivery(
        installation=installation,
        event=event,
        saleor_object_id=saleor_object_id[:255],
        issued_at=issued_at,
        body=body.decode("utf-8"),
        headers={name: headers[name] for name in STORED_HEADERS if name in headers},
        dedupe_key=key,
    )
    # One statement whatever happens (ON CONFLICT DO NOTHING): no savepoint, no
    # IntegrityError to recover from, and no ORM compilation on the webhook's hot path.
    if not insert_unless_conflicting_many([delivery], "dedupe_key"):
        existing = InboxDelivery.objects.only("pk").get(installation=installation, dedupe_key=key)
        return StoredDelivery(existing.pk, created=False)
    # Once the row is committed: at once in autocommit, else when the caller's transaction is.
    transaction.on_commit(partial(_nudge_after_store, delivery.pk))
    return StoredDelivery(delivery.pk, created=True)


def _enqueue(delivery_id: int) -> None:
    from saleor_distribution.webhooks.tasks import process_inbox_delivery

    process_inbox_delivery.delay(delivery_id)


def _nudge_after_store(delivery_id: int) -> None:
    """In-process (no broker) the delivery is processed right away; with a broker, the
    request hands the id to the batcher (see `dispatch`) and answers at once."""
    from saleor_distribution.celery import app

    if app.conf.task_always_eager:
        _enqueue(delivery_id)
    else:
        dispatch.batcher.submit(delivery_id)


def process_delivery(delivery_id: int) -> str | None:
    """Run the event's handler on a stored delivery, once.

    The row is locked for the duration, so two workers given the same delivery process it
    once. Returns the outcome, or None if it was already processed. A payload that does not
    parse fails for good (retrying cannot fix it); any other error is recorded on the row
    and re-raised for the caller to retry.
    """
    try:
        with transaction.atomic():
            # Lock the delivery row only: without `of`, the joined installation row would be
            # locked FOR UPDATE too, serialising every delivery of an installation and
            # deadlocking with any insert whose foreign key to it takes KEY SHARE.
            delivery = (
                InboxDelivery.objects.select_for_update(of=("self",))
                .select_related("installation")
                .get(pk=delivery_id)
            )
            if delivery.status == DeliveryStatus.PROCESSED:
                return None
            outcome = handlers.handler_for(delivery.event)(delivery)
            now = timezone.now()
            InboxDelivery.objects.filter(pk=delivery_id).update(
                status=DeliveryStatus.PROCESSED,
                attempts=delivery.attempts + 1,
                last_attempt_at=now,
                processed_at=now,
                outcome=outcome[:255],
                last_error="",
            )
    except PayloadError as exc:
        _record_failure(delivery_id, exc, final=True)
        logger.warning(
            "Webhook payload rejected", extra={"delivery_id": delivery_id, "error": str(exc)}
        )
        return "failed: invalid payload"
    except InboxDelivery.DoesNotExist:
        raise
    except Exception as exc:
        # Record the error on the row (outside the rolled-back transaction) and re-raise.
        _record_failure(delivery_id, exc, final=False)
        raise
    logger.info(
        "Webhook delivery processed",
        extra={"delivery_id": delivery_id, "event": delivery.event, "outcome": outcome},
    )
    return outcome


def process_deliveries(delivery_ids: Sequence[int]) -> dict[int, str]:
    """`process_delivery` for several deliveries in one transaction, their order events
    reconciled together (`handlers.handle_batch`): what a worker does with a batch of the
    inbox. Deliveries already processed are skipped. Any error rolls the whole batch back
    and is raised, recording nothing: the caller then processes each delivery on its own
    (`process_delivery`), where a failure is recorded on its row and retried alone.
    Returns the outcome per delivery processed."""
    with transaction.atomic():
        deliveries = list(
            InboxDelivery.objects.select_for_update(of=("self",))
            .select_related("installation")
            .filter(pk__in=delivery_ids)
            .exclude(status=DeliveryStatus.PROCESSED)
            .order_by("pk")
        )
        if not deliveries:
            return {}
        outcomes = handlers.handle_batch(deliveries)
        now = timezone.now()
        for delivery, outcome in zip(deliveries, outcomes, strict=True):
            delivery.status = DeliveryStatus.PROCESSED
            delivery.attempts += 1
            delivery.last_attempt_at = now
            delivery.processed_at = now
            delivery.outcome = outcome[:255]
            delivery.last_error = ""
        update_rows(deliveries, BATCH_UPDATED_FIELDS)
    logger.info(
        "Webhook deliveries processed",
        extra={"count": len(deliveries), "first_delivery_id": deliveries[0].pk},
    )
    return {delivery.pk: delivery.outcome for delivery in deliveries}


BATCH_UPDATED_FIELDS = [
    "status", "attempts", "last_attempt_at", "processed_at", "outcome", "last_error"
]


def _record_failure(delivery_id: int, exc: BaseException, *, final: bool) -> None:
    error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
    fields: dict[str, object] = {"last_error": error, "last_attempt_at": timezone.now()}
    if final:
        fields["status"] = DeliveryStatus.FAILED
    rows = InboxDelivery.objects.filter(pk=delivery_id).exclude(status=DeliveryStatus.PROCESSED)
    # attempts + 1 through F() so concurrent recorders do not lose a count.
    rows.update(attempts=F("attempts") + 1, **fields)


def mark_delivery_failed(delivery_id: int) -> None:
    """Every retry failed: the delivery stays visible as failed until replayed."""
    InboxDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.FAILED
    )
    logger.error("Webhook delivery failed for good", extra={"delivery_id": delivery_id})


def stale_pending_delivery_ids(now: datetime | None = None, limit: int = SWEEP_BATCH) -> list[int]:
    threshold = (now or timezone.now()) - SWEEP_AFTER
    rows = InboxDelivery.objects.filter(
        Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lt=threshold),
        status=DeliveryStatus.PENDING,
        received_at__lt=threshold,
    ).order_by("received_at")
    return list(rows.values_list("pk", flat=True)[:limit])


def requeue(delivery_ids: list[int]) -> int:
    """Give deliveries (e.g. failed ones being replayed) a fresh start and a nudge."""
    count = 0
    for delivery_id in delivery_ids:
        changed = InboxDelivery.objects.filter(
            pk=delivery_id, status__in=(DeliveryStatus.PENDING, DeliveryStatus.FAILED)
        ).update(status=DeliveryStatus.PENDING)
        if changed:
            _enqueue(delivery_id)
            count += 1
    return count
