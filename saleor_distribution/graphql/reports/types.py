from __future__ import annotations

from typing import Any

import graphene

from saleor_distribution.graphql.core.types import DistributionMoney
from saleor_distribution.graphql.network.types import Distributor


class ReportPeriodInput(graphene.InputObjectType):
    """Days in the service's time zone (UTC unless configured), both ends included."""

    gte = graphene.Date(required=True)
    lte = graphene.Date(required=True)


class OverviewPoint(graphene.ObjectType):
    date = graphene.Date(required=True)
    sales = graphene.Field(DistributionMoney, required=True)
    commissions = graphene.Field(DistributionMoney, required=True)
    new_distributors = graphene.Int(required=True)


class DistributorSales(graphene.ObjectType):
    distributor = graphene.Field(Distributor, required=True)
    sales = graphene.Field(DistributionMoney, required=True)
    commissions = graphene.Field(DistributionMoney, required=True)


class ProgrammeOverview(graphene.ObjectType):
    """The programme in a period. Sales: paid orders attributed to distributors and placed in
    the period (gross, less refunds). Commissions accrued: on those orders, after refunds;
    available: the part of it settled. Paid: withdrawals paid out in the period. Pending
    withdrawals: those waiting for staff now. New distributors: joined in the period."""

    currency = graphene.String(required=True)
    distribution_sales = graphene.Field(DistributionMoney, required=True)
    commissions_accrued = graphene.Field(DistributionMoney, required=True)
    commissions_available = graphene.Field(DistributionMoney, required=True)
    commissions_paid = graphene.Field(DistributionMoney, required=True)
    pending_withdrawals = graphene.Int(required=True)
    pending_withdrawals_amount = graphene.Field(DistributionMoney, required=True)
    new_distributors = graphene.Int(required=True)
    series = graphene.List(graphene.NonNull(OverviewPoint), required=True)
    top_distributors = graphene.List(
        graphene.NonNull(DistributorSales),
        required=True,
        first=graphene.Int(default_value=10),
        description="By sales in the period (at most 100).",
    )

    @staticmethod
    def resolve_top_distributors(root: Any, info: Any, first: int = 10) -> Any:
        return root.top_distributors(info, first)
