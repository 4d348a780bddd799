from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "saleor_distribution.reports"
    label = "reports"
