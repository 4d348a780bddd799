from __future__ import annotations

from typing import Any

import graphene

from saleor_distribution.graphql.core.mutations import require_staff_permission
from saleor_distribution.graphql.core.results import run_mutation
from saleor_distribution.graphql.withdrawals.enums import WithdrawalErrorCode
from saleor_distribution.graphql.withdrawals.mutations.results import WithdrawalMutationResult
from saleor_distribution.graphql.withdrawals.mutations.withdrawal_approve import withdrawal_pk
from saleor_distribution.graphql.withdrawals.resolvers import MANAGE_ORDERS
from saleor_distribution.withdrawals import actions


class WithdrawalReject(graphene.Mutation):
    """Refuse a withdrawal not yet sent to a provider (MANAGE_ORDERS); the held amount goes
    back to the distributor's available balance and the reason is shown to them."""

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String(required=True)

    Output = WithdrawalMutationResult

    @staticmethod
    def mutate(root: Any, info: Any, id: str, reason: str) -> WithdrawalMutationResult:
        def body() -> dict[str, Any]:
            require_staff_permission(info, MANAGE_ORDERS)
            viewer = info.context.viewer
            withdrawal = actions.reject_withdrawal(
                viewer.installation, withdrawal_pk(id), reason=reason, staff_user_id=viewer.user_id
            )
            return {"withdrawal": withdrawal}

        return run_mutation(WithdrawalMutationResult, WithdrawalErrorCode, body)
