from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "saleor_distribution.webhooks"
    label = "webhooks"
