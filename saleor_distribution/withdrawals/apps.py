from django.apps import AppConfig


class WithdrawalsConfig(AppConfig):
    name = "saleor_distribution.withdrawals"
    label = "withdrawals"
