"""Process inbox deliveries again: failed ones (`--failed`), or named ones (`--id`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from saleor_distribution.webhooks.actions import requeue
from saleor_distribution.webhooks.models import DeliveryStatus, InboxDelivery


class Command(BaseCommand):
    help = "Re-queue failed (or given) webhook deliveries for processing."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--failed", action="store_true", help="every failed delivery")
        parser.add_argument("--id", type=int, action="append", default=[], help="a delivery id")
        parser.add_argument("--limit", type=int, default=1000)

    def handle(self, *args: Any, **options: Any) -> None:
        ids: list[int] = list(options["id"])
        if options["failed"]:
            ids += list(
                InboxDelivery.objects.filter(status=DeliveryStatus.FAILED)
                .order_by("received_at")
                .values_list("pk", flat=True)[: options["limit"]]
            )
        count = requeue(ids)
        self.stdout.write(f"Re-queued {count} deliveries.")
