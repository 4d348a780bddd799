"""The App manifest Saleor fetches when a merchant installs the app (APP-CONTRACT §1.1)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from saleor_distribution import __version__
from saleor_distribution.saleor import documents
from saleor_distribution.saleor.events import WEBHOOKS

# Only what the app uses: order snapshots and metadata, customers (invitations, distributor
# cards), checkouts (attribution hints), discounts (distributor-owned vouchers).
PERMISSIONS = ("MANAGE_ORDERS", "MANAGE_USERS", "MANAGE_CHECKOUTS", "MANAGE_DISCOUNTS")


# Where staff meet the app in Saleor's dashboard (APP-CONTRACT §5). The app page's URL is
# relative (the dashboard joins it onto appUrl); widgets are absolute GET iframes, to which
# the dashboard adds `orderId` / `customerId`. Each needs only what its view reads.
APP_PAGE_PATH = "/overview"
DASHBOARD_PATH = "/dashboard"


def dashboard_extensions(base: str) -> list[dict[str, Any]]:
    return [
        {
            "label": "Distribution · 分销",
            "mount": "NAVIGATION_CUSTOMERS",
            "target": "APP_PAGE",
            "url": APP_PAGE_PATH,
            "permissions": ["MANAGE_USERS"],
        },
        {
            "label": "Distribution · 分销归属",
            "mount": "ORDER_DETAILS_WIDGETS",
            "target": "WIDGET",
            "url": f"{base}{DASHBOARD_PATH}/widgets/order",
            "permissions": ["MANAGE_ORDERS"],
            "options": {"widgetTarget": {"method": "GET"}},
        },
        {
            "label": "Distributor · 分销员",
            "mount": "CUSTOMER_DETAILS_WIDGETS",
            "target": "WIDGET",
            "url": f"{base}{DASHBOARD_PATH}/widgets/customer",
            "permissions": ["MANAGE_USERS"],
            "options": {"widgetTarget": {"method": "GET"}},
        },
    ]


def manifest_url(app_url: str | None = None) -> str:
    return f"{(app_url or settings.APP_URL).rstrip('/')}/api/manifest"


def build_manifest(app_url: str | None = None) -> dict[str, Any]:
    base = (app_url or settings.APP_URL).rstrip("/")
    return {
        "id": settings.APP_IDENTIFIER,
        "version": __version__,
        "name": settings.APP_NAME,
        "about": (
            "Distribution mall (分销商城): customers become distributors, share referral links "
            "and codes, recruit downlines and earn multi-level commissions, settled and paid "
            "out through WeChat Pay and Alipay."
        ),
        "author": settings.APP_AUTHOR,
        "permissions": list(PERMISSIONS),
        "appUrl": f"{base}{DASHBOARD_PATH}/",
        "tokenTargetUrl": f"{base}/api/register",
        "homepageUrl": f"{base}/",
        "requiredSaleorVersion": settings.REQUIRED_SALEOR_VERSION,
        "webhooks": [
            {
                "name": f"distribution-{webhook.slug.replace('_', '-')}",
                "targetUrl": f"{base}{webhook.target_path}",
                "asyncEvents": [webhook.event],
                "query": documents.load(webhook.subscription_path),
                "isActive": True,
            }
            for webhook in WEBHOOKS
        ],
        "extensions": dashboard_extensions(base),
    }
