from __future__ import annotations

from collections import defaultdict
from typing import Any

import graphene

from saleor_distribution.commissions import actions, calculations
from saleor_distribution.commissions.error_codes import CommissionErrorCode
from saleor_distribution.graphql.commissions.enums import (
    CommissionPlanError,
    CommissionPlanErrorCode,
)
from saleor_distribution.graphql.commissions.resolvers import MANAGE_ORDERS
from saleor_distribution.graphql.commissions.types import (
    ActivityModeEnum,
    CommissionBaseEnum,
    CommissionPlan,
    RateKindEnum,
)
from saleor_distribution.graphql.core.mutations import require_staff_permission
from saleor_distribution.graphql.core.results import enum_value, parse_id, refuse, run_mutation

# The domain's argument names as this mutation's input names, for errors.
INPUT_FIELDS = {
    "levels": "levels",
    "levelRates": "levels",
    "gradeRates": "gradeRates",
    "categoryRules": "categoryOverrides",
    "productRules": "productOverrides",
    "baseKind": "base",
    "capRate": "capShare",
    "uplineRule": "activityMode",
    "activityDays": "activityDays",
    "freezeDays": "freezeDays",
}
INVALID = CommissionErrorCode.INVALID.value
ACTIVITY_OFF = "off"  # ActivityModeEnum.OFF: no activity rule


class LevelRateInput(graphene.InputObjectType):
    level = graphene.Int(required=True)
    rate = graphene.String(required=True, description='A fraction of the base: "0.10" = 10 %.')


class GradeRateInput(graphene.InputObjectType):
    grade_id = graphene.ID(required=True)
    level = graphene.Int(required=True)
    rate = graphene.String(required=True)


class ItemOverrideInput(graphene.InputObjectType):
    id = graphene.ID(required=True, description="The Saleor product or category id.")
    kind = RateKindEnum(required=True)
    level = graphene.Int(required=True)
    value = graphene.String(required=True)
    currency = graphene.String(description="Required for FIXED: the amount's currency.")


class CommissionPlanInput(graphene.InputObjectType):
    levels = graphene.List(graphene.NonNull(LevelRateInput), required=True)
    grade_rates = graphene.List(graphene.NonNull(GradeRateInput))
    product_overrides = graphene.List(graphene.NonNull(ItemOverrideInput))
    category_overrides = graphene.List(graphene.NonNull(ItemOverrideInput))
    base = CommissionBaseEnum(required=True)
    include_shipping = graphene.Boolean()
    include_tax = graphene.Boolean(description="If given, must agree with base (GROSS).")
    cap_share = graphene.String(required=True, description='"0.30", or "" for no cap.')
    self_purchase = graphene.Boolean(required=True)
    activity_mode = ActivityModeEnum(required=True)
    activity_days = graphene.Int(description="Required unless activityMode is OFF.")
    freeze_days = graphene.Int(required=True)
    note = graphene.String()
    activate = graphene.Boolean(description="Put the new version in force at once.")


class CommissionPlanMutationResult(graphene.ObjectType):
    commission_plan = graphene.Field(CommissionPlan)
    errors = graphene.List(graphene.NonNull(CommissionPlanError), required=True)
    warnings = graphene.List(
        graphene.NonNull(graphene.String),
        required=True,
        description="Non-blocking: e.g. more than 3 paid levels.",
    )

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("warnings", [])
        super().__init__(**kwargs)


def _by_level(rows: list[Any], field: str) -> list[str]:
    """Rates given per level as a list in level order; levels must run 1..n without gaps."""
    levels = sorted(row.level for row in rows)
    if levels != list(range(1, len(rows) + 1)):
        raise refuse(field, "Give one rate per level, from level 1 without gaps.", INVALID)
    return [row.rate if hasattr(row, "rate") else row.value for row in sorted(rows, key=_level)]


def _level(row: Any) -> int:
    return int(row.level)


def _grade_rates(rows: list[Any]) -> dict[int, list[str]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        pk = parse_id(row.grade_id, "Grade")
        if pk is None:
            raise refuse("gradeRates", "Unknown grade.", CommissionErrorCode.UNKNOWN_GRADE.value)
        grouped[pk].append(row)
    return {pk: _by_level(values, "gradeRates") for pk, values in grouped.items()}


def _overrides(rows: list[Any], field: str) -> dict[str, dict[str, Any]]:
    grouped: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[str(row.id)].append(row)
    rules = {}
    for item_id, values in grouped.items():
        kinds = {enum_value(row.kind) for row in values}
        currencies = {row.currency or None for row in values}
        if len(kinds) != 1 or len(currencies) != 1:
            raise refuse(field, f"{item_id}: one kind and currency for every level.", INVALID)
        kind = kinds.pop()
        rule: dict[str, Any] = {"kind": kind, "values": _by_level(values, field)}
        currency = currencies.pop()
        if currency:
            rule["currency"] = currency
        rules[item_id] = rule
    return rules


def plan_arguments(data: Any) -> dict[str, Any]:
    """The input as `actions.create_plan_version`'s arguments (shape only; the domain
    validates the rates, grades, cap and days)."""
    base = enum_value(data.base)
    if data.include_tax is not None and data.include_tax != (base == calculations.GROSS):
        raise refuse("includeTax", "Tax is included exactly when the base is GROSS.", INVALID)
    mode = enum_value(data.activity_mode)
    activity_days = None
    upline_rule = calculations.SKIP
    if mode != ACTIVITY_OFF:
        if data.activity_days is None:
            raise refuse("activityDays", "Say how many days count as active.", INVALID)
        activity_days = data.activity_days
        upline_rule = mode
    cap = (data.cap_share or "").strip()
    return {
        "levels": len(data.levels),
        "level_rates": _by_level(list(data.levels), "levels"),
        "grade_rates": _grade_rates(list(data.grade_rates or [])),
        "product_rules": _overrides(list(data.product_overrides or []), "productOverrides"),
        "category_rules": _overrides(list(data.category_overrides or []), "categoryOverrides"),
        "base_kind": base,
        "include_shipping": bool(data.include_shipping),
        "cap_rate": cap or None,
        "self_purchase": data.self_purchase,
        "activity_days": activity_days,
        "upline_rule": upline_rule,
        "freeze_days": data.freeze_days,
        "note": data.note or "",
        "activate": bool(data.activate),
    }


class CommissionPlanCreate(graphene.Mutation):
    """Create the next version of the commission plan (MANAGE_ORDERS). Versions are
    immutable; the new one is in force only once activated (or with `activate: true`)."""

    class Arguments:
        input = CommissionPlanInput(required=True)

    Output = CommissionPlanMutationResult

    @staticmethod
    def mutate(root: Any, info: Any, input: Any) -> CommissionPlanMutationResult:
        def body() -> dict[str, Any]:
            require_staff_permission(info, MANAGE_ORDERS)
            viewer = info.context.viewer
            result = actions.create_plan_version(
                viewer.installation, staff_user_id=viewer.user_id, **plan_arguments(input)
            )
            return {"commission_plan": result.version, "warnings": result.warnings}

        return run_mutation(
            CommissionPlanMutationResult, CommissionPlanErrorCode, body, fields=INPUT_FIELDS
        )
