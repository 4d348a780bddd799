"""Staff reads: the distributor list (search, filters, sorting, keyset pages, counts), a
distributor's detail, team, ledger, and the grades."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from saleor_distribution.core.audit import Actor
from saleor_distribution.core.money import Money
from saleor_distribution.ledger import actions as ledger
from saleor_distribution.ledger.models import Bucket
from saleor_distribution.network import actions
from saleor_distribution.network.models import DistributorStatus, Grade
from tests.fixtures.api import configure_links, gid
from tests.fixtures.network import STAFF_ID

LIST = """query($first: Int, $after: String, $search: String, $filter: DistributorFilterInput,
                $sortBy: DistributorSortingInput) {
  distributors(first: $first, after: $after, search: $search, filter: $filter, sortBy: $sortBy) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { code } }
  }
}"""
ROW = """id code displayName email status depth teamSize directCount joinedAt
         grade { id name } parent { id code displayName } sales { currency amount }"""


def codes(body):
    return [edge["node"]["code"] for edge in body["data"]["distributors"]["edges"]]


@pytest.fixture
def team(make_seller, make_grade):
    """WANG01 ─┬─ CHEN42 ─┬─ KID001 ── GRAND1
               │          └─ KID002
               └─ ZHAO99 (suspended, gold)
    CHEN42 is the customer of `customer_token()`."""
    gold = make_grade("gold", rank=2)
    wang = make_seller("WANG01", saleor_user_id="VXNlcjo1MA==", email="wang.fang@example.com")
    chen = make_seller("CHEN42", parent=wang, saleor_user_id="VXNlcjo0OA==",
                       email="chen.xiaoyu@example.com")
    kid1 = make_seller("KID001", parent=chen)
    kid2 = make_seller("KID002", parent=chen)
    grand = make_seller("GRAND1", parent=kid1)
    zhao = make_seller("ZHAO99", parent=wang, grade=gold, email="zhao.lei@example.com")
    actions.suspend(zhao, actor=Actor.staff(STAFF_ID), reason="spam")
    chen.display_name = "陈小雨"
    chen.save(update_fields=["display_name"])
    return {"WANG01": wang, "CHEN42": chen, "KID001": kid1, "KID002": kid2, "GRAND1": grand,
            "ZHAO99": zhao, "gold": gold}


def test_staff_list_newest_first_by_default_with_counts(graphql, staff_token, team):
    _, body = graphql(LIST, {"first": 4}, token=staff_token("MANAGE_USERS"))

    assert codes(body) == ["ZHAO99", "GRAND1", "KID002", "KID001"]
    connection_ = body["data"]["distributors"]
    assert connection_["totalCount"] == 6
    assert connection_["pageInfo"]["hasNextPage"] is True

    _, rest = graphql(LIST, {"first": 4, "after": connection_["pageInfo"]["endCursor"]},
                      token=staff_token("MANAGE_USERS"))
    assert codes(rest) == ["CHEN42", "WANG01"]
    assert rest["data"]["distributors"]["pageInfo"]["hasNextPage"] is False


@pytest.mark.parametrize(
    ("variables", "expected", "total"),
    [
        ({"search": "chen"}, ["CHEN42"], 1),  # the code's beginning, any case
        ({"search": "zhao.lei@"}, ["ZHAO99"], 1),  # part of the email
        ({"search": "小雨"}, ["CHEN42"], 1),  # part of the name
        ({"search": "KID"}, ["KID002", "KID001"], 2),
        ({"filter": {"status": ["SUSPENDED"]}}, ["ZHAO99"], 1),
        ({"filter": {"status": ["ACTIVE", "SUSPENDED"]}, "search": "Z"}, ["ZHAO99"], 1),
        ({"filter": {"grade": "GRADE"}}, ["ZHAO99"], 1),
        ({"filter": {"parent": "CHEN42"}}, ["KID002", "KID001"], 2),
        ({"filter": {"parent": "bm90IGFuIGlk"}}, [], 0),  # not an id: nothing, not an error
        ({"sortBy": {"field": "CODE", "direction": "ASC"}},
         ["CHEN42", "GRAND1", "KID001", "KID002", "WANG01", "ZHAO99"], 6),
        ({"sortBy": {"field": "TEAM_SIZE", "direction": "DESC"}},
         ["WANG01", "CHEN42", "KID001", "ZHAO99", "GRAND1", "KID002"], 6),
        ({"sortBy": {"field": "JOINED", "direction": "ASC"}},
         ["WANG01", "CHEN42", "KID001", "KID002", "GRAND1", "ZHAO99"], 6),
    ],
)
def test_staff_list_search_filters_and_sorting(graphql, staff_token, team, variables, expected,
                                               total):
    for key, value in list(variables.get("filter", {}).items()):
        if key == "grade":
            variables["filter"]["grade"] = gid("Grade", team["gold"].pk)
        if key == "parent" and value in team:
            variables["filter"]["parent"] = gid("Distributor", team[value].pk)

    status, body = graphql(LIST, {"first": 20, **variables}, token=staff_token("MANAGE_USERS"))

    assert status == 200, body
    assert codes(body) == expected
    assert body["data"]["distributors"]["totalCount"] == total


def test_staff_list_sorted_by_sales_pages_through_all(graphql, staff_token, team, sell):
    sell(1, "KID002", total="80.00", customer="VXNlcjo5MA==")
    sell(2, "GRAND1", total="120.00", customer="VXNlcjo5MQ==")
    sell(3, "KID001", total="80.00", customer="VXNlcjo5Mg==")
    query = LIST.replace("node { code }", "node { code sales { amount currency } }")
    seen, after = [], None
    for _ in range(4):
        _, body = graphql(query, {"first": 2, "after": after,
                                  "sortBy": {"field": "SALES", "direction": "DESC"}},
                          token=staff_token("MANAGE_USERS"))
        connection_ = body["data"]["distributors"]
        seen += [(e["node"]["code"], e["node"]["sales"]["amount"]) for e in connection_["edges"]]
        assert connection_["totalCount"] == 6
        after = connection_["pageInfo"]["endCursor"]
        if not connection_["pageInfo"]["hasNextPage"]:
            break
    assert seen == [
        ("GRAND1", "120.00"), ("KID002", "80.00"), ("KID001", "80.00"),
        ("ZHAO99", "0.00"), ("CHEN42", "0.00"), ("WANG01", "0.00"),
    ]


def test_a_bad_cursor_or_page_size_is_refused(graphql, staff_token, team):
    _, body = graphql(LIST, {"first": 101}, token=staff_token("MANAGE_USERS"))
    assert body["data"] == {"distributors": None}
    assert body["errors"][0]["message"] == "Page size must be between 0 and 100."
    _, body = graphql(LIST, {"first": 5, "after": "garbage"}, token=staff_token("MANAGE_USERS"))
    assert body["errors"][0]["message"] == "Invalid cursor."
    _, body = graphql(LIST, {"first": 5, "after": "W10",
                             "sortBy": {"field": "SALES", "direction": "DESC"}},
                      token=staff_token("MANAGE_USERS"))
    assert body["errors"][0]["message"] == "Invalid cursor."


def _query_count(graphql, token, first):
    query = f"""{{ distributors(first: {first}, search: "ROOT",
                               sortBy: {{field: SALES, direction: DESC}}) {{
        totalCount edges {{ node {{ {ROW} uplines {{ code }} balances {{ currency }}
        teamCountByDepth {{ depth count }}
        nextGrade {{ grade {{ name minSales {{ amount }} }} met
                    targets {{ target met currentSales {{ amount }} currentCount }} }}
        referralLinks {{ url clicks orders }}
        team(first: 3) {{ totalCount edges {{ node {{
            code grade {{ name }} sales {{ amount }} team(first: 2, depth: 2) {{ totalCount }}
        }} }} }}
        }} }} }} }}"""
    with CaptureQueriesContext(connection) as captured:
        status, body = graphql(query, token=token)
    assert status == 200 and "errors" not in body, body
    assert len(body["data"]["distributors"]["edges"]) == first
    return len(captured)


def test_list_pages_cost_the_same_queries_for_5_or_100_rows(
    graphql, staff_token, make_seller, make_grade, sell, installation
):
    # Given 100 roots (every other one gold), each with a recruit who has a recruit, and
    # platinum above gold (a sales target: progress reads sales)
    gold = make_grade("gold")
    Grade.objects.create(installation=installation, name="platinum", rank=2,
                         min_sales_amount=Decimal("50"), min_sales_currency="CNY",
                         min_team_size=1, auto_upgrade=True)
    roots = [make_seller(f"ROOT{n:03d}", grade=gold if n % 2 else None) for n in range(100)]
    for n, root in enumerate(roots):
        make_seller(f"G{n:03d}X", parent=make_seller(f"K{n:03d}X", parent=root, grade=gold))
    sell(1, "ROOT003", total="10.00", customer="VXNlcjo5MA==")
    ledger.adjust_balance_for_staff(roots[1], Money(Decimal("1.00"), "CNY"),
                                    bucket=Bucket.AVAILABLE, reason="test",
                                    actor=Actor.staff(STAFF_ID), request_id="r")
    configure_links(installation)
    # (ROOT003, first by sales, is on both pages: a page reads product links if any)
    actions.create_referral_link(roots[3], channel="default-channel", product="UHJvZHVjdDox")
    token = staff_token("MANAGE_USERS")

    # When the roots are listed with their teams, uplines, balances, links, ... (one
    # warm-up first: the first read of the programme's policy creates it)
    _query_count(graphql, token, 1)
    small = _query_count(graphql, token, 5)
    large = _query_count(graphql, token, 100)

    # Then the 100-row page costs what the 5-row page costs
    assert large == small


DETAIL = """query($id: ID!) { distributor(id: $id) {
  id code userId email status statusReason approvedAt depth teamSize directCount
  grade { name rank } parent { code } sponsor { code displayName }
  uplines { code depth }
  balances { currency pending { amount } frozen { amount } available { amount fractionalAmount }
             withdrawing { amount } paid { amount } }
  teamCountByDepth { depth count }
  sales { amount currency }
} }"""


def test_staff_see_a_distributors_detail(graphql, staff_token, team, sell):
    sell(1, "KID001", total="111.00", customer="VXNlcjo5MA==")
    ledger.adjust_balance_for_staff(team["KID001"], Money(Decimal("-1.10"), "USD"),
                                    bucket=Bucket.FROZEN, reason="correction",
                                    actor=Actor.staff(STAFF_ID), request_id="r1")

    _, body = graphql(DETAIL, {"id": gid("Distributor", team["KID001"].pk)},
                      token=staff_token("MANAGE_USERS"))

    # Order 111.00 (lines 36.00 + 75.00 net) by another customer: KID001 earns 10 % =
    # 11.10, CHEN42 5 % = 5.55, frozen (paid); staff took 1.10 back from frozen.
    assert body == {"data": {"distributor": {
        "id": gid("Distributor", team["KID001"].pk),
        "code": "KID001",
        "userId": "VXNlcjpKID001",
        "email": "kid001@example.com",
        "status": "ACTIVE",
        "statusReason": None,
        "approvedAt": team["KID001"].approved_at.isoformat(),
        "depth": 2,
        "teamSize": 1,
        "directCount": 1,
        "grade": None,
        "parent": {"code": "CHEN42"},
        "sponsor": {"code": "CHEN42", "displayName": "陈小雨"},
        "uplines": [{"code": "CHEN42", "depth": 1}, {"code": "WANG01", "depth": 0}],
        "balances": [{
            "currency": "USD", "pending": {"amount": "0.00"}, "frozen": {"amount": "10.00"},
            "available": {"amount": "0.00", "fractionalAmount": 0},
            "withdrawing": {"amount": "0.00"}, "paid": {"amount": "0.00"},
        }],
        "teamCountByDepth": [{"depth": 1, "count": 1}],
        "sales": {"amount": "111.00", "currency": "USD"},
    }}}


def test_staff_see_status_reasons_grades_and_team_counts(graphql, staff_token, team):
    _, body = graphql(DETAIL, {"id": gid("Distributor", team["ZHAO99"].pk)},
                      token=staff_token("MANAGE_USERS"))
    zhao = body["data"]["distributor"]
    assert (zhao["status"], zhao["statusReason"], zhao["grade"]) == (
        "SUSPENDED", "spam", {"name": "gold", "rank": 2}
    )
    assert zhao["sales"] is None  # no order yet: no currency to report in

    _, body = graphql(DETAIL, {"id": gid("Distributor", team["WANG01"].pk)},
                      token=staff_token("MANAGE_USERS"))
    assert body["data"]["distributor"]["teamCountByDepth"] == [
        {"depth": 1, "count": 2}, {"depth": 2, "count": 2}, {"depth": 3, "count": 1}
    ]
    assert body["data"]["distributor"]["uplines"] == []


def test_distributor_by_user_and_unknown_ids(graphql, staff_token, team, other_installation,
                                             make_seller):
    elsewhere = make_seller("ELSE01", inst=other_installation)
    token = staff_token("MANAGE_USERS")
    query = """query($user: ID!, $id: ID!) { distributorByUser(userId: $user) { code }
                                              distributor(id: $id) { code } }"""

    _, body = graphql(query, {"user": "VXNlcjo0OA==", "id": gid("Distributor", elsewhere.pk)},
                      token=token)
    assert body == {"data": {"distributorByUser": {"code": "CHEN42"}, "distributor": None}}
    _, body = graphql(query, {"user": "VXNlcjo5OTk=", "id": gid("Grade", team["gold"].pk)},
                      token=token)
    assert body == {"data": {"distributorByUser": None, "distributor": None}}


TEAM = """query($id: ID!, $first: Int, $after: String, $depth: Int) { distributor(id: $id) {
  team(first: $first, after: $after, depth: $depth) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { node { code } }
  } } }"""


def test_team_pages_by_depth(graphql, staff_token, team, make_seller):
    for n in range(3):
        make_seller(f"KID10{n}", parent=team["CHEN42"])
    token = staff_token("MANAGE_USERS")
    wang = gid("Distributor", team["WANG01"].pk)
    chen = gid("Distributor", team["CHEN42"].pk)

    _, first = graphql(TEAM, {"id": chen, "first": 3}, token=token)
    page = first["data"]["distributor"]["team"]
    assert [e["node"]["code"] for e in page["edges"]] == ["KID001", "KID002", "KID100"]
    assert (page["totalCount"], page["pageInfo"]["hasNextPage"]) == (5, True)
    _, second = graphql(TEAM, {"id": chen, "first": 3, "after": page["pageInfo"]["endCursor"]},
                        token=token)
    page = second["data"]["distributor"]["team"]
    assert [e["node"]["code"] for e in page["edges"]] == ["KID101", "KID102"]
    assert (page["pageInfo"]["hasNextPage"], page["pageInfo"]["hasPreviousPage"]) == (False, True)

    _, deep = graphql(TEAM, {"id": wang, "first": 10, "depth": 2}, token=token)
    page = deep["data"]["distributor"]["team"]
    assert [e["node"]["code"] for e in page["edges"]] == [
        "KID001", "KID002", "KID100", "KID101", "KID102"
    ]
    assert page["totalCount"] == 5
    _, empty = graphql(TEAM, {"id": wang, "first": 0}, token=token)
    assert empty["data"]["distributor"]["team"]["edges"] == []
    assert empty["data"]["distributor"]["team"]["pageInfo"]["hasNextPage"] is True

    _, refused = graphql(TEAM, {"id": wang, "first": 5, "depth": 0}, token=token)
    assert refused["errors"][0]["message"] == "The depth is 1 to 200."


LEDGER = """query($id: ID!, $first: Int!, $after: String) { distributor(id: $id) {
  ledger(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor }
    edges { node { bucket code reason actor referenceType amount { amount currency } } } } } }"""


def test_the_ledger_statement_newest_first(graphql, staff_token, team):
    staff = Actor.staff(STAFF_ID)
    for n, amount in enumerate(["5.00", "-2.00", "7.50"]):
        ledger.adjust_balance_for_staff(team["CHEN42"], Money(Decimal(amount), "CNY"),
                                        bucket=Bucket.AVAILABLE, reason=f"fix {n}", actor=staff,
                                        request_id=f"r{n}")
    token = staff_token("MANAGE_USERS", "MANAGE_ORDERS")
    chen = gid("Distributor", team["CHEN42"].pk)

    _, body = graphql(LEDGER, {"id": chen, "first": 2}, token=token)
    statement = body["data"]["distributor"]["ledger"]
    assert statement["totalCount"] == 3
    assert [e["node"] for e in statement["edges"]] == [
        {"bucket": "AVAILABLE", "code": "adjustment", "reason": "fix 2", "actor": STAFF_ID,
         "referenceType": "adjustment", "amount": {"amount": "7.50", "currency": "CNY"}},
        {"bucket": "AVAILABLE", "code": "adjustment", "reason": "fix 1", "actor": STAFF_ID,
         "referenceType": "adjustment", "amount": {"amount": "-2.00", "currency": "CNY"}},
    ]
    _, rest = graphql(LEDGER, {"id": chen, "first": 2,
                               "after": statement["pageInfo"]["endCursor"]}, token=token)
    assert [e["node"]["reason"] for e in rest["data"]["distributor"]["ledger"]["edges"]] == [
        "fix 0"
    ]

    # Without MANAGE_ORDERS staff see the distributor, not their ledger.
    _, body = graphql(LEDGER, {"id": chen, "first": 2}, token=staff_token("MANAGE_USERS"))
    assert body == {"data": {"distributor": {"ledger": None}}}


def test_grades_lowest_rank_first(graphql, staff_token, team, make_grade):
    silver = make_grade("silver", rank=1)

    _, body = graphql("{ grades { id name rank } }", token=staff_token("MANAGE_USERS"))

    assert body == {"data": {"grades": [
        {"id": gid("Grade", silver.pk), "name": "silver", "rank": 1},
        {"id": gid("Grade", team["gold"].pk), "name": "gold", "rank": 2},
    ]}}


def test_applicants_are_listed_for_approval(graphql, staff_token, team):
    actions.update_policy(team["WANG01"].installation, actor=Actor.staff(STAFF_ID),
                          joining_mode="approval")
    applicant = actions.apply(team["WANG01"].installation, saleor_user_id="VXNlcjoxMjM=",
                              email="new@example.com", inviter_code="KID002")
    assert applicant.status == DistributorStatus.APPLIED

    _, body = graphql(LIST, {"first": 5, "filter": {"status": ["APPLIED"]}},
                      token=staff_token("MANAGE_USERS"))

    assert codes(body) == [applicant.code]
