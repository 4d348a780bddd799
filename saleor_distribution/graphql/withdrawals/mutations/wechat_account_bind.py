from __future__ import annotations

from typing import Any

import graphene

from saleor_distribution.graphql.core.results import run_mutation
from saleor_distribution.graphql.withdrawals.enums import WithdrawalErrorCode
from saleor_distribution.graphql.withdrawals.mutations.results import PayeeAccountMutationResult
from saleor_distribution.graphql.withdrawals.mutations.withdrawal_request import own_distributor
from saleor_distribution.withdrawals import actions, events


class WechatAccountBind(graphene.Mutation):
    """Bind your WeChat account for payouts (the signed-in distributor): pass the `code`
    WeChat returned to `wechatAuthorizeUrl`'s redirect (or a mini program's `wx.login`)."""

    class Arguments:
        code = graphene.String(required=True)
        real_name = graphene.String(description="Needed for payouts from 2,000 CNY on.")

    Output = PayeeAccountMutationResult

    @staticmethod
    def mutate(
        root: Any, info: Any, code: str, real_name: str | None = None
    ) -> PayeeAccountMutationResult:
        def body() -> dict[str, Any]:
            distributor = own_distributor(info)
            account = actions.bind_wechat_account(
                distributor.installation,
                distributor,
                code=code,
                real_name=real_name,
                actor=events.distributor(distributor.pk),
            )
            return {"payee_account": account}

        return run_mutation(PayeeAccountMutationResult, WithdrawalErrorCode, body)
