from __future__ import annotations

from typing import Any

import graphene

from saleor_distribution.graphql.core.mutations import require_staff_permission
from saleor_distribution.graphql.core.results import parse_id, refuse, run_mutation
from saleor_distribution.graphql.withdrawals.enums import WithdrawalErrorCode
from saleor_distribution.graphql.withdrawals.mutations.results import WithdrawalMutationResult
from saleor_distribution.graphql.withdrawals.resolvers import MANAGE_ORDERS
from saleor_distribution.withdrawals import actions
from saleor_distribution.withdrawals.error_codes import WithdrawalErrorCode as DomainCodes


def withdrawal_pk(global_id: str) -> int:
    pk = parse_id(global_id, "Withdrawal")
    if pk is None:
        raise refuse("id", "No such withdrawal.", DomainCodes.NOT_FOUND.value)
    return pk


class WithdrawalApprove(graphene.Mutation):
    """Approve a requested withdrawal (MANAGE_ORDERS); it is sent to the provider at once."""

    class Arguments:
        id = graphene.ID(required=True)

    Output = WithdrawalMutationResult

    @staticmethod
    def mutate(root: Any, info: Any, id: str) -> WithdrawalMutationResult:
        def body() -> dict[str, Any]:
            require_staff_permission(info, MANAGE_ORDERS)
            viewer = info.context.viewer
            withdrawal = actions.approve_withdrawal(
                viewer.installation, withdrawal_pk(id), staff_user_id=viewer.user_id
            )
            withdrawal.refresh_from_db()  # the submission ran after commit
            return {"withdrawal": withdrawal}

        return run_mutation(WithdrawalMutationResult, WithdrawalErrorCode, body)
