"""Who may see which distributors, and how much of them.

- Staff with MANAGE_USERS see every distributor of their installation, in full; the money
  lists (ledger, commissions, withdrawals, attributed orders) also need MANAGE_ORDERS.
- A customer sees their own distributor in full, and the distributors of their team
  (downline) as team members: code, name, status, grade, counters, sales and their team,
  with the email masked and no money, links or history. Nobody else, not even their
  upline (their sponsor's public card is on `Distributor.sponsor`).
- Anyone else sees none.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from enum import IntEnum
from functools import partial
from typing import Any

from django.db.models import QuerySet
from graphql import GraphQLError

from saleor_distribution.graphql.core.connection import (
    SortKey,
    connection_from_page,
    decode_cursor,
    page_size,
    paginate,
)
from saleor_distribution.graphql.core.dataloaders import remember
from saleor_distribution.graphql.network.dataloaders import SalesLoader, default_currency
from saleor_distribution.graphql.network.filters import filter_distributors, search_distributors
from saleor_distribution.graphql.network.sorters import DEFAULT_SORT, sort_key
from saleor_distribution.network import fetch
from saleor_distribution.network.models import Distributor
from saleor_distribution.reports import fetch as reports

MANAGE_USERS = "MANAGE_USERS"
MANAGE_ORDERS = "MANAGE_ORDERS"


class Access(IntEnum):
    NONE = 0
    TEAM = 1  # a customer looking at someone in their team
    FULL = 2  # the distributor themself, or staff with MANAGE_USERS


def sees_every_distributor(info: Any) -> bool:
    """Staff with MANAGE_USERS: every distributor of their installation."""
    viewer = info.context.viewer
    return viewer.installation is not None and viewer.has_permission(MANAGE_USERS)


def visible_distributors(info: Any) -> QuerySet[Distributor]:
    """The distributors a caller may look up by id: staff all, a customer their own."""
    viewer = info.context.viewer
    if viewer.installation is None:
        return Distributor.objects.none()
    rows = Distributor.objects.filter(installation=viewer.installation)
    if sees_every_distributor(info):
        return rows
    if viewer.is_customer:
        return rows.filter(saleor_user_id=viewer.user_id)
    return Distributor.objects.none()


def viewer_distributor(info: Any) -> Distributor | None:
    """The signed-in customer's own distributor (read once per request)."""
    loaders = info.context.dataloaders
    if "viewer_distributor" not in loaders:
        viewer = info.context.viewer
        own = None
        if viewer.is_customer and viewer.installation is not None:
            own = fetch.get_for_user(viewer.installation, viewer.user_id)
        loaders["viewer_distributor"] = own
    distributor: Distributor | None = loaders["viewer_distributor"]
    return distributor


def access(info: Any, distributor: Distributor) -> Access:
    viewer = info.context.viewer
    if viewer.installation is None or distributor.installation_id != viewer.installation.pk:
        return Access.NONE
    if viewer.has_permission(MANAGE_USERS):
        return Access.FULL
    if viewer.is_customer:
        own = viewer_distributor(info)
        if own is None:
            return Access.NONE
        if own.pk == distributor.pk:
            return Access.FULL
        if fetch.is_in_subtree(distributor, own):
            return Access.TEAM
    return Access.NONE


def sees_money(info: Any, distributor: Distributor) -> bool:
    """Ledger, commissions, withdrawals and orders: the distributor, or MANAGE_ORDERS staff."""
    if access(info, distributor) < Access.FULL:
        return False
    viewer = info.context.viewer
    return viewer.is_customer or viewer.has_permission(MANAGE_ORDERS)


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def resolve_distributors(
    info: Any,
    connection_type: Any,
    *,
    first: int | None,
    after: str | None,
    search: str | None,
    filter: dict[str, Any] | None,
    sort_by: dict[str, Any] | None,
) -> Any:
    """The staff list: search, filters, a sort order, keyset pages. Sorting by sales reads
    the maintained sales totals (see `reports.fetch.rank_by_sales`)."""
    rows = search_distributors(filter_distributors(visible_distributors(info), filter), search)
    # A list row shows its parent: read with the page, not by a query of its own.
    rows = rows.select_related("parent")
    narrowed = (search or "").strip() or any(
        value is not None and value != [] for value in (filter or {}).values()
    )
    total_count: Callable[[], int]
    if not narrowed:
        # Unfiltered: counted from the tree's counters, not row by row.
        installation = info.context.viewer.installation
        total_count = partial(fetch.distributor_count, installation)
    else:
        total_count = rows.count
    field = sort_by["field"].value if sort_by else None
    direction = sort_by["direction"].value if sort_by else "desc"
    if field == "sales":
        currency = sort_by.get("currency") if sort_by else None
        currency = currency or default_currency(info)
        if currency is not None:
            # Everyone, highest first (the dashboard's list): one hand-written read.
            everyone = not narrowed and direction == "desc" and sees_every_distributor(info)
            return _ranked_by_sales(
                info, connection_type, None if everyone else rows, currency, direction,
                first, after, total_count,
            )
        # No orders yet: nobody has sales, so the sales order is the id order.
        sort = SortKey(("pk",), descending=direction == "desc")
    else:
        sort = sort_key(field, direction) if field else DEFAULT_SORT
    connection = paginate(
        rows, connection_type, sort=sort, first=first, after=after, total_count=total_count
    )
    remember(info, [edge.node for edge in connection.edges])
    return connection


def _ranked_by_sales(
    info: Any,
    connection_type: Any,
    rows: QuerySet[Distributor] | None,
    currency: str,
    direction: str,
    first: int | None,
    after: str | None,
    total_count: Callable[[], int],
) -> Any:
    size = page_size(first)
    cursor = decode_cursor(after, 2)
    if cursor is not None and not (
        isinstance(cursor[0], Decimal) and isinstance(cursor[1], int)
    ):
        raise GraphQLError("Invalid cursor.")
    installation = info.context.viewer.installation
    ranked_after = (cursor[0], cursor[1]) if cursor else None
    if rows is None:  # all of the installation's, descending
        page = reports.rank_all_by_sales(
            installation, currency=currency, first=size, after=ranked_after
        )
    else:
        page = reports.rank_by_sales(
            rows,
            installation=installation,
            currency=currency,
            descending=direction == "desc",
            first=size,
            after=ranked_after,
        )
    nodes = [row for row, _ in page.rows]
    remember(info, nodes)
    # The ranking read the sales already: the rows' `sales` fields need no other query.
    loader = SalesLoader.for_request(info, currency)
    loader.cache.update({row.pk: amount for row, amount in page.rows})
    return connection_from_page(
        connection_type,
        [(row, [amount, row.pk]) for row, amount in page.rows],
        has_next_page=page.has_next_page,
        has_previous_page=after is not None,
        total_count=total_count,
    )
