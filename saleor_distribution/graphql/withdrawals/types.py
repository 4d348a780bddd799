"""Withdrawals (提现), their audit trail, payout settings and payee accounts as the API shows
them. Secrets never leave the app: payout credentials are write-only, and a payee's identity
and real name are shown masked.

`Withdrawal` and `WithdrawalCountableConnection` are also the node types of the
distributor's `withdrawals` (graphql/network): the connection prefetches what its nodes
read, once per page, whoever built the page.
"""

from __future__ import annotations

from typing import Any

import graphene

from saleor_distribution.graphql.core.connection import CountableConnection
from saleor_distribution.graphql.core.prefetch import prefetch_edges, selects
from saleor_distribution.graphql.core.types import DistributionMoney
from saleor_distribution.graphql.network.types import Distributor
from saleor_distribution.withdrawals import fetch, models
from saleor_distribution.withdrawals.models import WithdrawalStatus


class WithdrawalStatusEnum(graphene.Enum):
    """A withdrawal's state. SUBMITTED also covers a payout being sent right now, and
    AWAITING_CONFIRMATION one whose unconfirmed WeChat transfer is being cancelled."""

    REQUESTED = "requested"
    APPROVED = "approved"
    SUBMITTED = "submitted"
    AWAITING_CONFIRMATION = "awaiting_confirmation"
    PAID = "paid"
    FAILED = "failed"
    CANCELLED = "cancelled"
    REJECTED = "rejected"


# The domain's transient states, folded into the contract's enum.
STATUS_FOR_API = {
    WithdrawalStatus.SUBMITTING: WithdrawalStatus.SUBMITTED,
    WithdrawalStatus.CANCELLING: WithdrawalStatus.AWAITING_CONFIRMATION,
}
# And back, for filters: asking for SUBMITTED also finds SUBMITTING rows.
STATUSES_FOR_FILTER = {
    WithdrawalStatus.SUBMITTED: (WithdrawalStatus.SUBMITTED, WithdrawalStatus.SUBMITTING),
    WithdrawalStatus.AWAITING_CONFIRMATION: (
        WithdrawalStatus.AWAITING_CONFIRMATION,
        WithdrawalStatus.CANCELLING,
    ),
}


class PayoutChannelEnum(graphene.Enum):
    WECHAT = models.PayoutChannel.WECHAT.value
    ALIPAY = models.PayoutChannel.ALIPAY.value
    MANUAL = models.PayoutChannel.MANUAL.value
    DUMMY = models.PayoutChannel.DUMMY.value


class WithdrawalEvent(graphene.ObjectType):
    """One step in a withdrawal's history."""

    type = graphene.String(required=True)
    at = graphene.DateTime(required=True)
    actor = graphene.String(
        description='Who: "staff:<user id>", "distributor:<id>", "system", "provider:wechat". '
        "A distributor sees only the role."
    )
    message = graphene.String()
    from_status = graphene.String()
    to_status = graphene.String()

    @staticmethod
    def resolve_at(root: models.WithdrawalEvent, info: Any) -> Any:
        return root.created_at

    @staticmethod
    def resolve_actor(root: models.WithdrawalEvent, info: Any) -> str | None:
        from saleor_distribution.graphql.withdrawals.resolvers import sees_all_withdrawals

        if not root.actor:
            return None
        if sees_all_withdrawals(info):
            return root.actor
        return (
            root.actor.split(":", 1)[0]
            if root.actor.startswith(("staff:", "distributor:"))
            else root.actor
        )

    @staticmethod
    def resolve_message(root: models.WithdrawalEvent, info: Any) -> str | None:
        return event_message(root.data)

    @staticmethod
    def resolve_from_status(root: models.WithdrawalEvent, info: Any) -> str | None:
        return root.from_status or None

    @staticmethod
    def resolve_to_status(root: models.WithdrawalEvent, info: Any) -> str | None:
        return root.to_status or None


# The data keys of an event that say what happened in words (no identities or secrets
# are ever in an event, see withdrawals/events.py).
_MESSAGE_KEYS = ("reason", "failure_reason", "message", "problem")


def event_message(data: dict[str, Any]) -> str | None:
    for key in _MESSAGE_KEYS:
        value = data.get(key)
        if value:
            return str(value)
    if data.get("provider_state"):
        return f"Provider state: {data['provider_state']}"
    return None


class WechatPayoutConfirmation(graphene.ObjectType):
    """What the storefront passes to `wx.requestMerchantTransfer` so the payee confirms a
    WeChat payout (商家转账 needs the user's confirmation)."""

    mch_id = graphene.String(required=True)
    app_id = graphene.String(required=True)
    package = graphene.String(required=True)


class Withdrawal(graphene.ObjectType):
    """A distributor's request for money out, and its payout."""

    class Meta:
        interfaces = (graphene.relay.Node,)

    distributor = graphene.Field(Distributor, required=True)
    status = graphene.Field(WithdrawalStatusEnum, required=True)
    channel = graphene.Field(PayoutChannelEnum, required=True)
    amount = graphene.Field(DistributionMoney, required=True, description="Gross: what was held.")
    fee = graphene.Field(DistributionMoney, required=True)
    net = graphene.Field(DistributionMoney, required=True, description="What the payee receives.")
    payee = graphene.String(required=True, description="The payee account, masked.")
    payout_number = graphene.String(
        required=True, description="out_bill_no / out_biz_no: the number the provider knows."
    )
    provider_status = graphene.String()
    failure_reason = graphene.String()
    rejection_reason = graphene.String()
    auto_approved = graphene.Boolean(required=True)
    requested_at = graphene.DateTime(required=True)
    approved_at = graphene.DateTime()
    finished_at = graphene.DateTime()
    events = graphene.List(graphene.NonNull(WithdrawalEvent), required=True)
    confirmation = graphene.Field(
        WechatPayoutConfirmation,
        description="For the distributor themself only, while a WeChat payout waits for "
        "their confirmation; null otherwise.",
    )

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, models.Withdrawal)

    @classmethod
    def get_node(cls, info: Any, id: str) -> models.Withdrawal | None:
        from saleor_distribution.graphql.withdrawals.resolvers import visible_withdrawals

        try:
            pk = int(id)
        except (TypeError, ValueError):
            return None
        return visible_withdrawals(info).filter(pk=pk).first()

    @staticmethod
    def resolve_status(root: models.Withdrawal, info: Any) -> str:
        status = WithdrawalStatus(root.status)  # a plain value, also for an unsaved member
        return STATUS_FOR_API.get(status, status).value

    @staticmethod
    def resolve_amount(root: models.Withdrawal, info: Any) -> dict[str, Any]:
        return DistributionMoney.from_amount(root.amount, root.currency)

    @staticmethod
    def resolve_fee(root: models.Withdrawal, info: Any) -> dict[str, Any]:
        return DistributionMoney.from_amount(root.fee, root.currency)

    @staticmethod
    def resolve_net(root: models.Withdrawal, info: Any) -> dict[str, Any]:
        return DistributionMoney.from_amount(root.net_amount, root.currency)

    @staticmethod
    def resolve_payee(root: models.Withdrawal, info: Any) -> str:
        return payee_label(root.payee_account)

    @staticmethod
    def resolve_provider_status(root: models.Withdrawal, info: Any) -> str | None:
        return root.provider_state or None

    @staticmethod
    def resolve_failure_reason(root: models.Withdrawal, info: Any) -> str | None:
        return root.failure_reason or None

    @staticmethod
    def resolve_rejection_reason(root: models.Withdrawal, info: Any) -> str | None:
        return root.rejection_reason or None

    @staticmethod
    def resolve_events(root: models.Withdrawal, info: Any) -> list[models.WithdrawalEvent]:
        # Prefetched per page by the connection; ordered by pk (the model's ordering).
        return list(root.events.all())

    @staticmethod
    def resolve_confirmation(root: models.Withdrawal, info: Any) -> dict[str, str] | None:
        viewer = info.context.viewer
        if not viewer.is_customer or root.distributor.saleor_user_id != viewer.user_id:
            return None
        confirmation = fetch.payout_confirmation(root)
        if confirmation is None:
            return None
        return {
            "mch_id": confirmation["mchId"],
            "app_id": confirmation["appId"],
            "package": confirmation["package"],
        }


def payee_label(account: models.PayeeAccount | None) -> str:
    """A payee account as it may be shown: masked identity, masked real name."""
    if account is None:
        return ""
    parts = [account.identity_masked]
    if account.real_name_masked:
        parts.append(account.real_name_masked)
    if account.bank_name:
        parts.insert(0, account.bank_name)
    return " ".join(parts)


class WithdrawalCountableConnection(CountableConnection):
    class Meta:
        node = Withdrawal

    @staticmethod
    def resolve_edges(root: Any, info: Any) -> Any:
        lookups = ["distributor", "payee_account"]
        if selects(info, ("node", "events")):
            lookups.append("events")
        return prefetch_edges(root, lookups)


class PayeeKindEnum(graphene.Enum):
    WECHAT_OPENID = models.PayeeKind.WECHAT_OPENID.value
    ALIPAY_USER_ID = models.PayeeKind.ALIPAY_USER_ID.value
    ALIPAY_LOGON_ID = models.PayeeKind.ALIPAY_LOGON_ID.value
    BANK_ACCOUNT = models.PayeeKind.BANK_ACCOUNT.value


class PayeeAccount(graphene.ObjectType):
    """Where the distributor's payouts on one channel go; identity and name masked."""

    channel = graphene.Field(PayoutChannelEnum, required=True)
    kind = graphene.Field(PayeeKindEnum, required=True)
    identity = graphene.String(required=True, description="Masked.")
    real_name = graphene.String(description="Masked.")
    bank_name = graphene.String()
    bound_at = graphene.DateTime(required=True)

    @staticmethod
    def resolve_channel(root: models.PayeeAccount, info: Any) -> str:
        return models.PayoutChannel(root.channel).value

    @staticmethod
    def resolve_kind(root: models.PayeeAccount, info: Any) -> str:
        return models.PayeeKind(root.kind).value

    @staticmethod
    def resolve_identity(root: models.PayeeAccount, info: Any) -> str:
        return root.identity_masked

    @staticmethod
    def resolve_real_name(root: models.PayeeAccount, info: Any) -> str | None:
        return root.real_name_masked or None

    @staticmethod
    def resolve_bank_name(root: models.PayeeAccount, info: Any) -> str | None:
        return root.bank_name or None


class PayoutSettings(graphene.ObjectType):
    """The payout channels of the installation. Credentials are write-only: only whether
    they are set shows (`wechatConfigured`, `alipayConfigured`), never their value."""

    wechat_enabled = graphene.Boolean(required=True)
    wechat_mch_id = graphene.String()
    wechat_app_id = graphene.String()
    wechat_configured = graphene.Boolean(
        required=True, description="The merchant key, serial number and APIv3 key are set."
    )
    alipay_enabled = graphene.Boolean(required=True)
    alipay_app_id = graphene.String()
    alipay_configured = graphene.Boolean(
        required=True, description="The app private key and Alipay public key are set."
    )
    manual_enabled = graphene.Boolean(required=True)
