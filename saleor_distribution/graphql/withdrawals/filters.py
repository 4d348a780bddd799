from __future__ import annotations

from typing import Any

import graphene
from django.db.models import QuerySet

from saleor_distribution.graphql.core.results import enum_value, parse_id
from saleor_distribution.graphql.withdrawals.types import (
    STATUSES_FOR_FILTER,
    PayoutChannelEnum,
    WithdrawalStatusEnum,
)
from saleor_distribution.withdrawals.models import Withdrawal


class WithdrawalFilterInput(graphene.InputObjectType):
    status = graphene.List(graphene.NonNull(WithdrawalStatusEnum))
    distributor = graphene.ID(description="A Distributor id.")
    channel = graphene.List(graphene.NonNull(PayoutChannelEnum))


def filter_withdrawals(rows: QuerySet[Withdrawal], data: Any) -> QuerySet[Withdrawal]:
    """An unknown distributor id matches nothing (it never widens the list)."""
    if not data:
        return rows
    if data.status:
        statuses: list[str] = []
        for status in data.status:
            value = enum_value(status)
            statuses.extend(STATUSES_FOR_FILTER.get(value, (value,)))
        rows = rows.filter(status__in=statuses)
    if data.distributor is not None:
        pk = parse_id(data.distributor, "Distributor")
        rows = rows.filter(distributor_id=pk) if pk else rows.none()
    if data.channel:
        rows = rows.filter(channel__in=[enum_value(c) for c in data.channel])
    return rows
