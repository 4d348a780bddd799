from __future__ import annotations

from saleor_distribution.graphql.core.mutations import error_type
from saleor_distribution.graphql.core.results import api_error_codes
from saleor_distribution.withdrawals.error_codes import WithdrawalErrorCode as DomainCodes

# The domain's codes plus PERMISSION_DENIED.
WithdrawalErrorCode = api_error_codes("WithdrawalErrorCode", DomainCodes)
WithdrawalError = error_type("Withdrawal", WithdrawalErrorCode)
PayoutSettingsError = error_type("PayoutSettings", WithdrawalErrorCode)
PayeeAccountError = error_type("PayeeAccount", WithdrawalErrorCode)
