"""The explanation of a commission: which rule gave its rate, and what changed its amount."""

from decimal import Decimal

from saleor_distribution.commissions.fetch import explain_commission, order_base
from saleor_distribution.commissions.models import Commission

D = Decimal


def commission(**fields):
    values = {
        "line_id": "T3JkZXJMaW5lOjE=",
        "level": 1,
        "currency": "CNY",
        "quantity": 2,
        "base": D("200.000"),
        "rate_kind": "percentage",
        "rate": D("0.100000"),
        "rule_source": "level",
        "gross_amount": D("20.000"),
        "refunded_amount": D("0"),
        "amount": D("20.000"),
        "state": "frozen",
    }
    values.update(fields)
    return Commission(**values)


def test_a_level_rate_is_explained_with_its_rate_and_base():
    assert explain_commission(commission(), 3) == (
        "Level 1 on the line: the plan's level rate in plan v3, 10 % of 200.00 CNY."
    )


def test_a_fixed_product_override_scaled_by_the_cap_and_partly_refunded():
    # 5.00 CNY per unit x 2 = 10.00, scaled by the cap to 8.00; one unit refunded: 4.00 back.
    row = commission(
        level=2,
        rule_source="product",
        rate_kind="fixed",
        rate=D("5.000000"),
        gross_amount=D("8.000"),
        refunded_amount=D("4.000"),
        amount=D("4.000"),
    )

    assert explain_commission(row, 1) == (
        "Level 2 on the line: the product's override in plan v1, 5 CNY per unit x 2. "
        "Scaled down so the order's commissions stay within the plan's cap. "
        "4.00 CNY taken back for refunded items."
    )


def test_a_reversed_shipping_commission_says_so():
    row = commission(
        line_id="shipping",
        rule_source="grade",
        rate=D("0.033"),
        base=D("10.000"),
        gross_amount=D("0.330"),
        refunded_amount=D("0.330"),
        amount=D("0"),
        state="reversed",
    )

    assert explain_commission(row, 2) == (
        "Level 1 on shipping: the beneficiary's grade rate in plan v2, 3.3 % of 10.00 CNY. "
        "Reversed: the order was cancelled, expired or fully refunded."
    )


def test_the_order_base_counts_each_line_once_whatever_the_levels():
    rows = [
        commission(line_id="a", level=1, base=D("36.000")),
        commission(line_id="a", level=2, base=D("36.000")),
        commission(line_id="b", level=1, base=D("75.000")),
    ]

    assert order_base(rows) == D("111.000")
    assert order_base([]) is None
