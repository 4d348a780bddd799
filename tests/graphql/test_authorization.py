"""Who may run what: every query field and mutation of the network, ledger, reports and
audit API, for an anonymous caller, the customer the object belongs to, another customer,
staff with the permission it needs and staff without it.

Queries a caller may not run fail with PERMISSION_DENIED (and null data); objects a caller
may not see are null. Mutations a caller may not run answer PERMISSION_DENIED in `errors`
and change nothing."""

from collections.abc import Callable
from typing import Any

import pytest

from saleor_distribution.network.models import DistributorStatus
from tests.fixtures.api import CHEN, api_state, configure_links, gid

OTHER = "VXNlcjo3Nzc="  # a customer who is no distributor
ROLES = ("anonymous", "customer_own", "customer_other", "staff_with", "staff_without")
DENIED = "denied"  # GraphQL error PERMISSION_DENIED, the field null
NULL = "null"  # the field null, no error (not visible)
OK = "ok"


@pytest.fixture
def world(make_seller, installation, sell):
    configure_links(installation)
    wang = make_seller("WANG01", saleor_user_id="VXNlcjo1MA==")
    chen = make_seller("CHEN42", parent=wang, saleor_user_id=CHEN,
                       email="chen.xiaoyu@example.com")
    applicant = make_seller("APPL01", status=DistributorStatus.APPLIED)
    sell(1, "CHEN42", customer="VXNlcjo5MA==")
    return {"wang": wang, "chen": chen, "applicant": applicant}


@pytest.fixture
def call(graphql, customer_token, staff_token):
    def run(role: str, query: str, variables: dict[str, Any], permissions: tuple[str, ...]):
        token = {
            "anonymous": lambda: None,
            "customer_own": lambda: customer_token(),
            "customer_other": lambda: customer_token(user_id=OTHER, email="other@example.com"),
            "staff_with": lambda: staff_token(*permissions),
            "staff_without": lambda: staff_token("MANAGE_PRODUCTS"),
        }[role]()
        status, body = graphql(query, variables, token=token)
        assert status == 200, body
        return body

    return run


def chen_id(world):
    return gid("Distributor", world["chen"].pk)


def ledger_entry_id(world):
    from saleor_distribution.ledger.models import LedgerEntry

    return gid("LedgerEntry", LedgerEntry.objects.filter(account__distributor=world["chen"])
               .order_by("pk").first().pk)


# (name, query, variables(world), permissions a staff member needs, outcome per role)
QUERIES: list[tuple[str, str, Callable[[dict], dict], tuple[str, ...], dict[str, str]]] = [
    ("distributors", "{ distributors(first: 5) { totalCount } }", lambda w: {},
     ("MANAGE_USERS",),
     {"anonymous": DENIED, "customer_own": DENIED, "customer_other": DENIED,
      "staff_with": OK, "staff_without": DENIED}),
    ("distributor", "query($id: ID!) { distributor(id: $id) { code } }",
     lambda w: {"id": chen_id(w)}, ("MANAGE_USERS",),
     {"anonymous": NULL, "customer_own": OK, "customer_other": NULL, "staff_with": OK,
      "staff_without": NULL}),
    ("node", "query($id: ID!) { node(id: $id) { ... on Distributor { code } } }",
     lambda w: {"id": chen_id(w)}, ("MANAGE_USERS",),
     {"anonymous": NULL, "customer_own": OK, "customer_other": NULL, "staff_with": OK,
      "staff_without": NULL}),
    ("node", "query($id: ID!) { node(id: $id) { ... on LedgerEntry { code } } }",
     lambda w: {"id": ledger_entry_id(w)}, ("MANAGE_ORDERS",),
     {"anonymous": NULL, "customer_own": OK, "customer_other": NULL, "staff_with": OK,
      "staff_without": NULL}),
    ("distributorByUser", "query($u: ID!) { distributorByUser(userId: $u) { code } }",
     lambda w: {"u": CHEN}, ("MANAGE_USERS",),
     {"anonymous": DENIED, "customer_own": DENIED, "customer_other": DENIED,
      "staff_with": OK, "staff_without": DENIED}),
    ("grades", "{ grades { name } }", lambda w: {}, ("MANAGE_USERS",),
     {"anonymous": DENIED, "customer_own": DENIED, "customer_other": DENIED,
      "staff_with": OK, "staff_without": DENIED}),
    ("programmeSettings", "{ programmeSettings { joiningMode } }", lambda w: {},
     ("MANAGE_USERS",),
     {"anonymous": DENIED, "customer_own": DENIED, "customer_other": DENIED,
      "staff_with": OK, "staff_without": DENIED}),
    ("programmeTerms", "{ programmeTerms { joiningMode } }", lambda w: {}, (),
     {role: OK for role in ROLES}),
    ("distributorCard", '{ distributorCard(code: "chen42") { code } }', lambda w: {}, (),
     {role: OK for role in ROLES}),
    ("programmeOverview",
     '{ programmeOverview(period: {gte: "2026-11-01", lte: "2026-11-30"}) { currency } }',
     lambda w: {}, ("MANAGE_USERS", "MANAGE_ORDERS"),
     {"anonymous": DENIED, "customer_own": DENIED, "customer_other": DENIED,
      "staff_with": OK, "staff_without": DENIED}),
    ("auditEvents", "{ auditEvents(first: 5) { totalCount } }", lambda w: {},
     ("MANAGE_USERS",),
     {"anonymous": DENIED, "customer_own": DENIED, "customer_other": DENIED,
      "staff_with": OK, "staff_without": DENIED}),
    ("me", "{ me { distributor { code } } }", lambda w: {}, (),
     {"anonymous": NULL, "customer_own": OK, "customer_other": "me_without_distributor",
      "staff_with": "me_without_distributor", "staff_without": "me_without_distributor"}),
    ("_entities",
     'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { distributor '
     "{ code } } } }",
     lambda w: {"r": [{"__typename": "User", "id": CHEN}]}, ("MANAGE_USERS",),
     {"anonymous": "entity_null", "customer_own": "entity_ok", "customer_other": "entity_null",
      "staff_with": "entity_ok", "staff_without": "entity_null"}),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "query", "variables", "permissions", "outcomes"), QUERIES,
                         ids=[f"{q[0]}-{i}" for i, q in enumerate(QUERIES)])
def test_queries(call, world, role, name, query, variables, permissions, outcomes):
    body = call(role, query, variables(world), permissions)

    outcome = outcomes[role]
    if outcome == DENIED:
        # `grades` is a non-null list: its error nulls the whole data, as GraphQL says.
        assert body["data"] == (None if name == "grades" else {name: None})
        assert [e["extensions"]["code"] for e in body["errors"]] == ["PERMISSION_DENIED"]
    elif outcome == NULL:
        assert body == {"data": {name: None}}
    elif outcome == "me_without_distributor":
        assert body == {"data": {"me": {"distributor": None}}}
    elif outcome == "entity_null":
        assert body == {"data": {"_entities": [{"distributor": None}]}}
    elif outcome == "entity_ok":
        assert body == {"data": {"_entities": [{"distributor": {"code": "CHEN42"}}]}}
    else:
        assert "errors" not in body, body
        assert body["data"][name] is not None


# Fields of a distributor that only some of those who see it may read: the distributor
# themself sees them, staff with MANAGE_USERS see balances and links, and the money lists
# need MANAGE_ORDERS too.
FIELDS = [
    ("balances { currency }", ("MANAGE_USERS",), [{"currency": "USD"}], []),
    ("referralLinks { url }", ("MANAGE_USERS",), [{"url": "http://testserver/r/CHEN42"}], []),
    ("ledger(first: 5) { totalCount }", ("MANAGE_USERS", "MANAGE_ORDERS"), {"totalCount": 2},
     None),
]


@pytest.mark.parametrize(("field", "permissions", "shown", "hidden"), FIELDS)
def test_private_fields_of_a_distributor(graphql, customer_token, staff_token, world, field,
                                         permissions, shown, hidden):
    name = field.split("(")[0].split(" ")[0]
    query = "query($id: ID!) { distributor(id: $id) { FIELD } }".replace("FIELD", field)
    variables = {"id": chen_id(world)}

    own = graphql(query, variables, token=customer_token())[1]
    staff = graphql(query, variables, token=staff_token(*permissions))[1]
    assert own == staff == {"data": {"distributor": {name: shown}}}
    if len(permissions) > 1:  # MANAGE_USERS alone: the distributor, not the money
        only_users = graphql(query, variables, token=staff_token("MANAGE_USERS"))[1]
        assert only_users == {"data": {"distributor": {name: hidden}}}
    # A team member's view of their upline does not exist; the upline's view of a team
    # member hides them.
    team_view = graphql(
        "{ me { distributor { team(first: 5) { edges { node { FIELD } } } } } }".replace(
            "FIELD", field
        ),
        token=customer_token(user_id="VXNlcjo1MA=="),
    )[1]
    assert team_view == {"data": {"me": {"distributor": {"team": {"edges": [
        {"node": {name: hidden}}
    ]}}}}}


STAFF_USERS = ("MANAGE_USERS",)
MUTATIONS: list[tuple[str, str, Callable[[dict], dict], tuple[str, ...], tuple[str, ...]]] = [
    # (name, mutation, variables(world), staff permissions, roles allowed)
    ("distributorApprove", "mutation($id: ID!) { distributorApprove(id: $id) { errors { code } } }",
     lambda w: {"id": gid("Distributor", w["applicant"].pk)}, STAFF_USERS, ("staff_with",)),
    ("distributorReject",
     'mutation($id: ID!) { distributorReject(id: $id, reason: "no") { errors { code } } }',
     lambda w: {"id": gid("Distributor", w["applicant"].pk)}, STAFF_USERS, ("staff_with",)),
    ("distributorSuspend",
     'mutation($id: ID!) { distributorSuspend(id: $id, reason: "no") { errors { code } } }',
     lambda w: {"id": chen_id(w)}, STAFF_USERS, ("staff_with",)),
    ("distributorReinstate",
     "mutation($id: ID!) { distributorReinstate(id: $id) { errors { code } } }",
     lambda w: {"id": chen_id(w)}, STAFF_USERS, ()),  # CHEN42 is active: nobody may
    ("distributorSetGrade",
     "mutation($id: ID!, $g: ID) { distributorSetGrade(id: $id, gradeId: $g) { errors { code } } }",
     lambda w: {"id": chen_id(w), "g": gid("Grade", w["gold"].pk)}, STAFF_USERS,
     ("staff_with",)),
    ("gradeCreate",
     'mutation { gradeCreate(input: {name: "silver", rank: 2, minTeamSize: 3}) '
     "{ errors { code } } }",
     lambda w: {}, STAFF_USERS, ("staff_with",)),
    ("gradeUpdate",
     "mutation($id: ID!) { gradeUpdate(id: $id, input: {minTeamSize: 5}) { errors { code } } }",
     lambda w: {"id": gid("Grade", w["gold"].pk)}, STAFF_USERS, ("staff_with",)),
    ("gradeDelete",
     "mutation($id: ID!) { gradeDelete(id: $id) { errors { code } } }",
     lambda w: {"id": gid("Grade", w["gold"].pk)}, STAFF_USERS, ("staff_with",)),
    ("distributorMove",
     "mutation($id: ID!) { distributorMove(id: $id, parentId: null) { errors { code } } }",
     lambda w: {"id": chen_id(w)}, STAFF_USERS, ("staff_with",)),
    ("programmeSettingsUpdate",
     "mutation { programmeSettingsUpdate(input: {protectionDays: 3}) { errors { code } } }",
     lambda w: {}, STAFF_USERS, ("staff_with",)),
    ("ledgerAdjust",
     'mutation($id: ID!) { ledgerAdjust(distributorId: $id, amount: "1.00", currency: "USD", '
     'reason: "test") { errors { code } } }',
     lambda w: {"id": chen_id(w)}, ("MANAGE_ORDERS",), ("staff_with",)),
    ("distributorApply", "mutation { distributorApply(input: {}) { errors { code } } }",
     lambda w: {}, (), ("customer_other",)),  # the customer who is no distributor yet
    ("referralLinkCreate",
     'mutation { referralLinkCreate(channel: "default-channel", productId: "UHJvZHVjdDox") '
     "{ errors { code } } }",
     lambda w: {}, (), ("customer_own",)),  # a distributor's own link
    ("customerBind", 'mutation { customerBind(code: "WANG01") { errors { code } } }',
     lambda w: {}, (), ("customer_own", "customer_other")),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "mutation", "variables", "permissions", "allowed"), MUTATIONS,
                         ids=[m[0] for m in MUTATIONS])
def test_mutations(call, world, installation, make_grade, role, name, mutation, variables,
                   permissions, allowed):
    world["gold"] = make_grade("gold")
    before = api_state(installation)

    body = call(role, mutation, variables(world), permissions)

    assert "errors" not in body, body
    errors = body["data"][name]["errors"]
    if role in allowed:
        assert errors == []
        assert api_state(installation) != before
    else:
        # Refused: for permission, or (a caller who may run it) by the rules; no change.
        assert len(errors) == 1
        may_run = role == "staff_with" or (not permissions and role.startswith("customer"))
        if not may_run:
            assert errors == [{"code": "PERMISSION_DENIED"}]
        assert api_state(installation) == before


def test_a_staff_token_of_another_installation_sees_nothing(graphql, staff_token, world,
                                                            other_installation, make_seller):
    elsewhere = make_seller("ELSE01", inst=other_installation)

    _, body = graphql("query($id: ID!) { distributor(id: $id) { code } }",
                      {"id": gid("Distributor", elsewhere.pk)}, token=staff_token("MANAGE_USERS"))

    assert body == {"data": {"distributor": None}}
