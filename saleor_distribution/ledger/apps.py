from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "saleor_distribution.ledger"
    label = "ledger"
