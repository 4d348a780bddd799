from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "saleor_distribution.network"
    label = "network"
