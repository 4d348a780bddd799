"""Scenarios driven by the deliveries captured from a real Saleor (adapted where a scenario
needs other amounts). Every expected amount is worked out by hand in a comment."""

from datetime import timedelta
from decimal import Decimal

import pytest

from saleor_distribution.commissions import actions as commission_actions
from saleor_distribution.commissions.models import AttributionSource, Commission
from saleor_distribution.core.money import Money
from saleor_distribution.ledger import actions as ledger
from saleor_distribution.ledger.models import Account, EntryCode, LedgerEntry
from saleor_distribution.network.models import BindingSource, CustomerBinding
from tests.fixtures.engine import (
    CHEN_ID,
    HOODIE_LINE,
    ORDER_23_DELIVERIES,
    PLIMSOLLS_LINE,
    TEE_LINE,
    TEE_PRODUCT,
    TSHIRTS_CATEGORY,
    adapted,
    balances,
    commissions_of,
    fulfilled,
    money,
    order_line,
    parse_time,
    payload_of,
    record_of,
    set_ref,
    taxed,
)
from tests.fixtures.saleor_deliveries import load_delivery

ORDER_23 = "T3JkZXI6NDAxMTA1ZmMtNjE4OC00MTY0LWFiOTUtYjI1ZjEwNmQ4YzY0"
D = Decimal


def order_id(name: str) -> str:
    return payload_of(name)["order"]["id"]


@pytest.fixture
def ref42_chain(make_seller):
    """UP01 ← REF42: the promoter of the captured story and its parent."""
    up1 = make_seller("UP01")
    ref42 = make_seller("REF42", parent=up1)
    return ref42, up1


def test_order_23_captured_deliveries_over_http_accrue_freeze_refund_and_settle(
    captured_installation, make_seller, post_delivery
):
    # Given UP01 ← REF42 in the installation the real Saleor signed for, and the default
    # plan (2 levels: 10 %, 5 %; cap 30 %; net base; 7 freeze days)
    up1 = make_seller("UP01", inst=captured_installation)
    ref42 = make_seller("REF42", parent=up1, inst=captured_installation)

    # When every captured delivery of order #23 arrives, signed by the real Saleor
    responses = [post_delivery(load_delivery(name)) for name in ORDER_23_DELIVERIES]

    # Then: lines Tee 2 x 18.00 = 36.00 and Plimsolls 75.00 (net; tax 0, shipping 0).
    # Level 1 REF42: 10 % x 36.00 = 3.60, 10 % x 75.00 = 7.50.
    # Level 2 UP01:    5 % x 36.00 = 1.80,  5 % x 75.00 = 3.75.
    # One Tee of two was refunded (granted refund line, SUCCESS): the Tee base is 18.00,
    # Tee commissions halve: L1 1.80, L2 0.90. Paid, so everything is frozen.
    assert [r.status_code for r in responses] == [200] * len(ORDER_23_DELIVERIES)
    assert commissions_of(ORDER_23) == sorted(
        [
            (TEE_LINE, 1, "REF42", D("1.80"), "frozen"),
            (PLIMSOLLS_LINE, 1, "REF42", D("7.50"), "frozen"),
            (TEE_LINE, 2, "UP01", D("0.90"), "frozen"),
            (PLIMSOLLS_LINE, 2, "UP01", D("3.75"), "frozen"),
        ]
    )
    assert balances(ref42) == {"frozen": D("9.30")}  # 1.80 + 7.50
    assert balances(up1) == {"frozen": D("4.65")}  # 0.90 + 3.75
    record = record_of(ORDER_23)
    assert record.attribution_source == AttributionSource.REF
    assert record.attribution_reason.startswith("distribution.ref=REF42 in the order's metadata")
    assert record.status == "FULFILLED"
    # Fulfilled at 15:16:35.026128 (the fulfilment's `created`), plus 7 freeze days.
    assert record.matures_at == parse_time("2026-12-03T15:16:35.026128+00:00")

    # When settlement runs a second before maturity, nothing moves; a second after, all.
    assert (
        commission_actions.settle_matured_commissions(now=record.matures_at - timedelta(seconds=1))
        == 0
    )
    assert (
        commission_actions.settle_matured_commissions(now=record.matures_at + timedelta(seconds=1))
        == 4
    )
    assert balances(ref42) == {"available": D("9.30")}
    assert balances(up1) == {"available": D("4.65")}
    # Settling again changes nothing.
    assert (
        commission_actions.settle_matured_commissions(now=record.matures_at + timedelta(days=9))
        == 0
    )
    assert balances(ref42) == {"available": D("9.30")}


def test_three_level_chain_with_grade_and_product_overrides(
    installation, make_seller, make_grade, make_plan, deliver
):
    # Given ROOT (gold) ← MID1 ← REF42, and a 3-level plan: 10 %, 5 %, 2 %; gold earns
    # 3.3 % at level 3; the Monospace Tee pays 20 % at level 1 (other levels fall through)
    gold = make_grade("gold")
    root = make_seller("ROOT", grade=gold)
    mid = make_seller("MID1", parent=root)
    ref42 = make_seller("REF42", parent=mid)
    plan = make_plan(
        levels=3,
        level_rates=["0.10", "0.05", "0.02"],
        grade_rates={gold.pk: ["0.10", "0.05", "0.033"]},
        product_rules={TEE_PRODUCT: {"kind": "percentage", "values": ["0.20"]}},
        cap_rate="0.50",
    )

    # When order #23 is placed and paid
    deliver("order_created")

    # Then (bases: Tee 36.00, Plimsolls 75.00):
    # L1 REF42: Tee product rule 20 % x 36.00 = 7.20; Plimsolls level 10 % x 75.00 = 7.50
    # L2 MID1:   Tee falls through to level 5 % x 36.00 = 1.80; Plimsolls 5 % x 75 = 3.75
    # L3 ROOT (gold): 3.3 % x 36.00 = 1.188 -> 1.18 (down); 3.3 % x 75.00 = 2.475 -> 2.47
    # Sum 23.90 <= cap 50 % x 111.00 = 55.50, so the cap does not bind.
    assert commissions_of(ORDER_23) == sorted(
        [
            (TEE_LINE, 1, "REF42", D("7.20"), "frozen"),
            (PLIMSOLLS_LINE, 1, "REF42", D("7.50"), "frozen"),
            (TEE_LINE, 2, "MID1", D("1.80"), "frozen"),
            (PLIMSOLLS_LINE, 2, "MID1", D("3.75"), "frozen"),
            (TEE_LINE, 3, "ROOT", D("1.18"), "frozen"),
            (PLIMSOLLS_LINE, 3, "ROOT", D("2.47"), "frozen"),
        ]
    )
    sources = dict(Commission.objects.filter(line_id=TEE_LINE).values_list("level", "rule_source"))
    assert sources == {1: "product", 2: "level", 3: "grade"}
    assert set(Commission.objects.values_list("plan_version", flat=True)) == {plan.pk}
    assert balances(ref42) == {"frozen": D("14.70")}  # 7.20 + 7.50
    assert balances(mid) == {"frozen": D("5.55")}  # 1.80 + 3.75
    assert balances(root) == {"frozen": D("3.65")}  # 1.18 + 2.47


def test_cap_scales_every_commission_down_and_never_rounds_above_it(
    installation, make_seller, make_plan, deliver
):
    # Given UP01 ← REF42 and a plan paying 30 % + 20 % capped at 40 % of the base
    ref42 = make_seller("REF42", parent=make_seller("UP01"))
    make_plan(levels=2, level_rates=["0.30", "0.20"], cap_rate="0.40")

    # When order #23 (base 36.00 + 75.00 = 111.00) is placed
    deliver("order_created")

    # Then the uncapped sum 50 % x 111.00 = 55.50 exceeds 40 % x 111.00 = 44.40, so every
    # commission is scaled by 44.40 / 55.50 = 0.8:
    # L1 Tee 10.80 x 0.8 = 8.64, Plimsolls 22.50 x 0.8 = 18.00
    # L2 Tee  7.20 x 0.8 = 5.76, Plimsolls 15.00 x 0.8 = 12.00; sum 44.40 = the cap.
    assert commissions_of(ORDER_23) == sorted(
        [
            (TEE_LINE, 1, "REF42", D("8.64"), "frozen"),
            (PLIMSOLLS_LINE, 1, "REF42", D("18.00"), "frozen"),
            (TEE_LINE, 2, "UP01", D("5.76"), "frozen"),
            (PLIMSOLLS_LINE, 2, "UP01", D("12.00"), "frozen"),
        ]
    )
    assert balances(ref42) == {"frozen": D("26.64")}


def test_shipping_and_tax_are_excluded_from_the_base_by_default(installation, make_seller, deliver):
    # Given UP01 ← REF42, the default plan, and order #23 adapted: one line net 100.00,
    # gross 113.00 (13 % VAT), shipping net 10.00 gross 11.30
    ref42 = make_seller("REF42", parent=make_seller("UP01"))
    line = order_line(
        TEE_LINE,
        product_id=TEE_PRODUCT,
        category_id=TSHIRTS_CATEGORY,
        quantity=1,
        unit_net="100.00",
        unit_gross="113.00",
    )
    payload = adapted(
        "order_created",
        lines=[line],
        shippingPrice=taxed("10.00", "11.30"),
        subtotal=taxed("100.00", "113.00"),
        total=taxed("110.00", "124.30"),
        totalCharged=money("124.30"),
    )

    deliver("ORDER_CREATED", payload)

    # Then the base is the net line total 100.00: L1 10 % = 10.00, L2 5 % = 5.00
    assert commissions_of(ORDER_23) == [
        (TEE_LINE, 1, "REF42", D("10.00"), "frozen"),
        (TEE_LINE, 2, "UP01", D("5.00"), "frozen"),
    ]
    assert balances(ref42) == {"frozen": D("10.00")}


def test_a_gross_base_with_shipping_included_when_the_plan_says_so(
    installation, make_seller, make_plan, deliver
):
    make_seller("REF42", parent=make_seller("UP01"))
    make_plan(levels=2, level_rates=["0.10", "0.05"], base_kind="gross", include_shipping=True)
    line = order_line(
        TEE_LINE,
        product_id=TEE_PRODUCT,
        category_id=TSHIRTS_CATEGORY,
        quantity=1,
        unit_net="100.00",
        unit_gross="113.00",
    )
    payload = adapted("order_created", lines=[line], shippingPrice=taxed("10.00", "11.30"))

    deliver("ORDER_CREATED", payload)

    # Line gross 113.00: L1 11.30, L2 5.65. Shipping gross 11.30: L1 1.13, L2 0.565 -> 0.56
    assert commissions_of(ORDER_23) == sorted(
        [
            (TEE_LINE, 1, "REF42", D("11.30"), "frozen"),
            (TEE_LINE, 2, "UP01", D("5.65"), "frozen"),
            ("shipping", 1, "REF42", D("1.13"), "frozen"),
            ("shipping", 2, "UP01", D("0.56"), "frozen"),
        ]
    )


def test_voucher_coded_order_is_attributed_to_the_voucher_owner(installation, make_seller, deliver):
    # Given VOUCHY (under UP01) owns voucher CHEN-VIP, and order #23 adapted: no ref, the
    # voucher took 10 % off every line (already inside line prices) and is repeated as an
    # order-level discount of 11.10, which must not be subtracted again (§10.3)
    up1 = make_seller("UP01")
    vouchy = make_seller("VOUCHY", parent=up1)
    commission_actions.assign_voucher(installation, code="chen-vip", distributor=vouchy)
    payload = set_ref(
        adapted(
            "order_created",
            voucherCode="CHEN-VIP",
            voucher={"id": "Vm91Y2hlcjox", "code": "CHEN-VIP"},
            discounts=[
                {
                    "id": "ZDox",
                    "type": "VOUCHER",
                    "valueType": "PERCENTAGE",
                    "value": Decimal("10"),
                    "total": money("11.10"),
                }
            ],
            lines=[
                order_line(
                    TEE_LINE,
                    product_id=TEE_PRODUCT,
                    category_id=TSHIRTS_CATEGORY,
                    quantity=2,
                    unit_net="16.20",
                ),
                order_line(
                    PLIMSOLLS_LINE,
                    product_id="UHJvZHVjdDoxMjg=",
                    category_id="Q2F0ZWdvcnk6Mjg=",
                    quantity=1,
                    unit_net="67.50",
                ),
            ],
        ),
        None,
    )

    deliver("ORDER_CREATED", payload)

    # Then bases are Tee 32.40 and Plimsolls 67.50 (99.90 in all):
    # L1 VOUCHY: 3.24 + 6.75 = 9.99;  L2 UP01: 1.62 + 3.375 -> 3.37, so 4.99
    record = record_of(ORDER_23)
    assert record.attribution_source == AttributionSource.VOUCHER
    assert record.attributed_distributor == vouchy
    assert "voucher CHEN-VIP" in record.attribution_reason
    assert balances(vouchy) == {"frozen": D("9.99")}
    assert balances(up1) == {"frozen": D("4.99")}


def test_full_refund_after_payout_claws_back_below_zero_then_nets_with_a_new_order(
    installation, ref42_chain, deliver
):
    ref42, up1 = ref42_chain
    order_25 = order_id("order_created__order3_guest")
    # Given order #25 (guest; Tee 45.00 + 3 juices 5.97; ref REF42) paid and fulfilled
    deliver("order_created__order3_guest")
    deliver(
        "ORDER_FULFILLED",
        fulfilled(
            payload_of("order_created__order3_guest"),
            at="2026-11-26T15:17:50+00:00",
            updated_at="2026-11-26T15:17:50.5+00:00",
        ),
    )
    # L1 REF42: 4.50 + 0.597 -> 0.59 = 5.09;  L2 UP01: 2.25 + 0.2985 -> 0.29 = 2.54
    assert balances(ref42) == {"frozen": D("5.09")}
    # ... settled after the 7 freeze days, and REF42 withdraws everything
    assert (
        commission_actions.settle_matured_commissions(now=parse_time("2026-12-03T15:17:51+00:00"))
        == 4
    )
    account = Account.objects.get(distributor=ref42)
    ledger.hold_withdrawal(
        account, Money(D("5.09"), "USD"), withdrawal_id="1", idempotency_key="withdrawal:1:hold"
    )
    ledger.post_withdrawal_settlements(account.installation_id, ledger.withdrawal_settlement(
        ref42.pk, Money(D("5.09"), "USD"), EntryCode.WITHDRAWAL_PAID, withdrawal_id="1",
        idempotency_key="withdrawal:1:paid",
    ))
    assert balances(ref42) == {"paid": D("5.09")}

    # When the whole order is refunded (the captured full refund, still fulfilled)
    refund = payload_of("order_fully_refunded")
    refund["order"]["status"] = "FULFILLED"
    deliver("ORDER_FULLY_REFUNDED", refund)

    # Then both commissions are clawed back from available, which goes below zero for
    # REF42 (it was paid out) and to zero for UP01; nothing is capped.
    assert balances(ref42) == {"available": D("-5.09"), "paid": D("5.09")}
    assert balances(up1) == {}
    clawbacks = LedgerEntry.objects.filter(code=EntryCode.CLAWBACK, account=account)
    assert sorted(e.amount for e in clawbacks) == [D("-4.50"), D("-0.59")]
    assert {c[4] for c in commissions_of(order_25)} == {"reversed"}

    # When a new order by REF42 (order #23 under another id: L1 3.60 + 7.50 = 11.10) is
    # paid, fulfilled and settled
    new_order = adapted("order_created", id="T3JkZXI6bmV3LW9yZGVy")
    deliver("ORDER_CREATED", new_order)
    deliver(
        "ORDER_FULFILLED",
        fulfilled(
            adapted("order_created", id="T3JkZXI6bmV3LW9yZGVy"),
            at="2026-12-10T10:00:00+00:00",
            updated_at="2026-12-10T10:00:01+00:00",
        ),
    )
    commission_actions.settle_matured_commissions(now=parse_time("2026-12-17T10:00:01+00:00"))

    # Then the debt is netted: -5.09 + 11.10 = 6.01
    assert balances(ref42) == {"available": D("6.01"), "paid": D("5.09")}


def test_cancelled_order_reverses_its_pending_commissions(installation, ref42_chain, deliver):
    ref42, up1 = ref42_chain
    order_24 = order_id("order_created__order2_authorized")
    # Given order #24 (Blue Hoodie 35.00, authorized, not charged): pending
    deliver("order_created__order2_authorized")
    deliver("order_confirmed__order2")
    # L1 10 % x 35.00 = 3.50, L2 5 % x 35.00 = 1.75
    assert balances(ref42) == {"pending": D("3.50")}
    assert balances(up1) == {"pending": D("1.75")}

    # When staff cancels it
    deliver("order_cancelled")
    deliver("order_updated__order2_cancel")

    # Then both are reversed, with entries that say so
    assert commissions_of(order_24) == sorted(
        [
            (HOODIE_LINE, 1, "REF42", D("0"), "reversed"),
            (HOODIE_LINE, 2, "UP01", D("0"), "reversed"),
        ]
    )
    assert balances(ref42) == {}
    assert balances(up1) == {}
    codes = list(
        LedgerEntry.objects.filter(account__distributor=ref42)
        .order_by("pk")
        .values_list("code", "bucket", "amount")
    )
    assert codes == [
        (EntryCode.COMMISSION_ACCRUED, "pending", D("3.50")),
        (EntryCode.COMMISSION_REVERSED, "pending", D("-3.50")),
    ]


def test_an_order_edited_after_placement_is_recomputed(installation, ref42_chain, deliver):
    ref42, up1 = ref42_chain
    order_24 = order_id("order_created__order2_authorized")
    # Given order #24 pending: Hoodie 1 x 35.00 (L1 3.50, L2 1.75)
    deliver("order_created__order2_authorized")

    # When staff edits it: the Hoodie goes to 2 and a Tee line 1 x 18.00 is added
    edited = adapted(
        "order_created__order2_authorized",
        updatedAt="2026-11-26T15:17:20+00:00",
        lines=[
            order_line(
                HOODIE_LINE,
                product_id="UHJvZHVjdDoxMzI=",
                category_id="Q2F0ZWdvcnk6Mjk=",
                quantity=2,
                unit_net="35.00",
            ),
            order_line(
                "TmV3TGluZQ==",
                product_id=TEE_PRODUCT,
                category_id=TSHIRTS_CATEGORY,
                quantity=1,
                unit_net="18.00",
            ),
        ],
    )
    deliver("ORDER_UPDATED", edited)

    # Then: Hoodie 70.00: L1 7.00, L2 3.50; Tee 18.00: L1 1.80, L2 0.90
    assert commissions_of(order_24) == sorted(
        [
            (HOODIE_LINE, 1, "REF42", D("7.00"), "pending"),
            (HOODIE_LINE, 2, "UP01", D("3.50"), "pending"),
            ("TmV3TGluZQ==", 1, "REF42", D("1.80"), "pending"),
            ("TmV3TGluZQ==", 2, "UP01", D("0.90"), "pending"),
        ]
    )
    assert balances(ref42) == {"pending": D("8.80")}  # 7.00 + 1.80
    assert balances(up1) == {"pending": D("4.40")}  # 3.50 + 0.90

    # When it is edited again to drop the Hoodie, the Hoodie's commissions are reversed
    dropped = adapted(
        "order_created__order2_authorized",
        updatedAt="2026-11-26T15:17:21+00:00",
        lines=[edited["order"]["lines"][1]],
    )
    deliver("ORDER_UPDATED", dropped)
    assert balances(ref42) == {"pending": D("1.80")}
    assert balances(up1) == {"pending": D("0.90")}


def test_the_same_delivery_twice_changes_nothing_the_second_time(
    installation, ref42_chain, deliver
):
    ref42, _ = ref42_chain
    deliver("order_fully_paid")
    entries = list(LedgerEntry.objects.order_by("pk").values_list("pk", "amount"))

    # The same body again is deduplicated by the inbox; the same snapshot under another
    # event (ORDER_PAID carries the same updatedAt) is not newer and changes nothing.
    deliver("order_fully_paid")
    outcome = deliver("order_paid")
    outcome_again = deliver("ORDER_FULLY_PAID", payload_of("order_fully_paid") | {})

    assert outcome is not None and outcome.startswith("ignored")
    assert outcome_again is None  # already processed
    assert list(LedgerEntry.objects.order_by("pk").values_list("pk", "amount")) == entries
    assert balances(ref42) == {"frozen": D("11.10")}  # 3.60 + 7.50


def test_deliveries_in_reverse_order_end_in_the_same_state(installation, ref42_chain, deliver):
    ref42, up1 = ref42_chain

    outcomes = [deliver(name) for name in reversed(ORDER_23_DELIVERIES)]

    # The newest snapshot (refund success, 15:16:49.372582) comes first; every other is
    # older and ignored. Same state as in order: see the first test.
    assert [o.split()[0].rstrip(":") for o in outcomes] == ["reconciled"] + ["ignored"] * (
        len(ORDER_23_DELIVERIES) - 1
    )
    assert balances(ref42) == {"frozen": D("9.30")}
    assert balances(up1) == {"frozen": D("4.65")}


def test_an_expired_snapshot_with_the_same_updated_at_wins_and_is_never_undone(
    installation, ref42_chain, deliver
):
    ref42, _ = ref42_chain
    created = payload_of("order_created__order2_authorized")
    expired = adapted(
        "order_created__order2_authorized", status="EXPIRED", issuedAt="2026-11-26T16:17:18+00:00"
    )

    deliver("ORDER_EXPIRED", expired)
    # The creation delivery arrives late: same updatedAt, earlier issuedAt
    outcome = deliver("ORDER_CREATED", created)

    assert outcome.startswith("ignored")
    assert balances(ref42) == {}
    assert record_of(created["order"]["id"]).status == "EXPIRED"


def test_a_ref_set_by_staff_after_placement_attributes_the_order(
    installation, make_seller, deliver
):
    # Given order #23 without any ref, placed by a customer with no binding
    ref42 = make_seller("REF42")
    deliver("ORDER_CREATED", set_ref(payload_of("order_created"), None))
    assert record_of(ORDER_23).attribution_source == AttributionSource.NONE
    assert balances(ref42) == {}

    # When staff sets distribution.ref (ORDER_METADATA_UPDATED, newer snapshot)
    late = set_ref(payload_of("order_metadata_updated"), "ref42")
    deliver("ORDER_METADATA_UPDATED", late)

    # Then the order is attributed to REF42: 3.60 + 7.50 = 11.10
    assert record_of(ORDER_23).attribution_source == AttributionSource.REF
    assert balances(ref42) == {"frozen": D("11.10")}


def test_a_new_ref_after_settlement_does_not_move_the_money(installation, make_seller, deliver):
    ref42 = make_seller("REF42")
    other = make_seller("OTHER")
    deliver("order_created")
    deliver("order_fulfilled")
    commission_actions.settle_matured_commissions(now=parse_time("2026-12-04T00:00:00+00:00"))
    assert balances(ref42) == {"available": D("11.10")}

    late = set_ref(payload_of("order_refunded"), "OTHER")
    deliver("ORDER_METADATA_UPDATED", late)

    # The partial refund still claws back (Tee half: 1.80) but REF42 keeps the order.
    assert record_of(ORDER_23).attributed_distributor == ref42
    assert balances(ref42) == {"available": D("9.30")}
    assert balances(other) == {}


def test_binding_attributes_an_order_without_ref_or_voucher(installation, make_seller, deliver):
    bound = make_seller("BOUND")
    CustomerBinding.objects.create(
        installation=installation,
        customer_saleor_id=CHEN_ID,
        distributor=bound,
        source=BindingSource.INVITE,
        bound_at=parse_time("2026-11-01T00:00:00+00:00"),
    )
    # An unknown ref is refused (customer-controlled), so the binding wins.
    deliver("ORDER_CREATED", set_ref(payload_of("order_created"), "NOSUCH"))

    record = record_of(ORDER_23)
    assert record.attribution_source == AttributionSource.BINDING
    assert record.attributed_distributor == bound
    assert "ref refused: no distributor has the code 'NOSUCH'" in record.attribution_reason
    assert balances(bound) == {"frozen": D("11.10")}


def test_a_delivery_whose_order_is_gone_is_ignored(installation, ref42_chain, deliver):
    payload = payload_of("order_updated__checkout_complete")
    payload["order"] = None

    outcome = deliver("ORDER_UPDATED", payload)

    assert outcome == "ignored: the order no longer exists"
    assert not Commission.objects.exists()
    assert not LedgerEntry.objects.exists()
