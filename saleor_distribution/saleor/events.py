"""The webhooks this app subscribes to: one per event, each with its subscription document
(`graphql/subscriptions/<event>.graphql`) and its own endpoint. The manifest is built from
this list, and the webhook endpoint accepts exactly these plus any other real Saleor event
(stored and ignored; see `event_types`).

Why each (APP-CONTRACT §10): order events carry the snapshot the engine reconciles from, and
since some paths send only a few of them (a draft order: CREATED + CONFIRMED; a late capture:
PAID), every one that can change the order is subscribed; METADATA_UPDATED announces a
referral code set by staff after placement; checkout events are attribution hints; customer
events carry invitations; APP_DELETED (3.23.5+) tells us we were uninstalled.
"""

from __future__ import annotations

from dataclasses import dataclass

from saleor_distribution.saleor.event_types import SALEOR_EVENT_TYPES


@dataclass(frozen=True)
class WebhookDefinition:
    event: str

    @property
    def slug(self) -> str:
        return self.event.lower()

    @property
    def subscription_path(self) -> str:
        return f"subscriptions/{self.slug}.graphql"

    @property
    def target_path(self) -> str:
        return f"/api/webhooks/{self.slug}"


ORDER_EVENTS = (
    "ORDER_CREATED",
    "ORDER_CONFIRMED",
    "ORDER_UPDATED",
    "ORDER_METADATA_UPDATED",
    "ORDER_PAID",
    "ORDER_FULLY_PAID",
    "ORDER_FULFILLED",
    "ORDER_REFUNDED",
    "ORDER_FULLY_REFUNDED",
    "ORDER_CANCELLED",
    "ORDER_EXPIRED",
)
CHECKOUT_EVENTS = ("CHECKOUT_CREATED", "CHECKOUT_UPDATED")
CUSTOMER_EVENTS = ("CUSTOMER_CREATED", "CUSTOMER_METADATA_UPDATED")
APP_EVENTS = ("APP_DELETED",)

SUBSCRIBED_EVENTS: tuple[str, ...] = ORDER_EVENTS + CHECKOUT_EVENTS + CUSTOMER_EVENTS + APP_EVENTS
WEBHOOKS: tuple[WebhookDefinition, ...] = tuple(WebhookDefinition(e) for e in SUBSCRIBED_EVENTS)

assert set(SUBSCRIBED_EVENTS) <= SALEOR_EVENT_TYPES


def event_from_slug(slug: str) -> str | None:
    """`order_created` → `ORDER_CREATED`, or None if Saleor has no such event."""
    event = slug.upper()
    return event if event in SALEOR_EVENT_TYPES else None
