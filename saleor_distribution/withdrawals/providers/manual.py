"""Bank transfers made by staff outside the app. Submitting only marks the payout as waiting
for staff; staff record the bank's reference (`actions.record_manual_payout`) or the
failure (`actions.record_manual_failure`). There is nothing to query or be notified by."""

from __future__ import annotations

from saleor_distribution.core.money import Money
from saleor_distribution.withdrawals.providers.base import (
    PayoutError,
    PayoutProvider,
    PayoutRequest,
    PayoutResult,
    PayoutStatus,
    Requirements,
)

AWAITING_STAFF = "AWAITING_STAFF"


class ManualProvider(PayoutProvider):
    channel = "manual"
    option_names = ("instructions",)
    payee_kinds = ("bank_account",)
    supports_query = False

    def requirements(self, amount: Money) -> Requirements:
        # A bank transfer needs the account holder's name.
        return Requirements(currencies=(), minimum=None, maximum=None, real_name_required=True)

    def submit(self, request: PayoutRequest) -> PayoutResult:
        if request.payee is None or request.payee.kind != "bank_account":
            raise PayoutError(
                "INVALID_PAYEE", "a bank transfer needs a bank account", retryable=False
            )
        return PayoutResult(
            number=request.number, status=PayoutStatus.SUBMITTED, provider_state=AWAITING_STAFF
        )

    def query(self, number: str) -> PayoutResult:
        raise PayoutError(
            "NOT_SUPPORTED", "manual transfers are recorded by staff", retryable=False
        )
