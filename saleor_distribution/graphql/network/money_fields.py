"""`Distributor.commissions`, `attributedOrders` and `withdrawals`: lists whose node types
belong to the commissions and withdrawals API (`graphql/commissions`, `graphql/withdrawals`).

They are referred to by import path, resolved when the schema is built, and the fields exist
only in a build that has those packages: the network API builds and runs without them.
Who may read them: the distributor themself, and staff with MANAGE_USERS and MANAGE_ORDERS
(`resolvers.sees_money`).
"""

from __future__ import annotations

from importlib.util import find_spec
from typing import Any

import graphene
from django.db.models import QuerySet

from saleor_distribution.graphql.core.connection import SortKey, paginate
from saleor_distribution.graphql.network.resolvers import sees_money
from saleor_distribution.network.models import Distributor

COMMISSIONS_TYPES = "saleor_distribution.graphql.commissions.types"
WITHDRAWALS_TYPES = "saleor_distribution.graphql.withdrawals.types"
NEWEST_FIRST = SortKey(("created_at", "pk"), descending=True)


def _present(module: str) -> bool:
    return find_spec(module.rsplit(".", 1)[0]) is not None


HAS_COMMISSIONS = _present(COMMISSIONS_TYPES)
HAS_WITHDRAWALS = _present(WITHDRAWALS_TYPES)


class CommissionFilterInput(graphene.InputObjectType):
    status = graphene.List(graphene.NonNull(f"{COMMISSIONS_TYPES}.CommissionStatusEnum"))
    order_id = graphene.ID(description="The Saleor order id.")
    created_at = graphene.InputField(
        "saleor_distribution.graphql.reports.types.ReportPeriodInput",
        description="Days, both ends included.",
    )


def commissions_of(
    distributor: Distributor, info: Any, first: int | None = None, after: str | None = None,
    filter: dict[str, Any] | None = None,
) -> Any:
    """The commissions the distributor earned, newest first."""
    from saleor_distribution.commissions.models import Commission
    from saleor_distribution.reports.fetch import period_bounds

    if not sees_money(info, distributor):
        return None
    rows: QuerySet[Commission] = Commission.objects.filter(
        installation_id=distributor.installation_id, beneficiary=distributor
    )
    filter = filter or {}
    if filter.get("status"):
        rows = rows.filter(state__in=[status.value for status in filter["status"]])
    if filter.get("order_id") is not None:
        rows = rows.filter(order__saleor_order_id=str(filter["order_id"]))
    if filter.get("created_at") is not None:
        since, until = period_bounds(filter["created_at"]["gte"], filter["created_at"]["lte"])
        rows = rows.filter(created_at__gte=since, created_at__lt=until)
    connection_type = _type(COMMISSIONS_TYPES, "CommissionCountableConnection")
    return paginate(rows, connection_type, sort=NEWEST_FIRST, first=first, after=after)


def attributed_orders_of(
    distributor: Distributor, info: Any, first: int | None = None, after: str | None = None
) -> Any:
    """The orders attributed to the distributor, newest first."""
    from saleor_distribution.commissions.models import OrderRecord

    if not sees_money(info, distributor):
        return None
    rows = OrderRecord.objects.filter(
        installation_id=distributor.installation_id,
        attributed_distributor=distributor,
        saleor_created_at__isnull=False,
    )
    connection_type = _type(COMMISSIONS_TYPES, "OrderAttributionCountableConnection")
    return paginate(rows, connection_type, sort=SortKey(("saleor_created_at", "pk"), True),
                    first=first, after=after)


def withdrawals_of(
    distributor: Distributor, info: Any, first: int | None = None, after: str | None = None
) -> Any:
    """The distributor's withdrawals, newest first."""
    from saleor_distribution.withdrawals.models import Withdrawal

    if not sees_money(info, distributor):
        return None
    rows = Withdrawal.objects.filter(
        installation_id=distributor.installation_id, distributor=distributor
    )
    connection_type = _type(WITHDRAWALS_TYPES, "WithdrawalCountableConnection")
    return paginate(rows, connection_type, sort=SortKey(("requested_at", "pk"), True),
                    first=first, after=after)


def _type(module: str, name: str) -> Any:
    from importlib import import_module

    return getattr(import_module(module), name)


def money_fields() -> dict[str, Any]:
    """The fields (with their resolvers) to add to `Distributor`, as far as this build has
    the types they list."""
    fields: dict[str, Any] = {}
    if HAS_COMMISSIONS:
        fields["commissions"] = graphene.Field(
            f"{COMMISSIONS_TYPES}.CommissionCountableConnection",
            first=graphene.Int(),
            after=graphene.String(),
            filter=CommissionFilterInput(),
            description="The commissions the distributor earned, newest first.",
            resolver=commissions_of,
        )
        fields["attributed_orders"] = graphene.Field(
            f"{COMMISSIONS_TYPES}.OrderAttributionCountableConnection",
            first=graphene.Int(),
            after=graphene.String(),
            description="The orders attributed to the distributor, newest first.",
            resolver=attributed_orders_of,
        )
    if HAS_WITHDRAWALS:
        fields["withdrawals"] = graphene.Field(
            f"{WITHDRAWALS_TYPES}.WithdrawalCountableConnection",
            first=graphene.Int(),
            after=graphene.String(),
            description="The distributor's withdrawals, newest first.",
            resolver=withdrawals_of,
        )
    return fields
