"""Per-request loaders of what a distributor row shows (see `core.dataloaders`)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, ClassVar

from graphql_relay import to_global_id

from saleor_distribution.graphql.core.dataloaders import RowLoader, remember
from saleor_distribution.network import fetch
from saleor_distribution.network.calculations import render_storefront_url
from saleor_distribution.network.models import Distributor, Grade, NetworkPolicy
from saleor_distribution.reports import fetch as reports


def grades_of(info: Any) -> dict[int, Grade]:
    """The installation's grades by id, read once per request (a handful of rows)."""
    loaders = info.context.dataloaders
    if "grades" not in loaders:
        installation = info.context.viewer.installation
        loaders["grades"] = Grade.objects.filter(installation=installation).in_bulk()
    grades: dict[int, Grade] = loaders["grades"]
    return grades


class ParentLoader(RowLoader[Distributor, Distributor | None]):
    model = Distributor

    def batch_load(self, rows: Sequence[Distributor]) -> dict[Any, Distributor | None]:
        # Lists read with `select_related("parent")` carry their parents already.
        parents = {
            row.parent_id: row.parent
            for row in rows
            if row.parent_id is not None and Distributor.parent.is_cached(row)
        }
        missing = {row.parent_id for row in rows if row.parent_id not in parents} - {None}
        if missing:
            parents.update(
                Distributor.objects.filter(installation_id=rows[0].installation_id).in_bulk(
                    missing
                )
            )
        remember(self.info, [parent for parent in parents.values() if parent is not None])
        return {row.pk: parents.get(row.parent_id) for row in rows if row.parent_id}


class UplinesLoader(RowLoader[Distributor, list[Distributor]]):
    model = Distributor
    default: ClassVar[list[Distributor]] = []

    def batch_load(self, rows: Sequence[Distributor]) -> dict[Any, list[Distributor]]:
        if len(rows) == 1:
            uplines = {rows[0].pk: fetch.ancestors(rows[0], fields=None)}
        else:
            uplines = fetch.ancestors_of_many(rows)
        for chain in uplines.values():
            remember(self.info, chain)
        return uplines


class SalesLoader(RowLoader[Distributor, Decimal]):
    """Sales in one currency (`for_request(info, currency)`)."""

    model = Distributor
    default: ClassVar[Decimal] = Decimal(0)

    def batch_load(self, rows: Sequence[Distributor]) -> dict[Any, Decimal]:
        (currency,) = self.args
        return reports.sales_totals([row.pk for row in rows], currency)


def default_currency(info: Any) -> str | None:
    loaders = info.context.dataloaders
    if "currency" not in loaders:
        loaders["currency"] = reports.default_currency(info.context.viewer.installation)
    currency: str | None = loaders["currency"]
    return currency


class TeamCountsLoader(RowLoader[Distributor, dict[int, int]]):
    model = Distributor
    default: ClassVar[dict[int, int]] = {}

    def batch_load(self, rows: Sequence[Distributor]) -> dict[Any, dict[int, int]]:
        return fetch.team_counts_by_depth_of_many([row.pk for row in rows])


class TeamPageLoader(RowLoader[Distributor, fetch.TeamPage]):
    """The first page of a team at one depth (`for_request(info, depth, size)`)."""

    model = Distributor

    def batch_load(self, rows: Sequence[Distributor]) -> dict[Any, fetch.TeamPage]:
        depth, size = self.args
        pages = fetch.first_team_pages(rows, depth, first=size)
        # Every member of every page, so their own fields load in one batch too.
        remember(self.info, [member for page in pages.values() for member in page.items])
        return pages


class ReferralLinksLoader(RowLoader[Distributor, list[dict[str, Any]]]):
    """Each distributor's links: the shop link of the default channel, then those they made,
    with clicks and orders."""

    model = Distributor
    default: ClassVar[list[dict[str, Any]]] = []

    def batch_load(self, rows: Sequence[Distributor]) -> dict[Any, list[dict[str, Any]]]:
        policy = fetch.get_policy(self.info.context.viewer.installation)
        ids = [row.pk for row in rows]
        made = fetch.referral_links(ids)
        clicks = fetch.click_counts(ids)
        shop_orders = reports.order_counts(ids)
        product_orders = reports.product_order_counts(
            (link.distributor_id, link.product)
            for links in made.values()
            for link in links
            if link.product
        )
        several = fetch.serves_several_installations()
        links: dict[int, list[dict[str, Any]]] = {}
        for row in rows:
            wanted = [("", "")] + [
                (link.channel, link.product)
                for link in made[row.pk]
                # The default channel's shop link is always first already.
                if link.product or link.channel != policy.default_channel
            ]
            links[row.pk] = [
                share_link(
                    row, policy, channel, product, several,
                    clicks=clicks[row.pk],
                    orders=product_orders.get((row.pk, product), 0)
                    if product
                    else shop_orders.get(row.pk, 0),
                )
                for channel, product in wanted
            ]
        return links


def share_link(
    distributor: Distributor,
    policy: NetworkPolicy,
    channel: str,
    product: str,
    several_installations: bool,
    *,
    clicks: dict[tuple[str, str], int],
    orders: int,
) -> dict[str, Any]:
    """A `ReferralLink` of the API. Channel "": the default channel (clicks are recorded
    under the channel the visitor was sent to)."""
    clicked_channel = channel or policy.default_channel
    templates = policy.storefront_urls.get(clicked_channel) or {}
    template = (templates.get("product") if product else None) or templates.get("link")
    return {
        "key": (clicked_channel, product),
        "id": to_global_id("ReferralLink", f"{distributor.pk}:{channel}:{product}"),
        "url": fetch.referral_link(
            distributor, product=product, channel=channel,
            several_installations=several_installations,
        ),
        "channel": channel or None,
        "product_id": product or None,
        "clicks": clicks.get((clicked_channel, product), 0),
        "orders": orders,
        "storefront_url": render_storefront_url(
            template, channel=clicked_channel, code=distributor.code, product=product
        )
        if template
        else None,
    }
