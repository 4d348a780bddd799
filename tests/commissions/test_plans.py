"""Versioned commission plans, and the upline rules they carry."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from saleor_distribution.commissions import actions as commission_actions
from saleor_distribution.commissions.models import (
    Commission,
    CommissionProgramme,
    ImmutableError,
    PlanVersion,
)
from saleor_distribution.core.models import AuditEvent
from saleor_distribution.network.models import DistributorStatus
from tests.fixtures.engine import (
    CHEN_ID,
    adapted,
    balances,
    payload_of,
    record_of,
    set_ref,
)

D = Decimal
ORDER_23 = "T3JkZXI6NDAxMTA1ZmMtNjE4OC00MTY0LWFiOTUtYjI1ZjEwNmQ4YzY0"


def test_the_default_plan_is_created_and_activated_on_first_use(installation):
    version = commission_actions.active_plan_version(installation)

    assert (version.number, version.levels, version.level_rates) == (1, 2, ["0.10", "0.05"])
    assert (version.cap_rate, version.freeze_days, version.base_kind) == (D("0.3"), 7, "net")
    assert commission_actions.active_plan_version(installation) == version
    assert PlanVersion.objects.count() == 1


def test_a_plan_version_is_immutable(installation):
    version = commission_actions.active_plan_version(installation)
    version.level_rates = ["0.50", "0.50"]

    with pytest.raises(ImmutableError):
        version.save()
    with pytest.raises(ImmutableError):
        version.delete()
    version.refresh_from_db()
    assert version.level_rates == ["0.10", "0.05"]


def test_more_than_three_levels_is_allowed_with_a_warning(installation):
    result = commission_actions.create_plan_version(
        installation, levels=5, level_rates=["0.05"] * 5
    )

    assert result.version.levels == 5
    assert len(result.warnings) == 1
    assert "5 paid levels" in result.warnings[0]
    assert not CommissionProgramme.objects.filter(installation=installation).exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"levels": 2, "level_rates": ["0.10"]}, "level_rates"),
        ({"levels": 1, "level_rates": ["1.5"]}, "level_rates"),
        ({"levels": 1, "level_rates": ["-0.1"]}, "level_rates"),
        ({"levels": 0, "level_rates": []}, "levels"),
        ({"levels": 1, "level_rates": ["0.1"], "cap_rate": "2"}, "cap_rate"),
        ({"levels": 1, "level_rates": ["0.1"], "grade_rates": {999999: ["0.1"]}}, "grade_rates"),
        (
            {
                "levels": 1,
                "level_rates": ["0.1"],
                "product_rules": {"P": {"kind": "fixed", "values": ["1.00"]}},
            },
            "product_rules",
        ),
        (
            {
                "levels": 1,
                "level_rates": ["0.1"],
                "product_rules": {"P": {"kind": "fixed", "values": ["1.5"], "currency": "JPY"}},
            },
            "product_rules",
        ),
    ],
)
def test_invalid_plans_are_refused_and_nothing_is_created(installation, fields, field):
    with pytest.raises(ValidationError) as raised:
        commission_actions.create_plan_version(installation, **fields)

    assert list(raised.value.error_dict) == [field]
    assert PlanVersion.objects.count() == 0


def test_editing_the_plan_never_rewrites_an_order_computed_before(
    installation, make_seller, make_plan, deliver
):
    # Given order #23 computed with v1 (10 %: L1 3.60 + 7.50 = 11.10)
    ref42 = make_seller("REF42")
    v1 = make_plan(levels=1, level_rates=["0.10"])
    deliver("order_created")

    # When staff activates v2 (20 %) and the order is refunded in part later
    v2 = make_plan(levels=1, level_rates=["0.20"])
    deliver("order_refunded")

    # Then the order keeps v1: Tee half 1.80 + Plimsolls 7.50 = 9.30
    assert record_of(ORDER_23).plan_version == v1
    assert set(Commission.objects.values_list("plan_version", flat=True)) == {v1.pk}
    assert balances(ref42) == {"frozen": D("9.30")}
    # A new order uses v2: 20 % x (36.00 + 75.00) = 22.20
    deliver("ORDER_CREATED", adapted("order_created", id="T3JkZXI6djI="))
    assert record_of("T3JkZXI6djI=").plan_version == v2
    assert balances(ref42) == {"frozen": D("31.50")}  # 9.30 + 22.20


def test_a_fixed_category_rule_pays_per_unit(installation, make_seller, make_plan, deliver):
    ref42 = make_seller("REF42")
    make_plan(
        levels=1,
        level_rates=["0.10"],
        category_rules={
            "Q2F0ZWdvcnk6Mzk=": {"kind": "fixed", "values": ["2.50"], "currency": "USD"}
        },
    )
    deliver("order_created")
    # Tee (T-shirts) 2 units x 2.50 = 5.00; Plimsolls 10 % x 75.00 = 7.50
    assert balances(ref42) == {"frozen": D("12.50")}


@pytest.fixture
def chain(make_seller):
    """TOP1 ← SLEEPY ← REF42: SLEEPY never sold anything."""
    top = make_seller("TOP1")
    sleepy = make_seller("SLEEPY", parent=top)
    ref42 = make_seller("REF42", parent=sleepy)
    return top, sleepy, ref42


def _top_sold_recently(deliver):
    # TOP1's own sale two days before order #23 makes TOP1 active.
    earlier = set_ref(
        adapted(
            "order_created",
            id="T3JkZXI6ZWFybGllcg==",
            created="2026-11-24T10:00:00+00:00",
            user={"id": "VXNlcjpvdGhlcg==", "email": "x@example.com"},
            userEmail="x@example.com",
        ),
        "TOP1",
    )
    deliver("ORDER_CREATED", earlier)


def test_activity_rule_skip_leaves_an_inactive_uplines_level_unpaid(
    installation, chain, make_plan, deliver
):
    top, sleepy, ref42 = chain
    make_plan(levels=3, level_rates=["0.10", "0.05", "0.02"], activity_days=30, upline_rule="skip")
    _top_sold_recently(deliver)  # TOP1: 10 % x 111.00 = 11.10 as level 1 of its own sale

    deliver("order_created")

    # REF42 L1 11.10; SLEEPY (no sale in 30 days) skipped; TOP1 L3 2 % x 111.00 = 2.22
    assert balances(ref42) == {"frozen": D("11.10")}
    assert balances(sleepy) == {}
    assert balances(top) == {"frozen": D("13.32")}  # 11.10 + 2.22


def test_activity_rule_pass_up_gives_the_level_to_the_next_active_ancestor(
    installation, chain, make_plan, deliver
):
    top, sleepy, ref42 = chain
    make_plan(levels=2, level_rates=["0.10", "0.05"], activity_days=30, upline_rule="pass_up")
    _top_sold_recently(deliver)

    deliver("order_created")

    # SLEEPY is passed over: TOP1 takes level 2, 5 % x 111.00 = 5.55
    assert record_of(ORDER_23).chain == [
        {"level": 1, "distributor": ref42.pk, "grade": None},
        {"level": 2, "distributor": top.pk, "grade": None},
    ]
    assert balances(sleepy) == {}
    assert balances(top) == {"frozen": D("16.65")}  # 11.10 + 5.55


def test_a_suspended_upline_does_not_earn(installation, make_seller, deliver):
    up = make_seller("UP01", status=DistributorStatus.SUSPENDED)
    ref42 = make_seller("REF42", parent=up)

    deliver("order_created")

    assert balances(ref42) == {"frozen": D("11.10")}
    assert balances(up) == {}


def test_self_referral_is_refused_unless_the_plan_pays_self_purchase(
    installation, make_seller, make_plan, deliver
):
    # Given the buyer chen is herself distributor CHEN and uses her own code
    chen = make_seller("CHEN", saleor_user_id=CHEN_ID)
    deliver("ORDER_CREATED", set_ref(payload_of("order_created"), "CHEN"))

    record = record_of(ORDER_23)
    assert record.attributed_distributor is None
    assert "CHEN is the buyer (no self-referral)" in record.attribution_reason
    assert balances(chen) == {}

    # With self-purchase on, her own order pays her level 1: 3.60 + 7.50 = 11.10
    make_plan(levels=2, level_rates=["0.10", "0.05"], self_purchase=True)
    deliver("ORDER_CREATED", adapted("order_created", id="T3JkZXI6c2VsZg=="))
    assert record_of("T3JkZXI6c2VsZg==").attribution_source == "self_purchase"
    assert balances(chen) == {"frozen": D("11.10")}


def test_creating_and_activating_a_version_is_audited(installation):
    v1 = commission_actions.active_plan_version(installation)  # the default, by the system
    v2 = commission_actions.create_plan_version(
        installation,
        levels=1,
        level_rates=["0.2"],
        staff_user_id="VXNlcjo5",
        note="summer",
        activate=True,
    ).version

    events = list(
        AuditEvent.objects.order_by("pk").values_list("actor_type", "action", "subject_id", "after")
    )
    assert [e[:3] for e in events] == [
        ("system", "commissions.plan_version_created", str(v1.pk)),
        ("system", "commissions.plan_version_activated", str(v1.pk)),
        ("staff", "commissions.plan_version_created", str(v2.pk)),
        ("staff", "commissions.plan_version_activated", str(v2.pk)),
    ]
    assert events[3][3] == {"active_version": v2.pk}
