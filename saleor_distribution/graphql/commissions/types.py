"""Commission plans, commissions and order attributions as the API shows them.

`Commission`, `OrderAttribution` and their connections are also the node types of the
distributor's `commissions` and `attributedOrders` (graphql/network): the connections
prefetch what their nodes read, once per page, whoever built the page.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import graphene
from graphql_relay import to_global_id

from saleor_distribution.commissions import calculations, fetch, models
from saleor_distribution.graphql.core.connection import CountableConnection
from saleor_distribution.graphql.core.prefetch import prefetch_edges
from saleor_distribution.graphql.core.types import DistributionMoney
from saleor_distribution.graphql.network.types import Distributor


class CommissionStatusEnum(graphene.Enum):
    """Where a commission's money is. WITHDRAWN is reserved: the ledger pools available
    money per account, so a single commission is never marked withdrawn."""

    PENDING = "pending"
    FROZEN = "frozen"
    AVAILABLE = "available"
    WITHDRAWN = "withdrawn"
    REVERSED = "reversed"


class RateKindEnum(graphene.Enum):
    PERCENTAGE = calculations.PERCENTAGE
    FIXED = calculations.FIXED


class CommissionBaseEnum(graphene.Enum):
    NET = calculations.NET
    GROSS = calculations.GROSS


class ActivityModeEnum(graphene.Enum):
    """What happens to the level of an upline who sold nothing in the last activityDays:
    OFF (no activity rule), SKIP (the level is not paid), PASS_UP (the next active
    ancestor takes it)."""

    OFF = "off"
    SKIP = calculations.SKIP
    PASS_UP = calculations.PASS_UP


def _rate_text(value: Any) -> str:
    return f"{Decimal(str(value)).normalize():f}"


class LevelRate(graphene.ObjectType):
    level = graphene.Int(required=True)
    rate = graphene.String(required=True, description='A fraction of the base: "0.10" = 10 %.')


class GradeRate(graphene.ObjectType):
    grade_id = graphene.ID(required=True)
    level = graphene.Int(required=True)
    rate = graphene.String(required=True)


class ItemOverride(graphene.ObjectType):
    """A product's or category's rate at one level: a fraction of the base (PERCENTAGE) or
    an amount per unit in `currency` (FIXED)."""

    id = graphene.ID(required=True, description="The Saleor product or category id.")
    kind = graphene.Field(RateKindEnum, required=True)
    level = graphene.Int(required=True)
    value = graphene.String(required=True)
    currency = graphene.String(description="The currency of a FIXED amount.")


def _overrides(rules: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "id": item_id,
            "kind": rule["kind"],
            "level": index,
            "value": _rate_text(value),
            "currency": rule.get("currency"),
        }
        for item_id, rule in rules.items()
        for index, value in enumerate(rule["values"], start=1)
    ]


class CommissionPlan(graphene.ObjectType):
    """One immutable version of the commission plan (佣金方案)."""

    class Meta:
        interfaces = (graphene.relay.Node,)

    version = graphene.Int(required=True)
    is_active = graphene.Boolean(required=True)
    created_at = graphene.DateTime(required=True)
    created_by = graphene.String(description="The staff user id; null for the default plan.")
    levels = graphene.List(graphene.NonNull(LevelRate), required=True)
    grade_rates = graphene.List(graphene.NonNull(GradeRate), required=True)
    product_overrides = graphene.List(graphene.NonNull(ItemOverride), required=True)
    category_overrides = graphene.List(graphene.NonNull(ItemOverride), required=True)
    base = graphene.Field(CommissionBaseEnum, required=True)
    include_shipping = graphene.Boolean(required=True)
    include_tax = graphene.Boolean(required=True, description="True when the base is GROSS.")
    cap_share = graphene.String(
        required=True,
        description='Σ commissions of an order ≤ capShare x its base ("0.30"); "" for no cap.',
    )
    self_purchase = graphene.Boolean(required=True)
    activity_mode = graphene.Field(ActivityModeEnum, required=True)
    activity_days = graphene.Int(required=True, description="0 when activityMode is OFF.")
    freeze_days = graphene.Int(required=True)
    note = graphene.String(required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, models.PlanVersion)

    @classmethod
    def get_node(cls, info: Any, id: str) -> models.PlanVersion | None:
        from saleor_distribution.graphql.commissions.resolvers import visible_plan_versions

        pk = _int(id)
        return visible_plan_versions(info).filter(pk=pk).first() if pk else None

    @staticmethod
    def resolve_version(root: models.PlanVersion, info: Any) -> int:
        return root.number

    @staticmethod
    def resolve_is_active(root: models.PlanVersion, info: Any) -> bool:
        from saleor_distribution.graphql.commissions.resolvers import active_version_id

        return root.pk == active_version_id(info)

    @staticmethod
    def resolve_created_by(root: models.PlanVersion, info: Any) -> str | None:
        return root.created_by or None

    @staticmethod
    def resolve_levels(root: models.PlanVersion, info: Any) -> list[dict[str, Any]]:
        return [
            {"level": index, "rate": _rate_text(rate)}
            for index, rate in enumerate(root.level_rates, start=1)
        ]

    @staticmethod
    def resolve_grade_rates(root: models.PlanVersion, info: Any) -> list[dict[str, Any]]:
        return [
            {"grade_id": to_global_id("Grade", grade_id), "level": index, "rate": _rate_text(r)}
            for grade_id, rates in sorted(root.grade_rates.items(), key=lambda kv: int(kv[0]))
            for index, r in enumerate(rates, start=1)
        ]

    @staticmethod
    def resolve_product_overrides(root: models.PlanVersion, info: Any) -> list[dict[str, Any]]:
        return _overrides(root.product_rules)

    @staticmethod
    def resolve_category_overrides(root: models.PlanVersion, info: Any) -> list[dict[str, Any]]:
        return _overrides(root.category_rules)

    @staticmethod
    def resolve_base(root: models.PlanVersion, info: Any) -> str:
        return root.base_kind

    @staticmethod
    def resolve_include_tax(root: models.PlanVersion, info: Any) -> bool:
        return root.base_kind == models.BaseKind.GROSS

    @staticmethod
    def resolve_cap_share(root: models.PlanVersion, info: Any) -> str:
        return "" if root.cap_rate is None else _rate_text(root.cap_rate)

    @staticmethod
    def resolve_activity_mode(root: models.PlanVersion, info: Any) -> str:
        return "off" if root.activity_days is None else root.upline_rule

    @staticmethod
    def resolve_activity_days(root: models.PlanVersion, info: Any) -> int:
        return root.activity_days or 0


class CommissionPlanCountableConnection(CountableConnection):
    class Meta:
        node = CommissionPlan


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class Commission(graphene.ObjectType):
    """Money a distributor earns on one order line at one level (佣金)."""

    class Meta:
        interfaces = (graphene.relay.Node,)

    order_id = graphene.ID(required=True, description="The Saleor order id.")
    order_number = graphene.String(required=True)
    line_id = graphene.String(required=True, description='The Saleor order line id, or "shipping".')
    level = graphene.Int(required=True)
    beneficiary = graphene.Field(Distributor, required=True)
    base = graphene.Field(DistributionMoney, required=True)
    rate = graphene.String(required=True)
    rate_kind = graphene.String(required=True, description="percentage or fixed.")
    rule_source = graphene.String(required=True, description="product, category, grade or level.")
    amount = graphene.Field(
        DistributionMoney, required=True, description="What the ledger holds for it now."
    )
    refunded = graphene.Field(DistributionMoney, required=True)
    status = graphene.Field(CommissionStatusEnum, required=True)
    plan_version = graphene.Int(required=True)
    reason = graphene.String(required=True, description="Why this rate and amount applied.")
    matures_at = graphene.DateTime(description="When it may settle (frozen commissions).")
    created_at = graphene.DateTime(required=True)

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, models.Commission)

    @classmethod
    def get_node(cls, info: Any, id: str) -> models.Commission | None:
        from saleor_distribution.graphql.commissions.resolvers import visible_commissions

        pk = _int(id)
        return visible_commissions(info).filter(pk=pk).first() if pk else None

    @staticmethod
    def resolve_order_id(root: models.Commission, info: Any) -> str:
        return root.order.saleor_order_id

    @staticmethod
    def resolve_order_number(root: models.Commission, info: Any) -> str:
        return root.order.number

    @staticmethod
    def resolve_base(root: models.Commission, info: Any) -> dict[str, Any]:
        return DistributionMoney.from_amount(root.base, root.currency)

    @staticmethod
    def resolve_rate(root: models.Commission, info: Any) -> str:
        return _rate_text(root.rate)

    @staticmethod
    def resolve_amount(root: models.Commission, info: Any) -> dict[str, Any]:
        return DistributionMoney.from_amount(root.amount, root.currency)

    @staticmethod
    def resolve_refunded(root: models.Commission, info: Any) -> dict[str, Any]:
        return DistributionMoney.from_amount(root.refunded_amount, root.currency)

    @staticmethod
    def resolve_status(root: models.Commission, info: Any) -> str:
        return models.CommissionState(root.state).value

    @staticmethod
    def resolve_plan_version(root: models.Commission, info: Any) -> int:
        return root.plan_version.number

    @staticmethod
    def resolve_reason(root: models.Commission, info: Any) -> str:
        return fetch.explain_commission(root, root.plan_version.number)


COMMISSION_PREFETCH = ("order", "beneficiary", "plan_version")


class CommissionCountableConnection(CountableConnection):
    class Meta:
        node = Commission

    @staticmethod
    def resolve_edges(root: Any, info: Any) -> Any:
        return prefetch_edges(root, COMMISSION_PREFETCH)


class OrderAttribution(graphene.ObjectType):
    """Who an order is attributed to, why, and the commissions it earned."""

    order_id = graphene.ID(required=True, description="The Saleor order id.")
    order_number = graphene.String(required=True)
    distributor = graphene.Field(Distributor)
    source = graphene.String(
        required=True, description="ref, voucher, binding, self_purchase or none."
    )
    explanation = graphene.String(required=True)
    base = graphene.Field(
        DistributionMoney, description="The commissionable base; null when nothing was earned."
    )
    commissions = graphene.List(graphene.NonNull(Commission), required=True)
    order_status = graphene.String(required=True, description="Saleor's order status.")
    order_created_at = graphene.DateTime()

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, models.OrderRecord)

    @staticmethod
    def resolve_order_id(root: models.OrderRecord, info: Any) -> str:
        return root.saleor_order_id

    @staticmethod
    def resolve_order_number(root: models.OrderRecord, info: Any) -> str:
        return root.number

    @staticmethod
    def resolve_distributor(root: models.OrderRecord, info: Any) -> Any:
        return root.attributed_distributor

    @staticmethod
    def resolve_source(root: models.OrderRecord, info: Any) -> str:
        return root.attribution_source

    @staticmethod
    def resolve_explanation(root: models.OrderRecord, info: Any) -> str:
        return root.attribution_reason

    @staticmethod
    def resolve_base(root: models.OrderRecord, info: Any) -> dict[str, Any] | None:
        base = fetch.order_base(root.commissions.all())
        if base is None:
            return None
        return DistributionMoney.from_amount(base, root.currency)

    @staticmethod
    def resolve_commissions(root: models.OrderRecord, info: Any) -> list[models.Commission]:
        return _commissions_of(root, info)

    @staticmethod
    def resolve_order_status(root: models.OrderRecord, info: Any) -> str:
        return root.status

    @staticmethod
    def resolve_order_created_at(root: models.OrderRecord, info: Any) -> Any:
        return root.saleor_created_at


def _commissions_of(record: models.OrderRecord, info: Any) -> list[models.Commission]:
    """The order's commissions the viewer may see: all of them for staff with
    MANAGE_ORDERS, a distributor only their own (not what their uplines earned)."""
    from saleor_distribution.graphql.commissions.resolvers import sees_all_commissions

    # Prefetched by the connection (or by `prefetch_order_record` for a single record).
    rows = list(record.commissions.all())
    if not sees_all_commissions(info):
        user_id = info.context.viewer.user_id
        rows = [c for c in rows if user_id and c.beneficiary.saleor_user_id == user_id]
    rows.sort(key=lambda c: (c.level, c.line_id, c.pk))
    return rows


ORDER_PREFETCH = (
    "attributed_distributor",
    "commissions",
    "commissions__beneficiary",
    "commissions__plan_version",
)


class OrderAttributionCountableConnection(CountableConnection):
    class Meta:
        node = OrderAttribution

    @staticmethod
    def resolve_edges(root: Any, info: Any) -> Any:
        nodes = prefetch_edges(root, ORDER_PREFETCH)
        for edge in root.edges:
            for commission in edge.node.commissions.all():
                commission.order = edge.node  # the Commission type reads its order
        return nodes
