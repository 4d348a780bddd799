"""`Distributor.commissions`, `attributedOrders` and `withdrawals`: lists whose node types
belong to the commissions and withdrawals API (`graphql/commissions`, `graphql/withdrawals`).

They are referred to by import path, resolved when the schema is built, and the fields exist
only in a build that has those packages: the network API builds and runs without them.
Who may read them: the distributor themself, and staff with MANAGE_USERS and MANAGE_ORDERS
(`resolvers.sees_money`).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from importlib.util import find_spec
from typing import Any

import graphene
from django.db.models import QuerySet

from saleor_distribution.graphql.core.connection import SortKey, paginate
from saleor_distribution.graphql.network.resolvers import sees_money
from saleor_distribution.network.models import Distributor

COMMISSIONS_TYPES = "saleor_distribution.graphql.commissions.types"
WITHDRAWALS_TYPES = "saleor_distribution.graphql.withdrawals.types"


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


def _page(
    distributor: Distributor,
    info: Any,
    rows: Callable[[], QuerySet[Any]],
    connection: str,
    sort: SortKey,
    first: int | None,
    after: str | None,
) -> Any:
    if not sees_money(info, distributor):
        return None
    module, name = connection.rsplit(".", 1)
    connection_type = getattr(import_module(module), name)
    return paginate(rows(), connection_type, sort=sort, first=first, after=after)


def commissions_of(
    distributor: Distributor, info: Any, first: int | None = None, after: str | None = None,
    filter: dict[str, Any] | None = None,
) -> Any:
    """The commissions the distributor earned, newest first."""
    from saleor_distribution.commissions.models import Commission
    from saleor_distribution.reports.fetch import period_bounds

    def rows() -> QuerySet[Commission]:
        found = Commission.objects.filter(
            installation_id=distributor.installation_id, beneficiary=distributor
        )
        narrow = filter or {}
        if narrow.get("status"):
            found = found.filter(state__in=[status.value for status in narrow["status"]])
        if narrow.get("order_id") is not None:
            found = found.filter(order__saleor_order_id=str(narrow["order_id"]))
        if narrow.get("created_at") is not None:
            period = narrow["created_at"]
            since, until = period_bounds(period["gte"], period["lte"])
            found = found.filter(created_at__gte=since, created_at__lt=until)
        return found

    return _page(distributor, info, rows, f"{COMMISSIONS_TYPES}.CommissionCountableConnection",
                 SortKey(("created_at", "pk"), True), first, after)


def attributed_orders_of(
    distributor: Distributor, info: Any, first: int | None = None, after: str | None = None
) -> Any:
    """The orders attributed to the distributor, newest first."""
    from saleor_distribution.commissions.models import OrderRecord

    def rows() -> QuerySet[OrderRecord]:
        return OrderRecord.objects.filter(
            installation_id=distributor.installation_id,
            attributed_distributor=distributor,
            saleor_created_at__isnull=False,
        )

    return _page(distributor, info, rows,
                 f"{COMMISSIONS_TYPES}.OrderAttributionCountableConnection",
                 SortKey(("saleor_created_at", "pk"), True), first, after)


def withdrawals_of(
    distributor: Distributor, info: Any, first: int | None = None, after: str | None = None
) -> Any:
    """The distributor's withdrawals, newest first."""
    from saleor_distribution.withdrawals.models import Withdrawal

    def rows() -> QuerySet[Withdrawal]:
        return Withdrawal.objects.filter(
            installation_id=distributor.installation_id, distributor=distributor
        )

    return _page(distributor, info, rows, f"{WITHDRAWALS_TYPES}.WithdrawalCountableConnection",
                 SortKey(("requested_at", "pk"), True), first, after)


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
