"""What processing a stored delivery does, per event.

One explicit table from event to handler (no signals, so the order of calls is visible).
A handler gets the stored delivery, parses its payload through `saleor.payloads`, does its
work inside the caller's transaction, and returns a short outcome for the inbox row.
The distribution engine plugs its handlers in here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from saleor_distribution.commissions import actions as commission_actions
from saleor_distribution.installations.actions import mark_installation_removed
from saleor_distribution.saleor import payloads
from saleor_distribution.saleor.events import (
    CHECKOUT_EVENTS,
    CUSTOMER_EVENTS,
    ORDER_EVENTS,
)

if TYPE_CHECKING:
    from saleor_distribution.webhooks.models import InboxDelivery

Handler = Callable[["InboxDelivery"], str]


def reconcile_order(delivery: InboxDelivery) -> str:
    """Every order event, ORDER_METADATA_UPDATED included, is the same reconciliation: the
    snapshot it carries, not the event's name, decides (APP-CONTRACT §10.6). A ref set by
    staff after placement re-attributes the order only while none of its commissions has
    settled (see `commissions.actions.reconcile_order`)."""
    event = payloads.parse_event(payloads.OrderEvent, delivery.body)
    if event.order is None:
        return "ignored: the order no longer exists"
    return commission_actions.reconcile_order(
        delivery.installation, event.order, issued_at=event.issued_at, delivery_id=delivery.pk
    )


def record_checkout(delivery: InboxDelivery) -> str:
    event = payloads.parse_event(payloads.CheckoutEvent, delivery.body)
    if event.checkout is None:
        return "ignored: the checkout no longer exists"
    return "recorded checkout"


def record_customer(delivery: InboxDelivery) -> str:
    event = payloads.parse_event(payloads.CustomerEvent, delivery.body)
    if event.user is None:
        return "ignored: the customer no longer exists"
    return "recorded customer"


def handle_app_deleted(delivery: InboxDelivery) -> str:
    event = payloads.parse_event(payloads.AppEvent, delivery.body)
    app_id = event.app.id if event.app else None
    removed = mark_installation_removed(
        delivery.installation_id, reason="APP_DELETED", app_id=app_id
    )
    return "installation removed" if removed else "ignored: already removed, or reinstalled since"


def ignore_unsubscribed(delivery: InboxDelivery) -> str:
    return "ignored: the app does not subscribe to this event"


HANDLERS: dict[str, Handler] = {
    **{event: reconcile_order for event in ORDER_EVENTS},
    **{event: record_checkout for event in CHECKOUT_EVENTS},
    **{event: record_customer for event in CUSTOMER_EVENTS},
    "APP_DELETED": handle_app_deleted,
}


def handler_for(event: str) -> Handler:
    return HANDLERS.get(event, ignore_unsubscribed)
