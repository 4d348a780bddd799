from django.urls import resolve

from saleor_distribution import __version__
from saleor_distribution.saleor import documents
from saleor_distribution.saleor.events import SUBSCRIBED_EVENTS
from saleor_distribution.saleor.views import webhook_view

ISSUE_EVENTS = {
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
    "CHECKOUT_CREATED",
    "CHECKOUT_UPDATED",
    "CUSTOMER_CREATED",
    "CUSTOMER_METADATA_UPDATED",
    "APP_DELETED",
}


def test_manifest_describes_the_app(client, settings):
    settings.APP_URL = "https://distribution.example.com"

    response = client.get("/api/manifest")

    assert response.status_code == 200
    manifest = response.json()
    assert manifest["id"] == settings.APP_IDENTIFIER
    assert manifest["version"] == __version__
    assert manifest["name"] == settings.APP_NAME
    assert manifest["author"].strip()
    assert manifest["permissions"] == [
        "MANAGE_ORDERS",
        "MANAGE_USERS",
        "MANAGE_CHECKOUTS",
        "MANAGE_DISCOUNTS",
    ]
    assert manifest["appUrl"] == "https://distribution.example.com/"
    assert manifest["tokenTargetUrl"] == "https://distribution.example.com/api/register"
    assert manifest["requiredSaleorVersion"] == ">=3.22"
    assert manifest["extensions"] == []


def test_manifest_has_one_webhook_per_event_with_its_subscription(client, settings):
    settings.APP_URL = "https://distribution.example.com"

    webhooks = client.get("/api/manifest").json()["webhooks"]

    assert {w["asyncEvents"][0] for w in webhooks} == ISSUE_EVENTS == set(SUBSCRIBED_EVENTS)
    for webhook in webhooks:
        (event,) = webhook["asyncEvents"]
        assert (
            webhook["targetUrl"] == f"https://distribution.example.com/api/webhooks/{event.lower()}"
        )
        assert webhook["query"] == documents.load(f"subscriptions/{event.lower()}.graphql")
        assert webhook["isActive"] is True
        match = resolve(webhook["targetUrl"].removeprefix("https://distribution.example.com"))
        assert match.func is webhook_view
        assert match.kwargs == {"event_slug": event.lower()}
    assert len({w["name"] for w in webhooks}) == len(webhooks)


def test_manifest_requests_no_permission_saleor_rejects(client):
    assert "MANAGE_APPS" not in client.get("/api/manifest").json()["permissions"]


def test_home_page_shows_the_manifest_url(client, settings):
    settings.APP_URL = "https://distribution.example.com"

    page = client.get("/").content.decode()

    assert "https://distribution.example.com/api/manifest" in page
