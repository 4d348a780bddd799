from django.apps import AppConfig


class CommissionsConfig(AppConfig):
    name = "saleor_distribution.commissions"
    label = "commissions"
