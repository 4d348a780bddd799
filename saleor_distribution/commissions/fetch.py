"""Read helpers for commissions: plan versions, order records and their commissions, and
the plain-language explanation of a commission (why this rate applied)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db.models import QuerySet

from saleor_distribution.commissions import calculations
from saleor_distribution.commissions.models import (
    Commission,
    CommissionState,
    OrderRecord,
    PlanVersion,
)
from saleor_distribution.core.money import ZERO, quantize
from saleor_distribution.installations.models import Installation

SHIPPING_LINE = "shipping"


def plan_versions(installation: Installation) -> QuerySet[PlanVersion]:
    """Every version of the installation's plan, newest first."""
    return PlanVersion.objects.filter(installation=installation).order_by("-number")


def get_plan_version(installation: Installation, version_id: int) -> PlanVersion | None:
    return PlanVersion.objects.filter(installation=installation, pk=version_id).first()


def active_plan_version_id(installation: Installation) -> int | None:
    """The id of the version in force, without creating the default plan."""
    from saleor_distribution.commissions.models import CommissionProgramme

    return (
        CommissionProgramme.objects.filter(installation=installation)
        .values_list("active_version_id", flat=True)
        .first()
    )


def get_order_record(installation: Installation, saleor_order_id: str) -> OrderRecord | None:
    return OrderRecord.objects.filter(
        installation=installation, saleor_order_id=saleor_order_id
    ).first()


def commissions_of_order(record: OrderRecord) -> QuerySet[Commission]:
    """The order's commissions by level, then line."""
    return Commission.objects.filter(order=record).order_by("level", "line_id", "pk")


def order_base(commissions: Iterable[Commission]) -> Decimal | None:
    """The order's commissionable base: the sum of its lines' bases (each line is counted
    once, whatever the number of levels); None when nothing was commissioned."""
    bases: dict[str, Decimal] = {}
    currency = None
    for commission in commissions:
        bases.setdefault(commission.line_id, commission.base)
        currency = commission.currency
    if currency is None:
        return None
    return sum(bases.values(), ZERO)


def _percent(rate: Decimal) -> str:
    value = (rate * 100).normalize()
    text = f"{value:f}"
    return f"{text} %"


_SOURCE_WORDS = {
    calculations.RuleSource.PRODUCT: "the product's override",
    calculations.RuleSource.CATEGORY: "the category's override",
    calculations.RuleSource.GRADE: "the beneficiary's grade rate",
    calculations.RuleSource.LEVEL: "the plan's level rate",
}


def explain_commission(commission: Commission, plan_number: int) -> str:
    """Why this commission has its rate and amount, in one sentence a merchant can read:
    the rule that applied (product > category > grade > level, as `pick_rate` decides),
    the rate on the base, and whether the plan's cap scaled it down or a refund reduced it."""
    source = _SOURCE_WORDS.get(commission.rule_source, commission.rule_source)
    if commission.rate_kind == calculations.FIXED:
        amount = f"{commission.rate.normalize():f} {commission.currency}"
        rate = f"{amount} per unit x {commission.quantity}"
        raw = commission.rate * commission.quantity
    else:
        base = quantize(commission.base, commission.currency)
        rate = f"{_percent(commission.rate)} of {base} {commission.currency}"
        raw = commission.rate * commission.base
    what = "shipping" if commission.line_id == SHIPPING_LINE else "the line"
    parts = [f"Level {commission.level} on {what}: {source} in plan v{plan_number}, {rate}."]
    if commission.gross_amount < quantize(raw, commission.currency):
        parts.append("Scaled down so the order's commissions stay within the plan's cap.")
    if commission.state == CommissionState.REVERSED:
        parts.append("Reversed: the order was cancelled, expired or fully refunded.")
    elif commission.refunded_amount > 0:
        refunded = quantize(commission.refunded_amount, commission.currency)
        parts.append(f"{refunded} {commission.currency} taken back for refunded items.")
    return " ".join(parts)
