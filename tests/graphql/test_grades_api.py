"""Grades through the API: staff manage them (gradeCreate/Update/Delete, MANAGE_USERS), and a
distributor (or staff) sees the next grade's targets and their progress (`nextGrade`)."""

from decimal import Decimal

import pytest

from saleor_distribution.core.audit import Actor
from saleor_distribution.network import grades
from saleor_distribution.network.models import Distributor, Grade
from tests.fixtures.api import CHEN, api_state, gid
from tests.graphql.test_staff_mutations import run

STAFF = Actor.staff("VXNlcjox")
WANG = "VXNlcjo1MA=="

PROGRESS = """nextGrade { grade { name rank minSales { amount currency } minDirectCount
  minTeamSize autoUpgrade } met
  targets { target met requiredSales { amount currency } currentSales { amount }
            requiredCount currentCount } }"""


@pytest.fixture
def world(make_seller, installation, sell):
    """WANG01 ─ CHEN42 (silver) ─┬─ KID001 ─ GRAND1;  CHEN42 sold one order of 111.00 USD.
                                 └─ KID002"""
    silver = grades.create_grade(installation, actor=STAFF, name="Silver", rank=1)
    gold = grades.create_grade(
        installation, actor=STAFF, name="Gold", rank=2, min_sales_amount=Decimal("500"),
        min_sales_currency="USD", min_direct_count=2, min_team_size=5, auto_upgrade=True,
    )
    wang = make_seller("WANG01", saleor_user_id=WANG)
    chen = make_seller("CHEN42", parent=wang, saleor_user_id=CHEN,
                       email="chen.xiaoyu@example.com", grade=silver)
    kid = make_seller("KID001", parent=chen)
    make_seller("KID002", parent=chen)
    make_seller("GRAND1", parent=kid)
    sell(1, "CHEN42", total="111.00", customer="VXNlcjo5MA==")
    return {"silver": silver, "gold": gold, "chen": chen, "wang": wang}


CHEN_PROGRESS = {
    "grade": {"name": "Gold", "rank": 2, "minSales": {"amount": "500.00", "currency": "USD"},
              "minDirectCount": 2, "minTeamSize": 5, "autoUpgrade": True},
    "met": False,
    "targets": [
        {"target": "SALES", "met": False,
         "requiredSales": {"amount": "500.00", "currency": "USD"},
         "currentSales": {"amount": "111.00"}, "requiredCount": None, "currentCount": None},
        {"target": "DIRECT_COUNT", "met": True, "requiredSales": None, "currentSales": None,
         "requiredCount": 2, "currentCount": 2},
        {"target": "TEAM_SIZE", "met": False, "requiredSales": None, "currentSales": None,
         "requiredCount": 5, "currentCount": 3},
    ],
}


def test_a_distributor_sees_the_next_grades_targets_and_progress(
    graphql, customer_token, world
):
    status, body = graphql(f"{{ me {{ distributor {{ grade {{ name }} {PROGRESS} }} }} }}",
                           token=customer_token())

    assert status == 200 and "errors" not in body, body
    assert body["data"]["me"]["distributor"] == {"grade": {"name": "Silver"},
                                                 "nextGrade": CHEN_PROGRESS}


def test_staff_see_it_and_nobody_else_does(graphql, customer_token, staff_token, world):
    query = f"query($id: ID!) {{ distributor(id: $id) {{ code {PROGRESS} }} }}"
    chen = {"id": gid("Distributor", world["chen"].pk)}

    staff = graphql(query, chen, token=staff_token("MANAGE_USERS"))[1]
    assert staff == {"data": {"distributor": {"code": "CHEN42", "nextGrade": CHEN_PROGRESS}}}
    # Another customer, staff without MANAGE_USERS and anonymous callers: no distributor.
    for token in (customer_token(user_id="VXNlcjo3Nzc=", email="other@example.com"),
                  staff_token("MANAGE_ORDERS"), None):
        assert graphql(query, chen, token=token)[1] == {"data": {"distributor": None}}
    assert graphql("{ me { distributor { code } } }")[1] == {"data": {"me": None}}
    # Their upline sees CHEN42 as a team member: no progress.
    upline = graphql(
        "{ me { distributor { team(first: 5) { edges { node { code nextGrade { met } } } } } } }",
        token=customer_token(user_id=WANG, email="wang@example.com"),
    )[1]
    assert upline == {"data": {"me": {"distributor": {"team": {"edges": [
        {"node": {"code": "CHEN42", "nextGrade": None}}
    ]}}}}}


def test_at_the_top_grade_there_is_no_next_grade(graphql, customer_token, world):
    Distributor.objects.filter(pk=world["chen"].pk).update(grade=world["gold"])

    body = graphql("{ me { distributor { grade { name } nextGrade { met } } } }",
                   token=customer_token())[1]

    assert body == {"data": {"me": {"distributor": {"grade": {"name": "Gold"},
                                                    "nextGrade": None}}}}


def test_meeting_the_targets_upgrades_the_distributor(graphql, customer_token, world, sell,
                                                      make_seller):
    # Given CHEN42 sells 389.00 more (500.00 in all) and recruits two more
    sell(2, "CHEN42", total="389.00", customer="VXNlcjo5MQ==")
    make_seller("KID003", parent=world["chen"])
    make_seller("KID004", parent=world["chen"])
    before = graphql("{ me { distributor { nextGrade { met } } } }", token=customer_token())[1]
    assert before == {"data": {"me": {"distributor": {"nextGrade": {"met": True}}}}}

    # When the periodic upgrade runs
    assert grades.upgrade_grades() == 1

    body = graphql("{ me { distributor { grade { name } nextGrade { met } } } }",
                   token=customer_token())[1]
    assert body == {"data": {"me": {"distributor": {"grade": {"name": "Gold"},
                                                    "nextGrade": None}}}}


def test_an_order_that_meets_the_sales_target_upgrades_its_seller_after_commit(
    world, sell, make_seller, django_capture_on_commit_callbacks
):
    from saleor_distribution.core.models import AuditEvent

    # Given CHEN42 meets every target of gold but the sales one
    make_seller("KID003", parent=world["chen"])
    make_seller("KID004", parent=world["chen"])

    # When an order brings their sales to 500.00 USD (and its transaction commits)
    with django_capture_on_commit_callbacks(execute=True):
        sell(2, "CHEN42", total="389.00", customer="VXNlcjo5MQ==")

    # Then they are gold at once, without waiting for the periodic upgrade
    assert Distributor.objects.get(pk=world["chen"].pk).grade_id == world["gold"].pk
    assert list(
        AuditEvent.objects.filter(action="distributor.auto_upgrade").values_list(
            "subject_id", "actor_type", "before", "after"
        )
    ) == [(str(world["chen"].pk), "system", {"grade": world["silver"].pk},
           {"grade": world["gold"].pk})]


CREATE = """mutation($input: GradeCreateInput!) { gradeCreate(input: $input) {
  grade { id name rank minSales { amount currency } minDirectCount minTeamSize autoUpgrade }
  errors { field code message } } }"""
UPDATE = """mutation($id: ID!, $input: GradeUpdateInput!) { gradeUpdate(id: $id, input: $input) {
  grade { name rank minSales { amount currency } minDirectCount minTeamSize autoUpgrade }
  errors { field code } } }"""
DELETE = """mutation($id: ID!) { gradeDelete(id: $id) {
  grade { id name } errors { field code } } }"""


def test_staff_create_update_and_delete_a_grade(graphql, staff_token, installation, world):
    token = staff_token("MANAGE_USERS")

    created = run(graphql, token, CREATE, {"input": {
        "name": "Diamond", "rank": 9, "minSales": {"amount": "10000", "currency": "CNY"},
        "minTeamSize": 100, "autoUpgrade": True,
    }})
    diamond = Grade.objects.get(name="Diamond")
    assert created == {"grade": {
        "id": gid("Grade", diamond.pk), "name": "Diamond", "rank": 9,
        "minSales": {"amount": "10000.00", "currency": "CNY"}, "minDirectCount": None,
        "minTeamSize": 100, "autoUpgrade": True,
    }, "errors": []}

    updated = run(graphql, token, UPDATE, {"id": gid("Grade", diamond.pk), "input": {
        "minSales": None, "minDirectCount": 10, "autoUpgrade": False,
    }})
    assert updated == {"grade": {
        "name": "Diamond", "rank": 9, "minSales": None, "minDirectCount": 10,
        "minTeamSize": 100, "autoUpgrade": False,
    }, "errors": []}

    deleted = run(graphql, token, DELETE, {"id": gid("Grade", diamond.pk)})
    assert deleted == {"grade": {"id": gid("Grade", diamond.pk), "name": "Diamond"},
                       "errors": []}
    assert not Grade.objects.filter(pk=diamond.pk).exists()
    staff_events = list(
        installation_audit(installation).filter(actor_id="VXNlcjox", subject_id=str(diamond.pk))
        .values_list("action", flat=True)
    )
    assert staff_events == ["grade.create", "grade.update", "grade.delete"]


def installation_audit(installation):
    from saleor_distribution.core.models import AuditEvent

    return AuditEvent.objects.filter(installation=installation).order_by("pk")


@pytest.mark.parametrize(
    ("mutation", "variables", "errors"),
    [
        (CREATE, lambda w: {"input": {"name": "Silver", "rank": 7}},
         [{"field": "name", "code": "GRADE_NAME_TAKEN"}]),
        (CREATE, lambda w: {"input": {"name": "New", "rank": 2}},
         [{"field": "rank", "code": "GRADE_RANK_TAKEN"}]),
        (CREATE, lambda w: {"input": {"name": " ", "rank": 7}},
         [{"field": "name", "code": "INVALID_GRADE"}]),
        (CREATE, lambda w: {"input": {"name": "New", "rank": -1}},
         [{"field": "rank", "code": "INVALID_GRADE"}]),
        (CREATE, lambda w: {"input": {"name": "New", "rank": 7, "minDirectCount": -2}},
         [{"field": "minDirectCount", "code": "INVALID_GRADE_TARGET"}]),
        (CREATE, lambda w: {"input": {"name": "New", "rank": 7,
                                      "minSales": {"amount": "-5", "currency": "CNY"}}},
         [{"field": "minSales", "code": "INVALID_GRADE_TARGET"}]),
        (CREATE, lambda w: {"input": {"name": "New", "rank": 7,
                                      "minSales": {"amount": "1e3", "currency": "CNY"}}},
         [{"field": "minSales", "code": "INVALID_GRADE_TARGET"}]),
        (CREATE, lambda w: {"input": {"name": "New", "rank": 7,
                                      "minSales": {"amount": "10", "currency": "cny"}}},
         [{"field": "minSales", "code": "INVALID_GRADE_TARGET"}]),
        (UPDATE, lambda w: {"id": gid("Grade", w["gold"].pk), "input": {"rank": 1}},
         [{"field": "rank", "code": "GRADE_RANK_TAKEN"}]),
        (UPDATE, lambda w: {"id": gid("Grade", w["gold"].pk), "input": {"minTeamSize": -1}},
         [{"field": "minTeamSize", "code": "INVALID_GRADE_TARGET"}]),
        (UPDATE, lambda w: {"id": gid("Distributor", w["chen"].pk), "input": {"rank": 5}},
         [{"field": "id", "code": "NOT_FOUND"}]),
        (DELETE, lambda w: {"id": gid("Grade", w["silver"].pk)},
         [{"field": "id", "code": "GRADE_IN_USE"}]),
        (DELETE, lambda w: {"id": "garbage"}, [{"field": "id", "code": "NOT_FOUND"}]),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(graphql, staff_token, installation, world,
                                                  mutation, variables, errors):
    before = api_state(installation)

    result = run(graphql, staff_token("MANAGE_USERS"), mutation, variables(world))

    assert result["grade"] is None
    assert [{"field": e["field"], "code": e["code"]} for e in result["errors"]] == errors
    assert api_state(installation) == before


def test_a_grade_of_another_installation_is_not_found(graphql, staff_token, world,
                                                       other_installation):
    foreign = grades.create_grade(other_installation, actor=STAFF, name="Gold", rank=2)
    before = list(Grade.objects.filter(pk=foreign.pk).values())

    for mutation, variables in ((UPDATE, {"id": gid("Grade", foreign.pk),
                                          "input": {"name": "Mine"}}),
                                (DELETE, {"id": gid("Grade", foreign.pk)})):
        result = run(graphql, staff_token("MANAGE_USERS"), mutation, variables)
        assert result["errors"] == [{"field": "id", "code": "NOT_FOUND"}]
    assert list(Grade.objects.filter(pk=foreign.pk).values()) == before


def test_staff_see_the_targets_in_the_grade_list(graphql, staff_token, world):
    body = graphql("{ grades { name rank minSales { amount currency } minDirectCount "
                   "minTeamSize autoUpgrade } }", token=staff_token("MANAGE_USERS"))[1]

    assert body == {"data": {"grades": [
        {"name": "Silver", "rank": 1, "minSales": None, "minDirectCount": None,
         "minTeamSize": None, "autoUpgrade": False},
        {"name": "Gold", "rank": 2, "minSales": {"amount": "500.00", "currency": "USD"},
         "minDirectCount": 2, "minTeamSize": 5, "autoUpgrade": True},
    ]}}
