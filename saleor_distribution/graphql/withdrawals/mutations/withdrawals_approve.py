from __future__ import annotations

from typing import Any

import graphene
from graphql_relay import to_global_id

from saleor_distribution.graphql.core.mutations import mutation_errors, require_staff_permission
from saleor_distribution.graphql.core.results import parse_id, run_mutation
from saleor_distribution.graphql.withdrawals.enums import WithdrawalErrorCode
from saleor_distribution.graphql.withdrawals.mutations.results import WithdrawalsApproveResult
from saleor_distribution.graphql.withdrawals.resolvers import MANAGE_ORDERS
from saleor_distribution.withdrawals import actions
from saleor_distribution.withdrawals.error_codes import WithdrawalErrorCode as DomainCodes
from saleor_distribution.withdrawals.models import Withdrawal


class WithdrawalsApprove(graphene.Mutation):
    """Approve many requested withdrawals at once (MANAGE_ORDERS). Each id that cannot be
    approved (unknown, or not requested) gets its own error; the others are approved."""

    class Arguments:
        ids = graphene.List(graphene.NonNull(graphene.ID), required=True)

    Output = WithdrawalsApproveResult

    @staticmethod
    def mutate(root: Any, info: Any, ids: list[str]) -> WithdrawalsApproveResult:
        def body() -> dict[str, Any]:
            require_staff_permission(info, MANAGE_ORDERS)
            viewer = info.context.viewer
            errors = []
            pks = []
            for global_id in ids:
                pk = parse_id(global_id, "Withdrawal")
                if pk is None:
                    errors.append(_error(global_id, DomainCodes.NOT_FOUND, "No such withdrawal."))
                else:
                    pks.append(pk)
            batch = actions.approve_withdrawals(
                viewer.installation, pks, staff_user_id=viewer.user_id
            )
            for pk, exc in sorted(batch.errors.items()):
                for error in mutation_errors(exc, WithdrawalErrorCode):
                    message = f"{to_global_id('Withdrawal', pk)}: {error['message']}"
                    errors.append({**error, "field": "ids", "message": message})
            approved = Withdrawal.objects.filter(pk__in=[w.pk for w in batch.approved])
            return {"withdrawals": list(approved.order_by("pk")), "per_id_errors": errors}

        return run_mutation(_result, WithdrawalErrorCode, body)


def _result(
    errors: list[Any], withdrawals: Any = (), per_id_errors: Any = ()
) -> WithdrawalsApproveResult:
    # `errors` refuse the whole call (permission, too many ids); the others are per id.
    return WithdrawalsApproveResult(withdrawals=list(withdrawals), errors=[*errors, *per_id_errors])


def _error(global_id: str, code: DomainCodes, message: str) -> dict[str, Any]:
    return {"field": "ids", "code": code.value, "message": f"{global_id}: {message}"}
