from django.urls import path, re_path

from saleor_distribution.core.views import health_view, home_view
from saleor_distribution.dashboard.views import dashboard_view
from saleor_distribution.graphql.views import graphql_view
from saleor_distribution.network.views import referral_view
from saleor_distribution.saleor.views import manifest_view, register_view, webhook_view
from saleor_distribution.withdrawals.views import alipay_notify_view, wechatpay_notify_view

urlpatterns = [
    path("", home_view, name="home"),
    path("health", health_view, name="health"),
    path("api/manifest", manifest_view, name="manifest"),
    path("api/register", register_view, name="register"),
    path("api/webhooks/<slug:event_slug>", webhook_view, name="webhook"),
    path("graphql/", graphql_view(), name="graphql"),
    path("r/<str:code>", referral_view, name="referral-link"),
    path("r/<str:code>/<str:product>", referral_view, name="referral-product-link"),
    path("dashboard/", dashboard_view, name="dashboard"),
    re_path(r"^dashboard/(?P<path>.+)$", dashboard_view, name="dashboard-path"),
    path(
        "api/payouts/wechatpay/<int:installation_id>/notify",
        wechatpay_notify_view,
        name="payouts-notify-wechatpay",
    ),
    path(
        "api/payouts/alipay/<int:installation_id>/notify",
        alipay_notify_view,
        name="payouts-notify-alipay",
    ),
]
