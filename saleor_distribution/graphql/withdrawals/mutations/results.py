from __future__ import annotations

import graphene

from saleor_distribution.graphql.withdrawals.enums import (
    PayeeAccountError,
    PayoutSettingsError,
    WithdrawalError,
)
from saleor_distribution.graphql.withdrawals.types import PayeeAccount, PayoutSettings, Withdrawal


class WithdrawalMutationResult(graphene.ObjectType):
    withdrawal = graphene.Field(Withdrawal)
    errors = graphene.List(graphene.NonNull(WithdrawalError), required=True)


class WithdrawalsApproveResult(graphene.ObjectType):
    withdrawals = graphene.List(
        graphene.NonNull(Withdrawal), required=True, description="Those approved."
    )
    errors = graphene.List(
        graphene.NonNull(WithdrawalError),
        required=True,
        description='One per refused id; the message starts with the id ("<id>: ...").',
    )


class PayoutSettingsMutationResult(graphene.ObjectType):
    payout_settings = graphene.Field(PayoutSettings)
    errors = graphene.List(graphene.NonNull(PayoutSettingsError), required=True)


class PayeeAccountMutationResult(graphene.ObjectType):
    payee_account = graphene.Field(PayeeAccount)
    errors = graphene.List(graphene.NonNull(PayeeAccountError), required=True)
