"""Commission arithmetic: pure functions over an order snapshot, a plan and a chain.

No ORM here. The reconciliation (`actions.reconcile_order`) turns what these functions
return into commission rows and ledger entries.

The rules:
- **Base** of a line: its total after discounts (`totalPrice`, net by default, gross if the
  plan says so). Voucher and promotion discounts are already inside line prices, so the
  order-level `discounts` are not subtracted again (APP-CONTRACT §10.3). Shipping is out of
  the base unless the plan includes it (then it is one more "line" that only level and grade
  rates apply to); tax is out unless the base is gross.
- **Rate** of (line, level): product rule > category rule (the line's category, then its
  parent) > grade rate of the beneficiary > level rate. A rule that has no value for a level,
  or a fixed rule in another currency, falls through to the next one.
- **Refunds** reverse proportionally per line: the share of a line still paid for comes from
  the successful granted refunds' lines; money refunded beyond what those lines explain is
  spread over what is left of the order, shipping included (APP-CONTRACT §10.7).
- **Cap**: Σ commissions of the order ≤ cap x base, both before refunds (`gross_amount`) and
  after them (`amount`, on the base still paid for). When a cap binds, every commission is
  scaled by the same factor; a refund never raises a commission.
- **Rounding**: at full precision until the end, then each amount rounds DOWN to the
  currency's minor unit, once, so rounding never pushes a sum over the cap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal, localcontext

from saleor_distribution.core.money import quantize
from saleor_distribution.saleor import payloads

ZERO = Decimal(0)
ONE = Decimal(1)
SHIPPING_LINE = "shipping"

TERMINAL_STATUSES = frozenset({"CANCELED", "EXPIRED"})
FULFILLED_STATUSES = frozenset({"FULFILLED", "PARTIALLY_RETURNED", "RETURNED"})
PAID_CHARGE_STATUSES = frozenset({"FULL", "OVERCHARGED"})
COUNTED_REFUND_STATUSES = frozenset({"SUCCESS", None})  # None: a Saleor without the field

PERCENTAGE = "percentage"
FIXED = "fixed"
NET = "net"
GROSS = "gross"
SKIP = "skip"
PASS_UP = "pass_up"  # noqa: S105 (not a password)


class RuleSource:
    PRODUCT = "product"
    CATEGORY = "category"
    GRADE = "grade"
    LEVEL = "level"


@dataclass(frozen=True)
class Rule:
    """A product or category override: a rate per level (percentage: a fraction of the base;
    fixed: an amount per unit, in `currency`)."""

    kind: str
    values: tuple[Decimal, ...]
    currency: str | None = None

    def value_at(self, level: int, currency: str) -> Decimal | None:
        if self.kind == FIXED and self.currency != currency:
            return None
        if level > len(self.values):
            return None
        return self.values[level - 1]


@dataclass(frozen=True)
class PlanRules:
    version_id: int
    levels: int
    level_rates: tuple[Decimal, ...]
    grade_rates: Mapping[int, tuple[Decimal, ...]] = field(default_factory=dict)
    category_rules: Mapping[str, Rule] = field(default_factory=dict)
    product_rules: Mapping[str, Rule] = field(default_factory=dict)
    base_kind: str = NET
    include_shipping: bool = False
    cap_rate: Decimal | None = None
    self_purchase: bool = False
    activity_days: int | None = None
    upline_rule: str = SKIP
    freeze_days: int = 7


@dataclass(frozen=True)
class Beneficiary:
    level: int
    distributor_id: int
    grade_id: int | None


@dataclass(frozen=True)
class Candidate:
    """The attributed distributor (first) or one of its ancestors (nearest first)."""

    distributor_id: int
    grade_id: int | None
    eligible: bool


def select_chain(candidates: Sequence[Candidate], rules: PlanRules) -> list[Beneficiary]:
    """Who earns at which level. An ineligible upline (not active, inactive under the
    activity rule, or the buyer) either leaves its level unpaid (skip) or is left out so
    that the next eligible ancestor takes its level (pass up)."""
    chain: list[Beneficiary] = []
    if rules.upline_rule == PASS_UP:
        for candidate in candidates:
            if len(chain) == rules.levels:
                break
            if candidate.eligible:
                level = len(chain) + 1
                chain.append(Beneficiary(level, candidate.distributor_id, candidate.grade_id))
        return chain
    for level, candidate in enumerate(candidates[: rules.levels], start=1):
        if candidate.eligible:
            chain.append(Beneficiary(level, candidate.distributor_id, candidate.grade_id))
    return chain


@dataclass(frozen=True)
class LineFacts:
    line_id: str
    product_id: str | None
    category_ids: tuple[str, ...]
    quantity: int
    base: Decimal  # the line's commissionable base before refunds
    paid_share: Decimal  # the part of the line not refunded, in [0, 1]
    is_shipping: bool = False


@dataclass(frozen=True)
class OrderFacts:
    currency: str
    terminal: bool  # cancelled or expired: everything is reversed
    paid: bool
    fulfilled: bool
    fulfilled_at: datetime | None
    lines: tuple[LineFacts, ...]


def is_paid(order: payloads.Order) -> bool:
    return order.charge_status in PAID_CHARGE_STATUSES or order.is_paid


def order_facts(order: payloads.Order, rules: PlanRules) -> OrderFacts:
    """What the plan needs to know about a snapshot."""
    refunded_quantity: dict[str, int] = {}
    shipping_refunded = False
    granted_total = ZERO
    for grant in order.granted_refunds:
        if grant.status not in COUNTED_REFUND_STATUSES:
            continue
        granted_total += grant.amount.amount
        shipping_refunded = shipping_refunded or grant.shipping_costs_included
        for item in grant.lines or ():
            if item.order_line is not None:
                line_id = item.order_line.id
                refunded_quantity[line_id] = refunded_quantity.get(line_id, 0) + item.quantity

    lines = [line for line in order.lines if not line.is_gift and line.quantity > 0]
    line_share: dict[str, Decimal] = {}
    explained = ZERO
    remaining_value = ZERO
    for line in lines:
        refunded = min(refunded_quantity.get(line.id, 0), line.quantity)
        share = Decimal(line.quantity - refunded) / line.quantity
        line_share[line.id] = share
        explained += line.total_price.gross.amount * (ONE - share)
        remaining_value += line.total_price.gross.amount * share
    shipping = order.shipping_price
    shipping_gross = shipping.gross.amount if shipping else ZERO
    shipping_share = ZERO if shipping_refunded else ONE
    explained += shipping_gross * (ONE - shipping_share)
    remaining_value += shipping_gross * shipping_share

    # Refunded money that no granted-refund line explains (a manual refund, an amount-only
    # grant) is spread over what is left of the order.
    refunded_total = max(order.total_refunded.amount, granted_total)
    unexplained = refunded_total - explained
    if unexplained > 0 and remaining_value > 0:
        keep = max(ZERO, ONE - unexplained / remaining_value)
        line_share = {line_id: share * keep for line_id, share in line_share.items()}
        shipping_share *= keep

    facts_lines = []
    for line in lines:
        price = line.total_price.gross if rules.base_kind == GROSS else line.total_price.net
        product = line.variant.product if line.variant else None
        category_ids: tuple[str, ...] = ()
        if product is not None and product.category is not None:
            category_ids = (product.category.id,)
            if product.category.parent is not None:
                category_ids += (product.category.parent.id,)
        facts_lines.append(
            LineFacts(
                line_id=line.id,
                product_id=product.id if product else None,
                category_ids=category_ids,
                quantity=line.quantity,
                base=price.amount,
                paid_share=line_share[line.id],
            )
        )
    if rules.include_shipping and shipping is not None:
        price = shipping.gross if rules.base_kind == GROSS else shipping.net
        if price.amount > 0:
            facts_lines.append(
                LineFacts(
                    line_id=SHIPPING_LINE,
                    product_id=None,
                    category_ids=(),
                    quantity=1,
                    base=price.amount,
                    paid_share=shipping_share,
                    is_shipping=True,
                )
            )

    fulfilled = order.status in FULFILLED_STATUSES
    fulfilled_at = None
    if fulfilled:
        created = [f.created for f in order.fulfillments if f.created and f.status != "CANCELED"]
        fulfilled_at = max(created) if created else order.updated_at
    return OrderFacts(
        currency=order.currency,
        terminal=order.status in TERMINAL_STATUSES,
        paid=is_paid(order),
        fulfilled=fulfilled,
        fulfilled_at=fulfilled_at,
        lines=tuple(facts_lines),
    )


def maturity(facts: OrderFacts, rules: PlanRules) -> datetime | None:
    """When frozen commissions of this order may settle: freeze days after fulfilment."""
    if not facts.fulfilled or facts.fulfilled_at is None:
        return None
    return facts.fulfilled_at + timedelta(days=rules.freeze_days)


@dataclass(frozen=True)
class PickedRate:
    source: str
    kind: str
    rate: Decimal


def pick_rate(
    line: LineFacts, beneficiary: Beneficiary, rules: PlanRules, currency: str
) -> PickedRate:
    level = beneficiary.level
    if not line.is_shipping:
        if line.product_id is not None and line.product_id in rules.product_rules:
            rule = rules.product_rules[line.product_id]
            value = rule.value_at(level, currency)
            if value is not None:
                return PickedRate(RuleSource.PRODUCT, rule.kind, value)
        for category_id in line.category_ids:
            rule = rules.category_rules.get(category_id)  # type: ignore[assignment]
            if rule is not None:
                value = rule.value_at(level, currency)
                if value is not None:
                    return PickedRate(RuleSource.CATEGORY, rule.kind, value)
    grade_rates = rules.grade_rates.get(beneficiary.grade_id) if beneficiary.grade_id else None
    if grade_rates is not None and level <= len(grade_rates):
        return PickedRate(RuleSource.GRADE, PERCENTAGE, grade_rates[level - 1])
    rate = rules.level_rates[level - 1] if level <= len(rules.level_rates) else ZERO
    return PickedRate(RuleSource.LEVEL, PERCENTAGE, rate)


@dataclass(frozen=True)
class TargetCommission:
    line_id: str
    level: int
    beneficiary_id: int
    quantity: int
    base: Decimal
    rate_kind: str
    rate: Decimal
    rule_source: str
    gross_amount: Decimal  # on the whole line, before refunds (after the cap)
    amount: Decimal  # on what is still paid for: what the ledger should hold
    refunded_amount: Decimal

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.line_id, self.level, self.beneficiary_id)


def _raw(line: LineFacts, picked: PickedRate, share: Decimal) -> Decimal:
    if picked.kind == FIXED:
        return picked.rate * line.quantity * share
    return picked.rate * line.base * share


def _cap_factor(cap: Decimal | None, base: Decimal, raw_total: Decimal) -> Decimal:
    if cap is None or raw_total <= 0:
        return ONE
    with localcontext() as ctx:
        ctx.rounding = ROUND_DOWN  # never a factor a hair above the exact one
        return min(ONE, cap * base / raw_total)


def compute_commissions(
    facts: OrderFacts, chain: Sequence[Beneficiary], rules: PlanRules
) -> list[TargetCommission]:
    """The commissions a snapshot implies, per line and per level."""
    picks = []
    for line in facts.lines:
        for beneficiary in chain:
            picked = pick_rate(line, beneficiary, rules, facts.currency)
            picks.append((line, beneficiary, picked))

    base_full = sum((line.base for line in facts.lines), ZERO)
    base_paid = sum((line.base * line.paid_share for line in facts.lines), ZERO)
    raw_full_total = sum((_raw(line, picked, ONE) for line, _, picked in picks), ZERO)
    raw_paid_total = sum((_raw(line, picked, line.paid_share) for line, _, picked in picks), ZERO)
    factor_full = _cap_factor(rules.cap_rate, base_full, raw_full_total)
    factor_paid = min(factor_full, _cap_factor(rules.cap_rate, base_paid, raw_paid_total))

    targets = []
    for line, beneficiary, picked in picks:
        gross = quantize(_raw(line, picked, ONE) * factor_full, facts.currency, ROUND_DOWN)
        amount = quantize(
            _raw(line, picked, line.paid_share) * factor_paid, facts.currency, ROUND_DOWN
        )
        if facts.terminal:
            amount = ZERO
        amount = max(ZERO, min(amount, gross))
        targets.append(
            TargetCommission(
                line_id=line.line_id,
                level=beneficiary.level,
                beneficiary_id=beneficiary.distributor_id,
                quantity=line.quantity,
                base=line.base,
                rate_kind=picked.kind,
                rate=picked.rate,
                rule_source=picked.source,
                gross_amount=gross,
                amount=amount,
                refunded_amount=gross - amount,
            )
        )
    if rules.cap_rate is not None:
        assert sum((t.gross_amount for t in targets), ZERO) <= rules.cap_rate * base_full
        assert sum((t.amount for t in targets), ZERO) <= rules.cap_rate * base_paid
    return targets


@dataclass(frozen=True)
class Position:
    """Where a commission's money sits in the ledger."""

    bucket: str
    amount: Decimal


@dataclass(frozen=True)
class Move:
    """One ledger step from one position to another: a balanced move of `amount` between
    buckets, or (`from_bucket` None) a signed change in `to_bucket`."""

    from_bucket: str | None
    to_bucket: str
    amount: Decimal


def target_bucket(facts: OrderFacts, current_bucket: str | None) -> str:
    """Pending while unpaid, frozen once paid. Available is only ever reached through
    settlement, and once there a commission stays (later changes are clawbacks there)."""
    if current_bucket == "available":
        return "available"
    if facts.terminal and current_bucket is not None:
        return current_bucket
    return "frozen" if facts.paid else "pending"


def moves_between(current: Position, target: Position) -> list[Move]:
    """The ledger steps from `current` to `target`: first carry what is posted to the new
    bucket (a balanced pair), then post the change of amount there."""
    assert current.amount >= 0 and target.amount >= 0, "a commission never holds less than 0"
    moves = []
    if current.bucket != target.bucket and current.amount:
        moves.append(Move(current.bucket, target.bucket, current.amount))
    delta = target.amount - current.amount
    if delta:
        moves.append(Move(None, target.bucket, delta))
    return moves
