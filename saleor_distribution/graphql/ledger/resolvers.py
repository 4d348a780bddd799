"""Who may read ledger entries: the distributor themself, and staff with MANAGE_ORDERS."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from saleor_distribution.graphql.core.connection import SortKey, paginate
from saleor_distribution.ledger.models import LedgerEntry
from saleor_distribution.network.models import Distributor

MANAGE_ORDERS = "MANAGE_ORDERS"
NEWEST_FIRST = SortKey(("created_at", "pk"), descending=True)


def visible_entries(info: Any) -> QuerySet[LedgerEntry]:
    viewer = info.context.viewer
    if viewer.installation is None:
        return LedgerEntry.objects.none()
    rows = LedgerEntry.objects.filter(installation=viewer.installation).select_related("account")
    if viewer.has_permission(MANAGE_ORDERS):
        return rows
    if viewer.is_customer:
        return rows.filter(account__distributor__saleor_user_id=viewer.user_id)
    return LedgerEntry.objects.none()


def resolve_statement(
    distributor: Distributor, connection_type: Any, *, first: int | None, after: str | None
) -> Any:
    """The distributor's entries in every currency, newest first, a page at a time."""
    rows = LedgerEntry.objects.filter(
        installation_id=distributor.installation_id, account__distributor=distributor
    ).select_related("account")
    return paginate(rows, connection_type, sort=NEWEST_FIRST, first=first, after=after)
