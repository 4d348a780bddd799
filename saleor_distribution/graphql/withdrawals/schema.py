from __future__ import annotations

from typing import Any

import graphene

from saleor_distribution.graphql.core.connection import paginate
from saleor_distribution.graphql.core.results import parse_id
from saleor_distribution.graphql.withdrawals.filters import (
    WithdrawalFilterInput,
    filter_withdrawals,
)
from saleor_distribution.graphql.withdrawals.mutations.payee_account_bind import PayeeAccountBind
from saleor_distribution.graphql.withdrawals.mutations.payee_account_unbind import (
    PayeeAccountUnbind,
)
from saleor_distribution.graphql.withdrawals.mutations.payout_settings_update import (
    PayoutSettingsUpdate,
)
from saleor_distribution.graphql.withdrawals.mutations.wechat_account_bind import (
    WechatAccountBind,
)
from saleor_distribution.graphql.withdrawals.mutations.withdrawal_approve import WithdrawalApprove
from saleor_distribution.graphql.withdrawals.mutations.withdrawal_reject import WithdrawalReject
from saleor_distribution.graphql.withdrawals.mutations.withdrawal_request import (
    WithdrawalRequest,
)
from saleor_distribution.graphql.withdrawals.mutations.withdrawals_approve import (
    WithdrawalsApprove,
)
from saleor_distribution.graphql.withdrawals.resolvers import (
    payout_settings,
    sees_all_withdrawals,
    viewer_distributor,
    visible_withdrawals,
)
from saleor_distribution.graphql.withdrawals.sorters import WithdrawalSortingInput, withdrawal_sort
from saleor_distribution.graphql.withdrawals.types import (
    PayeeAccount,
    PayoutSettings,
    Withdrawal,
    WithdrawalCountableConnection,
)
from saleor_distribution.withdrawals import fetch


class WithdrawalQueries(graphene.ObjectType):
    withdrawals = graphene.Field(
        WithdrawalCountableConnection,
        first=graphene.Int(),
        after=graphene.String(),
        filter=WithdrawalFilterInput(),
        sort_by=WithdrawalSortingInput(),
        description="The withdrawals queue (MANAGE_ORDERS); oldest request first by default.",
    )
    withdrawal = graphene.Field(
        Withdrawal,
        id=graphene.ID(required=True),
        description="A withdrawal: staff with MANAGE_ORDERS, or its own distributor.",
    )
    payout_settings = graphene.Field(
        PayoutSettings, description="The payout channels (MANAGE_ORDERS); never a secret."
    )
    payee_accounts = graphene.List(
        graphene.NonNull(PayeeAccount),
        description="The signed-in distributor's payout accounts (masked); null for others.",
    )
    wechat_authorize_url = graphene.String(
        redirect_uri=graphene.String(
            required=True, description="Your page that receives `code` (a registered domain)."
        ),
        state=graphene.String(required=True, description="Your CSRF token, sent back."),
        description="Where to send the signed-in distributor to log in with WeChat before "
        "wechatAccountBind; null when WeChat Pay is not set up.",
    )

    @staticmethod
    def resolve_withdrawals(
        root: Any,
        info: Any,
        first: int | None = None,
        after: str | None = None,
        filter: Any = None,
        sort_by: Any = None,
    ) -> Any:
        if not sees_all_withdrawals(info):
            return None
        rows = filter_withdrawals(visible_withdrawals(info), filter)
        return paginate(
            rows,
            WithdrawalCountableConnection,
            sort=withdrawal_sort(sort_by),
            first=first,
            after=after,
        )

    @staticmethod
    def resolve_withdrawal(root: Any, info: Any, id: str) -> Any:
        pk = parse_id(id, "Withdrawal")
        if pk is None:
            return None
        return (
            visible_withdrawals(info)
            .select_related("distributor", "payee_account")
            .filter(pk=pk)
            .first()
        )

    @staticmethod
    def resolve_payout_settings(root: Any, info: Any) -> Any:
        if not sees_all_withdrawals(info):
            return None
        return payout_settings(info.context.viewer.installation)

    @staticmethod
    def resolve_payee_accounts(root: Any, info: Any) -> Any:
        distributor = viewer_distributor(info)
        if distributor is None:
            return None
        return list(fetch.payee_accounts(distributor.installation, distributor))

    @staticmethod
    def resolve_wechat_authorize_url(root: Any, info: Any, redirect_uri: str, state: str) -> Any:
        distributor = viewer_distributor(info)
        if distributor is None:
            return None
        return fetch.wechat_authorize_url(
            distributor.installation, redirect_uri=redirect_uri, state=state
        )


class WithdrawalMutations(graphene.ObjectType):
    withdrawal_request = WithdrawalRequest.Field()
    withdrawal_approve = WithdrawalApprove.Field()
    withdrawals_approve = WithdrawalsApprove.Field()
    withdrawal_reject = WithdrawalReject.Field()
    payout_settings_update = PayoutSettingsUpdate.Field()
    payee_account_bind = PayeeAccountBind.Field()
    payee_account_unbind = PayeeAccountUnbind.Field()
    wechat_account_bind = WechatAccountBind.Field()
