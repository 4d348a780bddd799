"""`Product.commissionPreview`: the plan in force, read for one product and one distributor,
with the commissions domain's own rate rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from saleor_distribution.commissions import calculations
from saleor_distribution.commissions.actions import active_plan_version
from saleor_distribution.core.money import quantize
from saleor_distribution.graphql.core.types import DistributionMoney
from saleor_distribution.graphql.network.dataloaders import default_currency
from saleor_distribution.graphql.network.resolvers import viewer_distributor

PREVIEW_LINE = "preview"


def commission_preview(
    info: Any, product_id: str, category_ids: tuple[str, ...]
) -> dict[str, Any] | None:
    """Per level of the plan, the rate the signed-in distributor would earn at on one unit of
    the product (category: the product's category, then its parent). Fixed rates are read
    in the shop's currency (that of its latest order), as an order in it would be. None for
    anyone who is not an active distributor."""
    distributor = viewer_distributor(info)
    if distributor is None or not distributor.is_active:
        return None
    version = active_plan_version(info.context.viewer.installation)
    rules = version.rules()
    currency = default_currency(info) or _fixed_rule_currency(rules, product_id, category_ids)
    line = calculations.LineFacts(
        line_id=PREVIEW_LINE,
        product_id=product_id,
        category_ids=category_ids,
        quantity=1,
        base=Decimal(0),
        paid_share=Decimal(1),
    )
    levels = []
    for level in range(1, rules.levels + 1):
        beneficiary = calculations.Beneficiary(level, distributor.pk, distributor.grade_id)
        picked = calculations.pick_rate(line, beneficiary, rules, currency or "")
        fixed = picked.kind == calculations.FIXED and currency is not None
        levels.append(
            {
                "level": level,
                "rate_kind": picked.kind,
                "rate": str(picked.rate),
                "amount_per_unit": DistributionMoney.from_amount(
                    quantize(picked.rate, currency), currency
                )
                if fixed and currency
                else None,
                "source": picked.source,
            }
        )
    return {"plan_version": version.number, "currency": currency, "levels": levels}


def _fixed_rule_currency(
    rules: calculations.PlanRules, product_id: str, category_ids: tuple[str, ...]
) -> str | None:
    """Before any order, the currency of the product's own fixed rule, if it has one."""
    candidates = [rules.product_rules.get(product_id)]
    candidates += [rules.category_rules.get(category) for category in category_ids]
    for rule in candidates:
        if rule is not None and rule.kind == calculations.FIXED:
            return rule.currency
    return None
