from __future__ import annotations

from typing import Any

import graphene

from saleor_distribution.graphql.core.connection import CountableConnection
from saleor_distribution.graphql.core.types import DistributionMoney, choice_value
from saleor_distribution.ledger import models


class LedgerBucketEnum(graphene.Enum):
    PENDING = models.Bucket.PENDING.value
    FROZEN = models.Bucket.FROZEN.value
    AVAILABLE = models.Bucket.AVAILABLE.value
    WITHDRAWING = models.Bucket.WITHDRAWING.value
    PAID = models.Bucket.PAID.value

    @property
    def description(self) -> str:
        return {
            "PENDING": "待结算: commissions of orders not paid yet.",
            "FROZEN": "冻结中: paid, waiting for fulfilment and the freeze period.",
            "AVAILABLE": "可提现: may be withdrawn.",
            "WITHDRAWING": "Held by withdrawals in progress.",
            "PAID": "Paid out.",
        }[self.name]


class Balance(graphene.ObjectType):
    """A distributor's balances in one currency, per ledger bucket (the ledger account's
    cached totals, always equal to the sums of its entries)."""

    currency = graphene.String(required=True)
    pending = graphene.Field(DistributionMoney, required=True)
    frozen = graphene.Field(DistributionMoney, required=True)
    available = graphene.Field(DistributionMoney, required=True)
    withdrawing = graphene.Field(DistributionMoney, required=True)
    paid = graphene.Field(DistributionMoney, required=True)

    @staticmethod
    def from_account(account: models.Account) -> dict[str, Any]:
        currency = account.currency
        balance: dict[str, Any] = {"currency": currency}
        for bucket in models.Bucket.values:
            balance[bucket] = DistributionMoney.from_amount(getattr(account, bucket), currency)
        return balance


class LedgerEntry(graphene.ObjectType):
    """One entry of a distributor's ledger: a signed amount into one bucket, and why."""

    class Meta:
        interfaces = (graphene.relay.Node,)

    bucket = graphene.Field(LedgerBucketEnum, required=True)
    code = graphene.String(required=True, description="Why the money moved, e.g. adjustment.")
    amount = graphene.Field(DistributionMoney, required=True, description="Signed.")
    reason = graphene.String(required=True)
    actor = graphene.String(description="The staff user who made an adjustment.")
    reference_type = graphene.String(required=True)
    reference_id = graphene.String(required=True)
    created_at = graphene.DateTime(required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, models.LedgerEntry)

    @classmethod
    def get_node(cls, info: Any, id: str) -> models.LedgerEntry | None:
        from saleor_distribution.graphql.ledger.resolvers import visible_entries

        return visible_entries(info).filter(pk=id).first() if id.isdigit() else None

    @staticmethod
    def resolve_bucket(root: models.LedgerEntry, info: Any) -> str:
        return str(choice_value(root.bucket))

    @staticmethod
    def resolve_code(root: models.LedgerEntry, info: Any) -> str:
        return str(choice_value(root.code))

    @staticmethod
    def resolve_amount(root: models.LedgerEntry, info: Any) -> dict[str, Any]:
        return DistributionMoney.from_amount(root.amount, root.account.currency)

    @staticmethod
    def resolve_actor(root: models.LedgerEntry, info: Any) -> str | None:
        return root.actor or None


class LedgerEntryCountableConnection(CountableConnection):
    class Meta:
        node = LedgerEntry
