"""Commission plans, order attributions and commissions through the API: who may see and
change what, exact values, and refused input that changes nothing."""

from __future__ import annotations

import pytest
from graphql_relay import to_global_id

from saleor_distribution.commissions.models import CommissionProgramme, PlanVersion
from tests.fixtures.engine import CHEN_ID, ORDER_23_DELIVERIES

ORDER_23 = "T3JkZXI6NDAxMTA1ZmMtNjE4OC00MTY0LWFiOTUtYjI1ZjEwNmQ4YzY0"
REF42_USER = "VXNlcjo1MA=="
UP01_USER = "VXNlcjo1MQ=="


@pytest.fixture
def installation(fake_installation):
    # The engine's factories (make_seller, make_plan, deliver) work in the installation the
    # fake Saleor signs tokens for.
    return fake_installation


@pytest.fixture
def order_23(make_seller, deliver):
    """UP01 ← REF42, and every captured delivery of order #23 (ref REF42, bought by Chen)."""
    up1 = make_seller("UP01", saleor_user_id=UP01_USER)
    ref42 = make_seller("REF42", parent=up1, saleor_user_id=REF42_USER)
    for name in ORDER_23_DELIVERIES:
        deliver(name)
    return ref42, up1


@pytest.fixture
def token_for(staff_token, customer_token):
    """A token per role: staff with/without MANAGE_ORDERS, REF42, UP01, the buyer Chen."""

    def make(role):
        return {
            "staff": lambda: staff_token("MANAGE_ORDERS"),
            "staff_without": lambda: staff_token("MANAGE_USERS"),
            "ref42": lambda: customer_token(user_id=REF42_USER, email="ref42@example.com"),
            "up01": lambda: customer_token(user_id=UP01_USER, email="up01@example.com"),
            "buyer": lambda: customer_token(user_id=CHEN_ID),
            "anonymous": lambda: None,
        }[role]()

    return make


PLAN_FIELDS = """id version isActive createdBy levels { level rate }
  gradeRates { gradeId level rate } productOverrides { id kind level value currency }
  categoryOverrides { id kind level value }
  base includeShipping includeTax capShare selfPurchase activityMode activityDays freezeDays"""
PLANS = f"""query {{ activeCommissionPlan {{ version }}
  commissionPlans(first: 10) {{ totalCount edges {{ node {{ {PLAN_FIELDS} }} }} }} }}"""
CREATE = f"""mutation($input: CommissionPlanInput!) {{ commissionPlanCreate(input: $input) {{
  commissionPlan {{ {PLAN_FIELDS} }} warnings errors {{ field code message }} }} }}"""
ACTIVATE = """mutation($id: ID!) { commissionPlanActivate(id: $id) {
  commissionPlan { version isActive } errors { field code message } } }"""
ATTRIBUTION = """query($id: ID!) { orderAttribution(orderId: $id) { orderId orderNumber source
  explanation base { currency amount } distributor { code }
  commissions { id level rate rateKind status planVersion reason beneficiary { code }
    base { amount } amount { amount } refunded { amount } orderId orderNumber } } }"""
ENTITIES = """query($reps: [_Any!]!) { _entities(representations: $reps) {
  ... on Order { id attribution { source distributor { code } commissions { level } }
                 commissions { level amount { amount } beneficiary { code } } } } }"""


def plan_input(**overrides):
    values = {
        "levels": [{"level": 2, "rate": "0.05"}, {"level": 1, "rate": "0.12"}],
        "productOverrides": [
            {
                "id": "UHJvZHVjdDoxMzQ=",
                "kind": "FIXED",
                "level": 1,
                "value": "5.00",
                "currency": "CNY",
            }
        ],
        "base": "GROSS",
        "includeShipping": True,
        "capShare": "0.30",
        "selfPurchase": True,
        "activityMode": "PASS_UP",
        "activityDays": 30,
        "freezeDays": 14,
    }
    values.update(overrides)
    return values


def test_staff_read_every_plan_version_newest_first(graphql, token_for, make_plan, make_grade):
    gold = make_grade("gold")
    make_plan(levels=1, level_rates=["0.08"], cap_rate=None)
    make_plan(
        levels=2,
        level_rates=["0.10", "0.05"],
        grade_rates={gold.pk: ["0.15", "0.06"]},
        category_rules={"Q2F0ZWdvcnk6Mzk=": {"kind": "percentage", "values": ["0.2"]}},
        cap_rate="0.3",
    )

    _, body = graphql(PLANS, token=token_for("staff"))

    plans = [e["node"] for e in body["data"]["commissionPlans"]["edges"]]
    assert body["data"]["activeCommissionPlan"] == {"version": 2}
    assert body["data"]["commissionPlans"]["totalCount"] == 2
    assert [(p["version"], p["isActive"]) for p in plans] == [(2, True), (1, False)]
    newest = plans[0]
    assert newest["id"] == to_global_id("CommissionPlan", PlanVersion.objects.get(number=2).pk)
    assert {k: v for k, v in newest.items() if k != "id"} == {
        "version": 2,
        "isActive": True,
        "createdBy": None,
        "levels": [{"level": 1, "rate": "0.1"}, {"level": 2, "rate": "0.05"}],
        "gradeRates": [
            {"gradeId": to_global_id("Grade", gold.pk), "level": 1, "rate": "0.15"},
            {"gradeId": to_global_id("Grade", gold.pk), "level": 2, "rate": "0.06"},
        ],
        "productOverrides": [],
        "categoryOverrides": [
            {"id": "Q2F0ZWdvcnk6Mzk=", "kind": "PERCENTAGE", "level": 1, "value": "0.2"}
        ],
        "base": "NET",
        "includeShipping": False,
        "includeTax": False,
        "capShare": "0.3",
        "selfPurchase": False,
        "activityMode": "OFF",
        "activityDays": 0,
        "freezeDays": 7,
    }
    assert plans[1]["capShare"] == ""


@pytest.mark.parametrize("role", ["staff_without", "ref42", "buyer", "anonymous"])
def test_only_staff_with_manage_orders_read_plans(graphql, token_for, make_plan, role):
    make_plan(levels=1, level_rates=["0.08"])

    _, body = graphql(PLANS, token=token_for(role))

    assert body == {"data": {"activeCommissionPlan": None, "commissionPlans": None}}


def test_the_default_plan_is_active_before_any_is_created(graphql, token_for, installation):
    _, body = graphql(
        "{ activeCommissionPlan { version levels { level rate } capShare freezeDays } }",
        token=token_for("staff"),
    )

    assert body == {
        "data": {
            "activeCommissionPlan": {
                "version": 1,
                "levels": [{"level": 1, "rate": "0.1"}, {"level": 2, "rate": "0.05"}],
                "capShare": "0.3",
                "freezeDays": 7,
            }
        }
    }


def test_staff_create_a_plan_version_with_a_warning_past_three_levels(
    graphql, token_for, installation
):
    levels = [{"level": n, "rate": r} for n, r in enumerate(["0.1", "0.05", "0.02", "0.01"], 1)]

    _, body = graphql(CREATE, {"input": plan_input(levels=levels)}, token=token_for("staff"))

    result = body["data"]["commissionPlanCreate"]
    assert result["errors"] == []
    assert result["warnings"] == [
        "4 paid levels: more than 3 may be unlawful where multi-level marketing is regulated "
        "(in China, 3 is the usual ceiling)."
    ]
    plan = result["commissionPlan"]
    assert {k: v for k, v in plan.items() if k != "id"} == {
        "version": 1,
        "isActive": False,
        "createdBy": "VXNlcjox",
        "levels": [
            {"level": 1, "rate": "0.1"},
            {"level": 2, "rate": "0.05"},
            {"level": 3, "rate": "0.02"},
            {"level": 4, "rate": "0.01"},
        ],
        "gradeRates": [],
        "productOverrides": [
            {"id": "UHJvZHVjdDoxMzQ=", "kind": "FIXED", "level": 1, "value": "5", "currency": "CNY"}
        ],
        "categoryOverrides": [],
        "base": "GROSS",
        "includeShipping": True,
        "includeTax": True,
        "capShare": "0.3",
        "selfPurchase": True,
        "activityMode": "PASS_UP",
        "activityDays": 30,
        "freezeDays": 14,
    }
    version = PlanVersion.objects.get(installation=installation)
    assert (version.levels, version.level_rates, version.upline_rule) == (
        4,
        ["0.1", "0.05", "0.02", "0.01"],
        "pass_up",
    )
    assert version.product_rules == {
        "UHJvZHVjdDoxMzQ=": {"kind": "fixed", "values": ["5.00"], "currency": "CNY"}
    }
    assert not CommissionProgramme.objects.filter(installation=installation).exists()


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        (
            {"levels": [{"level": 1, "rate": "1.5"}]},
            {"field": "levels", "code": "INVALID_RATE"},
        ),
        (
            {"levels": [{"level": 1, "rate": "-0.1"}]},
            {"field": "levels", "code": "INVALID_RATE"},
        ),
        (
            {"levels": [{"level": 1, "rate": "0.1"}, {"level": 3, "rate": "0.1"}]},
            {"field": "levels", "code": "INVALID"},
        ),
        ({"capShare": "0"}, {"field": "capShare", "code": "INVALID_RATE"}),
        ({"freezeDays": -1}, {"field": "freezeDays", "code": "INVALID"}),
        ({"activityDays": None}, {"field": "activityDays", "code": "INVALID"}),
        ({"includeTax": False}, {"field": "includeTax", "code": "INVALID"}),
        (
            {"gradeRates": [{"gradeId": to_global_id("Grade", 999), "level": 1, "rate": "0.1"}]},
            {"field": "gradeRates", "code": "UNKNOWN_GRADE"},
        ),
        (
            {
                "productOverrides": [
                    {"id": "UHJvZHVjdDox", "kind": "FIXED", "level": 1, "value": "5"}
                ]
            },
            {"field": "productOverrides", "code": "INVALID"},
        ),
    ],
)
def test_bad_plan_input_returns_coded_errors_and_creates_nothing(
    graphql, token_for, installation, overrides, error
):
    _, body = graphql(CREATE, {"input": plan_input(**overrides)}, token=token_for("staff"))

    result = body["data"]["commissionPlanCreate"]
    assert result["commissionPlan"] is None
    assert [{"field": e["field"], "code": e["code"]} for e in result["errors"]] == [error]
    assert PlanVersion.objects.filter(installation=installation).count() == 0


@pytest.mark.parametrize("role", ["staff_without", "ref42", "anonymous"])
def test_only_staff_with_manage_orders_create_and_activate_plans(
    graphql, token_for, installation, make_plan, role
):
    plan = make_plan(levels=1, level_rates=["0.08"])
    make_plan(levels=1, level_rates=["0.09"])

    _, created = graphql(CREATE, {"input": plan_input()}, token=token_for(role))
    _, activated = graphql(
        ACTIVATE, {"id": to_global_id("CommissionPlan", plan.pk)}, token=token_for(role)
    )

    for result in (
        created["data"]["commissionPlanCreate"],
        activated["data"]["commissionPlanActivate"],
    ):
        assert result["commissionPlan"] is None
        assert [e["code"] for e in result["errors"]] == ["PERMISSION_DENIED"]
    assert PlanVersion.objects.filter(installation=installation).count() == 2
    assert CommissionProgramme.objects.get(installation=installation).active_version.number == 2


def test_staff_activate_an_earlier_version(graphql, token_for, installation, make_plan):
    first = make_plan(levels=1, level_rates=["0.08"])
    make_plan(levels=1, level_rates=["0.09"])

    _, body = graphql(
        ACTIVATE, {"id": to_global_id("CommissionPlan", first.pk)}, token=token_for("staff")
    )

    assert body["data"]["commissionPlanActivate"] == {
        "commissionPlan": {"version": 1, "isActive": True},
        "errors": [],
    }
    programme = CommissionProgramme.objects.get(installation=installation)
    assert (programme.active_version_id, programme.activated_by) == (first.pk, "VXNlcjox")


@pytest.mark.parametrize(
    "plan_id",
    [
        "other-installation",
        to_global_id("CommissionPlan", 999999),
        to_global_id("Grade", 1),
        "garbage",
    ],
)
def test_activating_an_unknown_or_foreign_plan_is_not_found(
    graphql, token_for, installation, make_plan, other_installation, plan_id
):
    active = make_plan(levels=1, level_rates=["0.08"])
    foreign = make_plan(inst=other_installation, levels=1, level_rates=["0.5"])
    if plan_id == "other-installation":
        plan_id = to_global_id("CommissionPlan", foreign.pk)

    _, body = graphql(ACTIVATE, {"id": plan_id}, token=token_for("staff"))

    assert body["data"]["commissionPlanActivate"]["errors"] == [
        {"field": "id", "code": "NOT_FOUND", "message": "No such plan version."}
    ]
    assert CommissionProgramme.objects.get(installation=installation).active_version == active


def _commission_ids(*keys):
    from saleor_distribution.commissions.models import Commission

    rows = {(c.level, c.line_id[-4:]): c.pk for c in Commission.objects.filter(order__number="23")}
    return [to_global_id("Commission", rows[key]) for key in keys]


def test_staff_read_an_orders_attribution_and_every_commission(graphql, token_for, order_23):
    from tests.fixtures.engine import PLIMSOLLS_LINE, TEE_LINE

    tee, plimsolls = TEE_LINE[-4:], PLIMSOLLS_LINE[-4:]
    ids = _commission_ids((1, tee), (1, plimsolls), (2, tee), (2, plimsolls))

    _, body = graphql(ATTRIBUTION, {"id": ORDER_23}, token=token_for("staff"))

    # Tee 2 x 18.00 = 36.00 (one refunded), Plimsolls 75.00; default plan 10 % / 5 %.
    common = {"orderId": ORDER_23, "orderNumber": "23", "status": "FROZEN", "planVersion": 1}
    assert body == {
        "data": {
            "orderAttribution": {
                "orderId": ORDER_23,
                "orderNumber": "23",
                "source": "ref",
                "explanation": "distribution.ref=REF42 in the order's metadata "
                "(distributor REF42 is active)",
                "base": {"currency": "USD", "amount": "111.00"},
                "distributor": {"code": "REF42"},
                "commissions": [
                    {
                        "id": ids[0],
                        "level": 1,
                        "rate": "0.1",
                        "rateKind": "percentage",
                        "reason": "Level 1 on the line: the plan's level rate in plan v1, "
                        "10 % of 36.00 USD. 1.80 USD taken back for refunded items.",
                        "beneficiary": {"code": "REF42"},
                        "base": {"amount": "36.00"},
                        "amount": {"amount": "1.80"},
                        "refunded": {"amount": "1.80"},
                        **common,
                    },
                    {
                        "id": ids[1],
                        "level": 1,
                        "rate": "0.1",
                        "rateKind": "percentage",
                        "reason": "Level 1 on the line: the plan's level rate in plan v1, "
                        "10 % of 75.00 USD.",
                        "beneficiary": {"code": "REF42"},
                        "base": {"amount": "75.00"},
                        "amount": {"amount": "7.50"},
                        "refunded": {"amount": "0.00"},
                        **common,
                    },
                    {
                        "id": ids[2],
                        "level": 2,
                        "rate": "0.05",
                        "rateKind": "percentage",
                        "reason": "Level 2 on the line: the plan's level rate in plan v1, "
                        "5 % of 36.00 USD. 0.90 USD taken back for refunded items.",
                        "beneficiary": {"code": "UP01"},
                        "base": {"amount": "36.00"},
                        "amount": {"amount": "0.90"},
                        "refunded": {"amount": "0.90"},
                        **common,
                    },
                    {
                        "id": ids[3],
                        "level": 2,
                        "rate": "0.05",
                        "rateKind": "percentage",
                        "reason": "Level 2 on the line: the plan's level rate in plan v1, "
                        "5 % of 75.00 USD.",
                        "beneficiary": {"code": "UP01"},
                        "base": {"amount": "75.00"},
                        "amount": {"amount": "3.75"},
                        "refunded": {"amount": "0.00"},
                        **common,
                    },
                ],
            }
        }
    }


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        # The attributed distributor sees the attribution and only what they earned.
        ("ref42", {"source": "ref", "distributor": {"code": "REF42"}, "levels": [1, 1]}),
        # Their upline, the buyer, staff without MANAGE_ORDERS and anyone else: nothing.
        ("up01", None),
        ("buyer", None),
        ("staff_without", None),
        ("anonymous", None),
    ],
)
def test_who_reads_an_orders_attribution(graphql, token_for, order_23, role, expected):
    _, body = graphql(ATTRIBUTION, {"id": ORDER_23}, token=token_for(role))

    result = body["data"]["orderAttribution"]
    if expected is None:
        assert result is None
    else:
        assert result["source"] == expected["source"]
        assert result["distributor"] == expected["distributor"]
        assert [c["level"] for c in result["commissions"]] == expected["levels"]
        assert {c["beneficiary"]["code"] for c in result["commissions"]} == {"REF42"}


@pytest.mark.parametrize(
    ("role", "attribution", "commissions"),
    [
        (
            "staff",
            {
                "source": "ref",
                "distributor": {"code": "REF42"},
                "commissions": [{"level": 1}, {"level": 1}, {"level": 2}, {"level": 2}],
            },
            [
                ("1", "1.80", "REF42"),
                ("1", "7.50", "REF42"),
                ("2", "0.90", "UP01"),
                ("2", "3.75", "UP01"),
            ],
        ),
        (
            "ref42",
            {
                "source": "ref",
                "distributor": {"code": "REF42"},
                "commissions": [{"level": 1}, {"level": 1}],
            },
            [("1", "1.80", "REF42"), ("1", "7.50", "REF42")],
        ),
        ("up01", None, [("2", "0.90", "UP01"), ("2", "3.75", "UP01")]),
        ("buyer", None, []),
        ("staff_without", None, []),
        ("anonymous", None, []),
    ],
)
def test_the_federated_order_shows_each_viewer_only_their_share(
    graphql, token_for, order_23, role, attribution, commissions
):
    reps = [{"__typename": "Order", "id": ORDER_23}]

    _, body = graphql(ENTITIES, {"reps": reps}, token=token_for(role))

    entity = body["data"]["_entities"][0]
    assert entity["id"] == ORDER_23
    assert entity["attribution"] == attribution
    assert [
        (str(c["level"]), c["amount"]["amount"], c["beneficiary"]["code"])
        for c in entity["commissions"]
    ] == commissions


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("staff", True),
        ("ref42", True),
        ("up01", False),
        ("buyer", False),
        ("staff_without", False),
        ("anonymous", False),
    ],
)
def test_a_commission_node_is_visible_to_staff_and_its_beneficiary(
    graphql, token_for, order_23, role, visible
):
    from tests.fixtures.engine import TEE_LINE

    (commission_id,) = _commission_ids((1, TEE_LINE[-4:]))
    query = "query($id: ID!) { node(id: $id) { ... on Commission { level amount { amount } } } }"

    _, body = graphql(query, {"id": commission_id}, token=token_for(role))

    expected = {"level": 1, "amount": {"amount": "1.80"}} if visible else None
    assert body == {"data": {"node": expected}}


def test_an_order_of_another_installation_has_no_attribution(
    graphql, token_for, order_23, other_installation
):
    from saleor_distribution.commissions.models import OrderRecord

    OrderRecord.objects.create(installation=other_installation, saleor_order_id="T3JkZXI6b3RoZXI=")

    _, body = graphql(ATTRIBUTION, {"id": "T3JkZXI6b3RoZXI="}, token=token_for("staff"))

    assert body == {"data": {"orderAttribution": None}}


def test_the_plan_list_costs_the_same_queries_for_100_rows_as_for_5(
    graphql, token_for, installation, django_assert_max_num_queries
):
    from saleor_distribution.commissions import actions

    for n in range(100):
        actions.create_plan_version(installation, levels=1, level_rates=[f"0.{n % 9 + 1}"])
    query = f"{{ commissionPlans(first: $n) {{ edges {{ node {{ {PLAN_FIELDS} }} }} }} }}"
    query = "query($n: Int!) " + query

    with django_assert_max_num_queries(8) as small:
        _, five = graphql(query, {"n": 5}, token=token_for("staff"))
    with django_assert_max_num_queries(8) as large:
        _, hundred = graphql(query, {"n": 100}, token=token_for("staff"))

    assert len(five["data"]["commissionPlans"]["edges"]) == 5
    assert len(hundred["data"]["commissionPlans"]["edges"]) == 100
    assert len(large.captured_queries) == len(small.captured_queries)
