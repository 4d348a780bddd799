from __future__ import annotations

from decimal import Decimal
from typing import Any

import graphene
from django.conf import settings
from graphql import GraphQLError

from saleor_distribution.graphql.core.connection import (
    CountableConnection,
    connection_from_page,
    decode_cursor,
    page_size,
)
from saleor_distribution.graphql.core.dataloaders import remember
from saleor_distribution.graphql.core.types import DistributionMoney, choice_value
from saleor_distribution.graphql.ledger.dataloaders import AccountsByDistributor
from saleor_distribution.graphql.ledger.resolvers import resolve_statement
from saleor_distribution.graphql.ledger.types import Balance, LedgerEntryCountableConnection
from saleor_distribution.graphql.network.dataloaders import (
    ParentLoader,
    ReferralLinksLoader,
    SalesLoader,
    TeamCountsLoader,
    TeamPageLoader,
    UplinesLoader,
    default_currency,
    grades_of,
)
from saleor_distribution.graphql.network.enums import (
    DistributorStatusEnum,
    GradeTargetEnum,
    JoiningModeEnum,
)
from saleor_distribution.graphql.network.money_fields import money_fields
from saleor_distribution.graphql.network.resolvers import (
    Access,
    access,
    mask_email,
    sees_money,
)
from saleor_distribution.network import fetch, grades, models

# How far below a distributor `team(depth:)` may look (paths hold about 200 levels).
MAX_TEAM_DEPTH = 200


class DistributorCard(graphene.ObjectType):
    """What anyone may see of a referral code's owner (for a landing page)."""

    code = graphene.String(required=True)
    display_name = graphene.String(required=True)

    @staticmethod
    def resolve_display_name(root: models.Distributor, info: Any) -> str:
        # Never the email: a public card shows only the name the distributor chose.
        return root.display_name or root.code


class Grade(graphene.ObjectType):
    """A distributor grade (分销等级); a higher rank is a higher grade."""

    class Meta:
        interfaces = (graphene.relay.Node,)

    name = graphene.String(required=True)
    rank = graphene.Int(required=True)
    min_sales = graphene.Field(
        DistributionMoney,
        description="Upgrade target: the distributor's own paid sales (null: not required).",
    )
    min_direct_count = graphene.Int(
        description="Upgrade target: direct recruits (null: not required)."
    )
    min_team_size = graphene.Int(
        description="Upgrade target: everyone below, at any depth (null: not required)."
    )
    auto_upgrade = graphene.Boolean(
        required=True,
        description="Distributors who meet every target are moved up to this grade "
        "(every 10 minutes; never down). A grade without targets is given by staff only.",
    )

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, models.Grade)

    @staticmethod
    def resolve_min_sales(root: models.Grade, info: Any) -> dict[str, Any] | None:
        if not root.min_sales_currency:
            return None
        return DistributionMoney.from_amount(root.min_sales_amount, root.min_sales_currency)

    @classmethod
    def get_node(cls, info: Any, id: str) -> models.Grade | None:
        from saleor_distribution.graphql.network.resolvers import MANAGE_USERS

        viewer = info.context.viewer
        if not viewer.has_permission(MANAGE_USERS) or not id.isdigit():
            return None
        return models.Grade.objects.filter(installation=viewer.installation, pk=id).first()


class GradeTargetProgress(graphene.ObjectType):
    """One upgrade target of a grade: what it requires and where the distributor is. Sales
    targets fill the sales fields, the others the count fields."""

    target = graphene.Field(GradeTargetEnum, required=True)
    met = graphene.Boolean(required=True)
    required_sales = graphene.Field(DistributionMoney)
    current_sales = graphene.Field(DistributionMoney)
    required_count = graphene.Int()
    current_count = graphene.Int()

    @staticmethod
    def from_progress(progress: grades.TargetProgress) -> dict[str, Any]:
        if progress.target == grades.SALES:
            assert isinstance(progress.required, Decimal) and isinstance(progress.current, Decimal)
            return {
                "target": progress.target,
                "met": progress.met,
                "required_sales": DistributionMoney.from_amount(
                    progress.required, progress.currency
                ),
                "current_sales": DistributionMoney.from_amount(progress.current, progress.currency),
            }
        return {
            "target": progress.target,
            "met": progress.met,
            "required_count": progress.required,
            "current_count": progress.current,
        }


class GradeProgress(graphene.ObjectType):
    """The next grade (the lowest ranked above the distributor's) and each of its targets."""

    grade = graphene.Field(Grade, required=True)
    met = graphene.Boolean(
        required=True, description="Every target is met (false for a grade without targets)."
    )
    targets = graphene.List(graphene.NonNull(GradeTargetProgress), required=True)


class TeamDepthCount(graphene.ObjectType):
    depth = graphene.Int(required=True, description="Levels below the distributor (1: direct).")
    count = graphene.Int(required=True)


class ReferralLink(graphene.ObjectType):
    """A link the distributor shares (推广链接), with its counted clicks and the paid orders
    attributed to the distributor (for a product link: those containing the product)."""

    id = graphene.ID(required=True)
    url = graphene.String(required=True)
    channel = graphene.String(description="The channel's slug; null: the default channel.")
    product_id = graphene.ID(description="Saleor's product id; null: the shop link.")
    clicks = graphene.Int(required=True)
    orders = graphene.Int(required=True)
    storefront_url = graphene.String(
        description="Where the link leads (the storefront page with the code), if configured."
    )


# commissions, attributedOrders, withdrawals: when the money API is in the build.
MoneyFields = type("MoneyFields", (), money_fields())


class Distributor(MoneyFields, graphene.ObjectType):  # type: ignore[misc, valid-type]
    """A distributor (分销员), as the distributor themself or staff see it. To a customer
    looking at a member of their team, the email is masked and the money, links and
    history are empty (see `graphql/network/resolvers.py`)."""

    class Meta:
        interfaces = (graphene.relay.Node,)

    code = graphene.String(required=True)
    status = graphene.Field(DistributorStatusEnum, required=True)
    status_reason = graphene.String(description="Why staff rejected or suspended them.")
    display_name = graphene.String(required=True)
    email = graphene.String(required=True)
    user_id = graphene.ID(required=True, description="The Saleor user's id.")
    grade = graphene.Field(Grade)
    next_grade = graphene.Field(
        GradeProgress,
        description="The next grade's targets and the progress towards them (null at the top; "
        "the distributor themself and staff only).",
    )
    parent = graphene.Field(lambda: Distributor, description="The upline (上级).")
    sponsor = graphene.Field(
        DistributorCard, description="The upline's public card (for the distributor)."
    )
    uplines = graphene.List(
        graphene.NonNull(lambda: Distributor),
        required=True,
        description="The upline chain, nearest first.",
    )
    depth = graphene.Int(required=True, description="How many uplines the distributor has.")
    team_size = graphene.Int(required=True, description="Everyone below, at any depth.")
    direct_count = graphene.Int(required=True, description="Direct recruits.")
    joined_at = graphene.DateTime(required=True)
    approved_at = graphene.DateTime()
    sales = graphene.Field(
        DistributionMoney,
        currency=graphene.String(description="Default: the currency of the latest order."),
        description="Paid sales attributed to the distributor (gross, less refunds).",
    )
    balances = graphene.List(
        graphene.NonNull(Balance), required=True, description="Per currency, every bucket."
    )
    team = graphene.Field(
        lambda: DistributorCountableConnection,
        first=graphene.Int(),
        after=graphene.String(),
        depth=graphene.Int(default_value=1, description="Levels below (1: direct recruits)."),
        description="The team (团队) at one depth, in joining order.",
    )
    team_count_by_depth = graphene.List(graphene.NonNull(TeamDepthCount), required=True)
    ledger = graphene.Field(
        LedgerEntryCountableConnection,
        first=graphene.Int(),
        after=graphene.String(),
        description="The ledger statement, newest first.",
    )
    referral_links = graphene.List(graphene.NonNull(ReferralLink), required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, models.Distributor)

    @classmethod
    def get_node(cls, info: Any, id: str) -> models.Distributor | None:
        from saleor_distribution.graphql.network.resolvers import visible_distributors

        return visible_distributors(info).filter(pk=id).first() if id.isdigit() else None

    @staticmethod
    def resolve_status(root: models.Distributor, info: Any) -> str:
        return str(choice_value(root.status))

    @staticmethod
    def resolve_status_reason(root: models.Distributor, info: Any) -> str | None:
        return (root.status_reason or None) if access(info, root) == Access.FULL else None

    @staticmethod
    def resolve_email(root: models.Distributor, info: Any) -> str:
        return root.email if access(info, root) == Access.FULL else mask_email(root.email)

    @staticmethod
    def resolve_user_id(root: models.Distributor, info: Any) -> str:
        return root.saleor_user_id

    @staticmethod
    def resolve_grade(root: models.Distributor, info: Any) -> models.Grade | None:
        return grades_of(info).get(root.grade_id) if root.grade_id else None

    @staticmethod
    def resolve_next_grade(root: models.Distributor, info: Any) -> dict[str, Any] | None:
        if access(info, root) < Access.FULL:
            return None
        known = grades_of(info)
        current = known.get(root.grade_id) if root.grade_id is not None else None
        upcoming = grades.next_grade(known.values(), current)
        if upcoming is None:
            return None
        sales = {}
        if upcoming.min_sales_currency:
            currency = upcoming.min_sales_currency
            sales[currency] = SalesLoader.for_request(info, currency).load(root)
        targets = grades.target_progress(
            upcoming, sales=sales, direct_count=root.direct_count, team_size=root.team_size
        )
        progress = grades.GradeProgress(upcoming, targets)
        return {
            "grade": upcoming,
            "met": progress.met,
            "targets": [GradeTargetProgress.from_progress(t) for t in targets],
        }

    @staticmethod
    def resolve_parent(root: models.Distributor, info: Any) -> models.Distributor | None:
        if root.parent_id is None:
            return None
        parent = ParentLoader.for_request(info).load(root)
        return parent if parent is not None and access(info, parent) else None

    @staticmethod
    def resolve_sponsor(root: models.Distributor, info: Any) -> models.Distributor | None:
        if root.parent_id is None or not access(info, root):
            return None
        return ParentLoader.for_request(info).load(root)

    @staticmethod
    def resolve_uplines(root: models.Distributor, info: Any) -> list[models.Distributor]:
        if not root.parent_id:
            return []
        return [d for d in UplinesLoader.for_request(info).load(root) if access(info, d)]

    @staticmethod
    def resolve_sales(
        root: models.Distributor, info: Any, currency: str | None = None
    ) -> dict[str, Any] | None:
        currency = currency or default_currency(info)
        if currency is None:
            return None
        amount = SalesLoader.for_request(info, currency).load(root)
        return DistributionMoney.from_amount(amount, currency)

    @staticmethod
    def resolve_balances(root: models.Distributor, info: Any) -> list[dict[str, Any]]:
        if access(info, root) < Access.FULL:
            return []
        return [Balance.from_account(a) for a in AccountsByDistributor.for_request(info).load(root)]

    @staticmethod
    def resolve_team(
        root: models.Distributor,
        info: Any,
        first: int | None = None,
        after: str | None = None,
        depth: int = 1,
    ) -> Any:
        if not access(info, root):
            return None
        if depth is None or not 1 <= depth <= MAX_TEAM_DEPTH:
            raise GraphQLError(f"The depth is 1 to {MAX_TEAM_DEPTH}.")
        size = page_size(first)
        cursor = decode_cursor(after, 1)
        after_pk = cursor[0] if cursor else None
        if after_pk is not None and not isinstance(after_pk, int):
            raise GraphQLError("Invalid cursor.")
        if after_pk is None:
            # First pages of every listed distributor's team come in one query.
            page = TeamPageLoader.for_request(info, depth, max(size, 1)).load(root)
        elif depth == 1:
            page = fetch.direct_team(root, first=max(size, 1), after=after_pk)
        else:
            page = fetch.team_at_depth(root, depth, first=max(size, 1), after=after_pk)

        def total() -> int:
            if depth == 1:
                return root.direct_count
            return TeamCountsLoader.for_request(info).load(root).get(depth, 0)

        items = page.items[:size]
        remember(info, items)
        return connection_from_page(
            DistributorCountableConnection,
            [(item, [item.pk]) for item in items],
            has_next_page=page.has_next_page or len(page.items) > size,
            has_previous_page=after is not None,
            total_count=total,
        )

    @staticmethod
    def resolve_team_count_by_depth(root: models.Distributor, info: Any) -> list[dict[str, int]]:
        if not access(info, root):
            return []
        counts = TeamCountsLoader.for_request(info).load(root)
        return [{"depth": depth, "count": count} for depth, count in counts.items()]

    @staticmethod
    def resolve_ledger(
        root: models.Distributor, info: Any, first: int | None = None, after: str | None = None
    ) -> Any:
        if not sees_money(info, root):
            return None
        return resolve_statement(root, LedgerEntryCountableConnection, first=first, after=after)

    @staticmethod
    def resolve_referral_links(root: models.Distributor, info: Any) -> list[dict[str, Any]]:
        if access(info, root) < Access.FULL:
            return []
        return ReferralLinksLoader.for_request(info).load(root)


class DistributorCountableConnection(CountableConnection):
    class Meta:
        node = Distributor


class StorefrontUrls(graphene.ObjectType):
    """A channel's storefront URL templates: `{channel}`, `{code}` and `{product}` are
    replaced. `link` must contain `{code}`; `product` `{code}` and `{product}`."""

    channel = graphene.String(required=True)
    home = graphene.String()
    link = graphene.String()
    product = graphene.String()


def spend_threshold(policy: models.NetworkPolicy) -> dict[str, Any] | None:
    if not policy.join_spend_threshold_currency:
        return None
    return DistributionMoney.from_amount(
        policy.join_spend_threshold_amount, policy.join_spend_threshold_currency
    )


class ProgrammeTerms(graphene.ObjectType):
    """What anyone may read of the programme before joining."""

    joining_mode = graphene.Field(JoiningModeEnum, required=True)
    join_spend_threshold = graphene.Field(DistributionMoney)
    binding_days = graphene.Int(description="How long a binding lasts; null: permanent.")

    @staticmethod
    def resolve_joining_mode(root: models.NetworkPolicy, info: Any) -> str:
        return str(choice_value(root.joining_mode))

    @staticmethod
    def resolve_join_spend_threshold(
        root: models.NetworkPolicy, info: Any
    ) -> dict[str, Any] | None:
        return spend_threshold(root)


class ProgrammeSettings(ProgrammeTerms):
    """The programme's network rules (joining, binding, referral links)."""

    binding_permanent = graphene.Boolean(required=True)
    last_touch = graphene.Boolean(
        required=True, description="A newer code takes the customer (after protection)."
    )
    protection_days = graphene.Int(required=True, description="保护期, in days.")
    bind_new_customers_only = graphene.Boolean(required=True)
    storefront_url_template = graphene.String(
        required=True, description="The default channel's `link` template (empty: none)."
    )
    default_channel = graphene.String()
    storefront_urls = graphene.List(graphene.NonNull(StorefrontUrls), required=True)
    click_rate_limit = graphene.Int(required=True)
    click_rate_window_seconds = graphene.Int(required=True)
    default_sponsor = graphene.Field(Distributor)
    referral_base_url = graphene.String(
        required=True, description="Where the app serves referral links (`/r/<code>`)."
    )

    @staticmethod
    def resolve_binding_permanent(root: models.NetworkPolicy, info: Any) -> bool:
        return root.binding_days is None

    @staticmethod
    def resolve_last_touch(root: models.NetworkPolicy, info: Any) -> bool:
        return root.binding_touch == models.TouchModel.LAST_TOUCH

    @staticmethod
    def resolve_protection_days(root: models.NetworkPolicy, info: Any) -> int:
        return root.binding_protection_days

    @staticmethod
    def resolve_storefront_url_template(root: models.NetworkPolicy, info: Any) -> str:
        templates = root.storefront_urls.get(root.default_channel) or {}
        return str(templates.get("link", ""))

    @staticmethod
    def resolve_default_channel(root: models.NetworkPolicy, info: Any) -> str | None:
        return root.default_channel or None

    @staticmethod
    def resolve_storefront_urls(root: models.NetworkPolicy, info: Any) -> list[dict[str, Any]]:
        return [
            {"channel": channel, **templates}
            for channel, templates in sorted(root.storefront_urls.items())
        ]

    @staticmethod
    def resolve_default_sponsor(
        root: models.NetworkPolicy, info: Any
    ) -> models.Distributor | None:
        return root.default_sponsor

    @staticmethod
    def resolve_referral_base_url(root: models.NetworkPolicy, info: Any) -> str:
        return f"{settings.APP_URL}/r/"


class CommissionPreviewLevel(graphene.ObjectType):
    level = graphene.Int(required=True, description="1: the distributor's own sale.")
    rate_kind = graphene.String(required=True, description="percentage or fixed.")
    rate = graphene.String(
        required=True, description="A fraction of the line's price (0.10), or an amount per unit."
    )
    amount_per_unit = graphene.Field(DistributionMoney, description="For a fixed rate.")
    source = graphene.String(required=True, description="product, category, grade or level.")


class CommissionPreview(graphene.ObjectType):
    """What the signed-in distributor would earn per unit of a product at each level of the
    plan in force (before the order's cap, which may scale commissions down)."""

    plan_version = graphene.Int(required=True)
    currency = graphene.String(description="The currency fixed rates are read in.")
    levels = graphene.List(graphene.NonNull(CommissionPreviewLevel), required=True)
