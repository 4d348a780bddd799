from __future__ import annotations

from typing import Any

import graphene

from saleor_distribution.graphql.core.results import enum_value, refuse, run_mutation
from saleor_distribution.graphql.withdrawals.enums import WithdrawalErrorCode
from saleor_distribution.graphql.withdrawals.mutations.results import PayeeAccountMutationResult
from saleor_distribution.graphql.withdrawals.mutations.withdrawal_request import own_distributor
from saleor_distribution.graphql.withdrawals.types import PayeeKindEnum, PayoutChannelEnum
from saleor_distribution.withdrawals import actions, events
from saleor_distribution.withdrawals.error_codes import WithdrawalErrorCode as DomainCodes
from saleor_distribution.withdrawals.models import PayoutChannel

# A WeChat openid is only bound from a WeChat login (wechatAccountBind): typed in, it could
# be anyone's.
TYPED_CHANNELS = (PayoutChannel.ALIPAY, PayoutChannel.MANUAL)


class PayeeAccountBindInput(graphene.InputObjectType):
    channel = PayoutChannelEnum(required=True, description="ALIPAY or MANUAL (bank).")
    kind = PayeeKindEnum(
        required=True, description="ALIPAY_USER_ID, ALIPAY_LOGON_ID or BANK_ACCOUNT."
    )
    identity = graphene.String(
        required=True, description="The Alipay user id / logon id, or the bank account number."
    )
    real_name = graphene.String(description="The holder's real name (needed for a logon id).")
    bank_name = graphene.String(description="For a bank account.")


class PayeeAccountBind(graphene.Mutation):
    """Bind where your payouts on a channel go (the signed-in distributor). Replaces the
    current account of that channel; withdrawals already requested keep theirs."""

    class Arguments:
        input = PayeeAccountBindInput(required=True)

    Output = PayeeAccountMutationResult

    @staticmethod
    def mutate(root: Any, info: Any, input: Any) -> PayeeAccountMutationResult:
        def body() -> dict[str, Any]:
            distributor = own_distributor(info)
            channel = enum_value(input.channel)
            if channel not in TYPED_CHANNELS:
                raise refuse(
                    "channel",
                    "Bind a WeChat account by logging in with WeChat (wechatAccountBind).",
                    DomainCodes.INVALID_PAYEE.value,
                )
            account = actions.bind_payee_account(
                distributor.installation,
                distributor,
                channel=channel,
                kind=enum_value(input.kind),
                identity=input.identity,
                real_name=input.real_name,
                bank_name=input.bank_name or "",
                actor=events.distributor(distributor.pk),
            )
            return {"payee_account": account}

        return run_mutation(PayeeAccountMutationResult, WithdrawalErrorCode, body)
