from __future__ import annotations

from typing import Any

import graphene

from saleor_distribution.graphql.core.results import enum_value, refuse, run_mutation
from saleor_distribution.graphql.withdrawals.enums import WithdrawalErrorCode
from saleor_distribution.graphql.withdrawals.mutations.results import PayeeAccountMutationResult
from saleor_distribution.graphql.withdrawals.mutations.withdrawal_request import own_distributor
from saleor_distribution.graphql.withdrawals.types import PayoutChannelEnum
from saleor_distribution.withdrawals import actions, events
from saleor_distribution.withdrawals.error_codes import WithdrawalErrorCode as DomainCodes


class PayeeAccountUnbind(graphene.Mutation):
    """Remove your payout account of a channel (the signed-in distributor)."""

    class Arguments:
        channel = PayoutChannelEnum(required=True)

    Output = PayeeAccountMutationResult

    @staticmethod
    def mutate(root: Any, info: Any, channel: Any) -> PayeeAccountMutationResult:
        def body() -> dict[str, Any]:
            distributor = own_distributor(info)
            removed = actions.unbind_payee_account(
                distributor.installation,
                distributor,
                enum_value(channel),
                actor=events.distributor(distributor.pk),
            )
            if not removed:
                raise refuse("channel", "No account is bound there.", DomainCodes.NOT_FOUND.value)
            return {"payee_account": None}

        return run_mutation(PayeeAccountMutationResult, WithdrawalErrorCode, body)
