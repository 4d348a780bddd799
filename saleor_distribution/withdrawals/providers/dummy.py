"""A provider for development and demos: no money moves. Its `outcome` option decides what
every payout does: "success" (paid at once), "processing" (paid on the first query), "fail",
or "await_confirmation" (as WeChat, then paid on the first query). Deterministic from the
option alone, so a query agrees with the submission as a real provider's would."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from saleor_distribution.core.money import Money
from saleor_distribution.core.secrets import Secret
from saleor_distribution.withdrawals.providers.base import (
    PayoutProvider,
    PayoutRequest,
    PayoutResult,
    PayoutStatus,
    Requirements,
)

OUTCOMES = {
    "success": (PayoutStatus.SUCCEEDED, PayoutStatus.SUCCEEDED),
    "processing": (PayoutStatus.SUBMITTED, PayoutStatus.SUCCEEDED),
    "fail": (PayoutStatus.FAILED, PayoutStatus.FAILED),
    "await_confirmation": (PayoutStatus.AWAITING_USER_CONFIRMATION, PayoutStatus.SUCCEEDED),
}


class DummyProvider(PayoutProvider):
    channel = "dummy"
    option_names = ("outcome",)
    needs_payee = False

    @classmethod
    def check_config(cls, options: Mapping[str, Any], secrets: Mapping[str, Secret]) -> None:
        super().check_config(options, secrets)
        if options.get("outcome", "success") not in OUTCOMES:
            raise ValueError(f"outcome is one of {', '.join(OUTCOMES)}")

    def _outcome(self) -> tuple[PayoutStatus, PayoutStatus]:
        return OUTCOMES[str(self.settings.option("outcome", "success"))]

    def requirements(self, amount: Money) -> Requirements:
        return Requirements(currencies=(), minimum=None, maximum=None, real_name_required=False)

    def _result(self, number: str, status: PayoutStatus) -> PayoutResult:
        return PayoutResult(
            number=number,
            status=status,
            provider_state=status.value.upper(),
            provider_reference=f"DUMMY{number}"[:64],
            package_info="dummy-package"
            if status == PayoutStatus.AWAITING_USER_CONFIRMATION
            else "",
            failure_code="DUMMY_FAIL" if status == PayoutStatus.FAILED else "",
            failure_reason="the dummy provider was told to fail"
            if status == PayoutStatus.FAILED
            else "",
        )

    def submit(self, request: PayoutRequest) -> PayoutResult:
        return self._result(request.number, self._outcome()[0])

    def query(self, number: str) -> PayoutResult:
        return self._result(number, self._outcome()[1])
