from __future__ import annotations

from saleor_distribution.commissions.error_codes import CommissionErrorCode
from saleor_distribution.graphql.core.mutations import error_type
from saleor_distribution.graphql.core.results import api_error_codes

# The domain's codes plus PERMISSION_DENIED.
CommissionPlanErrorCode = api_error_codes("CommissionPlanErrorCode", CommissionErrorCode)
CommissionPlanError = error_type("CommissionPlan", CommissionPlanErrorCode)

__all__ = ["CommissionPlanError", "CommissionPlanErrorCode"]
