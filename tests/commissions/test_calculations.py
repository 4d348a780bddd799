"""The pure commission arithmetic, without a database."""

from decimal import Decimal

from saleor_distribution.commissions import calculations
from saleor_distribution.commissions.calculations import (
    Beneficiary,
    Candidate,
    LineFacts,
    Move,
    OrderFacts,
    PlanRules,
    Position,
)
from saleor_distribution.saleor import payloads
from tests.fixtures.engine import adapted, dump, money, payload_of

D = Decimal


def rules(**fields):
    return PlanRules(
        **({"version_id": 1, "levels": 2, "level_rates": (D("0.1"), D("0.05"))} | fields)
    )


def facts(*lines, currency="USD", terminal=False):
    return OrderFacts(
        currency=currency,
        terminal=terminal,
        paid=True,
        fulfilled=False,
        fulfilled_at=None,
        lines=tuple(lines),
    )


def line(line_id="a", base="100", share="1", quantity=1, product=None):
    return LineFacts(
        line_id=line_id,
        product_id=product,
        category_ids=(),
        quantity=quantity,
        base=D(base),
        paid_share=D(share),
    )


CHAIN = [Beneficiary(1, 11, None), Beneficiary(2, 12, None)]


def test_yen_commissions_round_down_to_whole_yen():
    # 10 % of 1,999 JPY = 199.9 -> 199; 5 % = 99.95 -> 99
    targets = calculations.compute_commissions(
        facts(line(base="1999"), currency="JPY"), CHAIN, rules()
    )
    assert [(t.level, t.amount) for t in targets] == [(1, D("199")), (2, D("99"))]


def test_a_refund_never_raises_a_commission_even_when_the_cap_binds():
    # Lines a (base 100, rate 10 %/5 % -> 15 raw) and b (base 100, product rule 30 % at L1
    # -> 30 + 5 = 35 raw). Cap 20 % of 200 = 40; raw 50, factor 0.8.
    plan = rules(
        cap_rate=D("0.2"), product_rules={"p": calculations.Rule("percentage", (D("0.3"),))}
    )
    before = calculations.compute_commissions(facts(line("a"), line("b", product="p")), CHAIN, plan)
    # Line b fully refunded: raw 15 on base 100, cap 20; factor would be 1 but stays 0.8.
    after = calculations.compute_commissions(
        facts(line("a"), line("b", product="p", share="0")), CHAIN, plan
    )
    assert [(t.line_id, t.level, t.amount) for t in before] == [
        ("a", 1, D("8.00")),
        ("a", 2, D("4.00")),
        ("b", 1, D("24.00")),
        ("b", 2, D("4.00")),
    ]
    assert [(t.line_id, t.level, t.amount, t.refunded_amount) for t in after] == [
        ("a", 1, D("8.00"), D("0")),
        ("a", 2, D("4.00"), D("0")),
        ("b", 1, D("0.00"), D("24.00")),
        ("b", 2, D("0.00"), D("4.00")),
    ]


def test_a_cancelled_order_targets_nothing_but_keeps_what_it_would_have_paid():
    targets = calculations.compute_commissions(facts(line(), terminal=True), CHAIN, rules())
    assert [(t.gross_amount, t.amount) for t in targets] == [
        (D("10.00"), D("0")),
        (D("5.00"), D("0")),
    ]


def test_skip_and_pass_up_chains():
    candidates = [
        Candidate(1, None, True),
        Candidate(2, None, False),
        Candidate(3, 7, True),
        Candidate(4, None, True),
    ]
    skip = calculations.select_chain(candidates, rules(levels=3, upline_rule="skip"))
    pass_up = calculations.select_chain(candidates, rules(levels=3, upline_rule="pass_up"))
    assert skip == [Beneficiary(1, 1, None), Beneficiary(3, 3, 7)]
    assert pass_up == [Beneficiary(1, 1, None), Beneficiary(2, 3, 7), Beneficiary(3, 4, None)]


def test_moves_carry_the_posted_amount_then_post_the_change():
    assert calculations.moves_between(Position("pending", D("5")), Position("frozen", D("3"))) == [
        Move("pending", "frozen", D("5")),
        Move(None, "frozen", D("-2")),
    ]
    assert calculations.moves_between(Position("frozen", D("5")), Position("frozen", D("5"))) == []
    assert calculations.moves_between(Position("pending", D("0")), Position("frozen", D("4"))) == [
        Move(None, "frozen", D("4"))
    ]


def test_money_refunded_beyond_the_granted_lines_is_spread_over_what_is_left():
    # Order #23 (Tee 36.00, Plimsolls 75.00, shipping 0) with 11.10 refunded and no granted
    # refund lines: 10 % of the 111.00 paid is gone, so every line keeps 90 %.
    payload = adapted("order_created", totalRefunded=money("11.10"))
    order = payloads.parse_event(payloads.OrderEvent, dump(payload)).order
    result = calculations.order_facts(order, rules())
    assert [(f.base, f.paid_share) for f in result.lines] == [
        (D("36.0"), D("0.9")),
        (D("75.0"), D("0.9")),
    ]


def test_a_pending_granted_refund_does_not_count_until_it_succeeds():
    requested = payloads.parse_event(
        payloads.OrderEvent, dump(payload_of("order_updated__refund_requested"))
    ).order
    refunded = payloads.parse_event(payloads.OrderEvent, dump(payload_of("order_refunded"))).order
    assert [f.paid_share for f in calculations.order_facts(requested, rules()).lines] == [1, 1]
    assert [f.paid_share for f in calculations.order_facts(refunded, rules()).lines] == [
        D("0.5"),
        1,
    ]
