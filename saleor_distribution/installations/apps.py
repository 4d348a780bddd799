from django.apps import AppConfig


class InstallationsConfig(AppConfig):
    name = "saleor_distribution.installations"
    label = "installations"
