"""What processing a stored delivery does, per event.

One explicit table from event to handler (no signals, so the order of calls is visible).
A handler gets the stored delivery, parses its payload through `saleor.payloads`, does its
work inside the caller's transaction, and returns a short outcome for the inbox row.
The distribution engine plugs its handlers in here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

from saleor_distribution.commissions import actions as commission_actions
from saleor_distribution.installations.actions import mark_installation_removed
from saleor_distribution.network import actions as network_actions
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


def reconcile_orders(deliveries: Sequence[InboxDelivery]) -> list[str]:
    """`reconcile_order` for several order deliveries of one installation, reconciled
    together (the order sync's batches); one outcome per delivery, in order."""
    installation = deliveries[0].installation
    assert all(d.installation_id == installation.pk for d in deliveries)
    outcomes: list[str] = []
    snapshots: list[commission_actions.Snapshot] = []
    for delivery in deliveries:
        event = payloads.parse_event(payloads.OrderEvent, delivery.body)
        if event.order is None:
            outcomes.append("ignored: the order no longer exists")
            continue
        outcomes.append("")
        snapshots.append(commission_actions.Snapshot(event.order, event.issued_at, delivery.pk))
    reconciled = iter(commission_actions.reconcile_orders(installation, snapshots))
    return [outcome or next(reconciled) for outcome in outcomes]


def handle_batch(deliveries: Sequence[InboxDelivery]) -> list[str]:
    """Run the handlers of several deliveries, in the given order, inside the caller's
    transaction: each run of consecutive order deliveries of one installation is
    reconciled together, every other delivery by its own handler. One outcome each."""
    outcomes: list[str] = []
    run: list[InboxDelivery] = []

    def flush() -> None:
        if run:
            outcomes.extend(reconcile_orders(run))
            run.clear()

    for delivery in deliveries:
        if HANDLERS.get(delivery.event) is reconcile_order:
            if run and run[0].installation_id != delivery.installation_id:
                flush()
            run.append(delivery)
        else:
            flush()
            outcomes.append(handler_for(delivery.event)(delivery))
    flush()
    return outcomes


def record_checkout(delivery: InboxDelivery) -> str:
    event = payloads.parse_event(payloads.CheckoutEvent, delivery.body)
    if event.checkout is None:
        return "ignored: the checkout no longer exists"
    return "recorded checkout"


INVITE_METADATA_KEY = "distribution.invite"


def bind_invited_customer(delivery: InboxDelivery) -> str:
    """A customer with `distribution.invite` in their metadata: record the inviter and bind
    the customer under the binding policy. A CUSTOMER_CREATED delivery is a new customer; a
    metadata update is an existing one (for the new-customers-only policy). Replays converge:
    the same code again leaves the binding unchanged."""
    event = payloads.parse_event(payloads.CustomerEvent, delivery.body)
    if event.user is None:
        return "ignored: the customer no longer exists"
    code = payloads.metadata_value(event.user.metadata, INVITE_METADATA_KEY)
    if not code or not code.strip():
        return "recorded customer: no invitation"
    try:
        result = network_actions.accept_invite(
            delivery.installation,
            customer_saleor_id=event.user.id,
            customer_email=event.user.email,
            code=code,
            is_new_customer=delivery.event == "CUSTOMER_CREATED",
        )
    except ValidationError as exc:
        return f"ignored invitation: {network_actions.error_code(exc)}"
    return f"invitation by {result.inviter.code}: {result.outcome}"


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
    **{event: bind_invited_customer for event in CUSTOMER_EVENTS},
    "APP_DELETED": handle_app_deleted,
}


def handler_for(event: str) -> Handler:
    return HANDLERS.get(event, ignore_unsubscribed)
