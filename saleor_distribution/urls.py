from django.urls import path

from saleor_distribution.core.views import health_view, home_view
from saleor_distribution.graphql.views import graphql_view
from saleor_distribution.saleor.views import manifest_view, register_view, webhook_view
from saleor_distribution.withdrawals.views import alipay_notify_view, wechatpay_notify_view

urlpatterns = [
    path("", home_view, name="home"),
    path("health", health_view, name="health"),
    path("api/manifest", manifest_view, name="manifest"),
    path("api/register", register_view, name="register"),
    path("api/webhooks/<slug:event_slug>", webhook_view, name="webhook"),
    path("graphql/", graphql_view(), name="graphql"),
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
