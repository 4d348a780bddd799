from __future__ import annotations

from datetime import date
from typing import Any

import graphene
from django.core.exceptions import ValidationError
from graphql import GraphQLError

from saleor_distribution.graphql.core.dataloaders import remember
from saleor_distribution.graphql.core.mutations import require_staff_permission
from saleor_distribution.graphql.core.types import DistributionMoney, parse_currency
from saleor_distribution.graphql.ledger.resolvers import MANAGE_ORDERS
from saleor_distribution.graphql.network.dataloaders import default_currency
from saleor_distribution.graphql.network.resolvers import MANAGE_USERS
from saleor_distribution.graphql.reports.types import ProgrammeOverview, ReportPeriodInput
from saleor_distribution.reports import calculations
from saleor_distribution.reports import fetch as reports

MAX_TOP = 100


class Overview:
    """What `ProgrammeOverview` resolves from: the figures, read at once, and the top list,
    read only if asked for."""

    def __init__(self, info: Any, currency: str, start: date, end: date) -> None:
        self.info = info
        self.period = (start, end)
        figures = reports.overview(info.context.viewer.installation, currency, start, end)
        money = DistributionMoney.from_amount
        self.currency = currency
        self.distribution_sales = money(figures.sales, currency)
        self.commissions_accrued = money(figures.commissions_accrued, currency)
        self.commissions_available = money(figures.commissions_available, currency)
        self.commissions_paid = money(figures.commissions_paid, currency)
        self.pending_withdrawals = figures.pending_withdrawals
        self.pending_withdrawals_amount = money(figures.pending_withdrawals_amount, currency)
        self.new_distributors = figures.new_distributors
        self.series = [
            {
                "date": day.day,
                "sales": money(day.sales, currency),
                "commissions": money(day.commissions, currency),
                "new_distributors": day.new_distributors,
            }
            for day in figures.series
        ]

    def top_distributors(self, info: Any, first: int) -> list[dict[str, Any]]:
        if not 0 <= first <= MAX_TOP:
            raise GraphQLError(f"first is 0 to {MAX_TOP}.")
        start, end = self.period
        top = reports.top_distributors(
            info.context.viewer.installation, self.currency, start, end, first=first
        )
        remember(info, [row.distributor for row in top])
        return [
            {
                "distributor": row.distributor,
                "sales": DistributionMoney.from_amount(row.sales, self.currency),
                "commissions": DistributionMoney.from_amount(row.commissions, self.currency),
            }
            for row in top
        ]


class ReportsQueries(graphene.ObjectType):
    programme_overview = graphene.Field(
        ProgrammeOverview,
        period=ReportPeriodInput(required=True),
        currency=graphene.String(description="Default: the currency of the latest order."),
        description="The programme in a period (MANAGE_USERS and MANAGE_ORDERS). Null before "
        "the first order when no currency is given.",
    )

    @staticmethod
    def resolve_programme_overview(
        root: Any, info: Any, period: dict[str, date], currency: str | None = None
    ) -> Overview | None:
        require_staff_permission(info, MANAGE_USERS, MANAGE_ORDERS)
        start, end = period["gte"], period["lte"]
        if start > end or (end - start).days >= calculations.MAX_PERIOD_DAYS:
            raise GraphQLError(
                f"The period runs forward and is at most {calculations.MAX_PERIOD_DAYS} days."
            )
        if currency is not None:
            try:
                currency = parse_currency(currency, "currency", "invalid")
            except ValidationError as exc:
                raise GraphQLError("Not an ISO 4217 currency code.") from exc
        currency = currency or default_currency(info)
        if currency is None:
            return None
        return Overview(info, currency, start, end)
