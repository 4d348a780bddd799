"""Staff mutations: distributor status, grade and place in the tree, programme settings,
ledger adjustments; each audited, each bad input refused with a code and no change."""

from decimal import Decimal

import pytest

from saleor_distribution.core.models import AuditEvent
from saleor_distribution.ledger.fetch import accounts_out_of_balance
from saleor_distribution.ledger.models import Account, LedgerEntry
from saleor_distribution.network import actions, fetch
from saleor_distribution.network.models import Distributor, DistributorStatus, JoiningMode
from tests.fixtures.api import api_state, configure_links, gid
from tests.fixtures.graphql import STAFF_USER_ID
from tests.fixtures.network import assert_tree_consistent


@pytest.fixture
def tree(make_seller, make_grade, installation):
    """ROOT01 ─ MID001 ─ LEAF01;  APPL01 (applied)."""
    root = make_seller("ROOT01")
    mid = make_seller("MID001", parent=root)
    leaf = make_seller("LEAF01", parent=mid)
    applicant = make_seller("APPL01", status=DistributorStatus.APPLIED)
    return {"ROOT01": root, "MID001": mid, "LEAF01": leaf, "APPL01": applicant,
            "gold": make_grade("gold", rank=3)}


def events(installation):
    return list(
        AuditEvent.objects.filter(installation=installation)
        .order_by("pk")
        .values_list("action", "subject_id", "actor_id", "reason")
    )


STATUS = """mutation($id: ID!, $reason: String!) {
  approve: distributorApprove(id: $id) { distributor { code status approvedAt } errors { code } }
}"""


def run(graphql, token, mutation, variables):
    status, body = graphql(mutation, variables, token=token)
    assert status == 200 and "errors" not in body, body
    (result,) = body["data"].values()
    return result


def test_staff_approve_an_applicant(graphql, staff_token, tree, installation):
    result = run(graphql, staff_token("MANAGE_USERS"),
                 "mutation($id: ID!) { distributorApprove(id: $id) { distributor { code status } "
                 "errors { field code } } }",
                 {"id": gid("Distributor", tree["APPL01"].pk)})

    assert result == {"distributor": {"code": "APPL01", "status": "ACTIVE"}, "errors": []}
    applicant = Distributor.objects.get(pk=tree["APPL01"].pk)
    assert applicant.status == DistributorStatus.ACTIVE and applicant.approved_at is not None
    assert events(installation) == [
        ("distributor.approve", str(applicant.pk), STAFF_USER_ID, "")
    ]


@pytest.mark.parametrize(
    ("mutation", "code", "arguments", "status", "reason"),
    [
        ("distributorReject", "APPL01", ', reason: "incomplete"', "REJECTED", "incomplete"),
        ("distributorSuspend", "MID001", ', reason: "fake orders"', "SUSPENDED", "fake orders"),
    ],
)
def test_staff_reject_and_suspend_with_a_reason(graphql, staff_token, tree, installation,
                                                mutation, code, arguments, status, reason):
    result = run(graphql, staff_token("MANAGE_USERS"),
                 f"mutation($id: ID!) {{ {mutation}(id: $id{arguments}) {{ "
                 "distributor { code status statusReason } errors { code } } }",
                 {"id": gid("Distributor", tree[code].pk)})

    assert result == {"distributor": {"code": code, "status": status, "statusReason": reason},
                      "errors": []}
    action = mutation.removeprefix("distributor").lower()
    assert events(installation) == [
        (f"distributor.{action}", str(tree[code].pk), STAFF_USER_ID, reason)
    ]


def test_staff_reinstate_a_suspended_distributor(graphql, staff_token, tree, installation):
    token = staff_token("MANAGE_USERS")
    mid = gid("Distributor", tree["MID001"].pk)
    run(graphql, token, 'mutation($id: ID!) { distributorSuspend(id: $id, reason: "x") '
        "{ errors { code } } }", {"id": mid})

    result = run(graphql, token, "mutation($id: ID!) { distributorReinstate(id: $id) "
                 "{ distributor { status statusReason } errors { code } } }", {"id": mid})

    assert result == {"distributor": {"status": "ACTIVE", "statusReason": None}, "errors": []}
    assert [e[0] for e in events(installation)] == ["distributor.suspend",
                                                    "distributor.reinstate"]


@pytest.mark.parametrize(
    ("mutation", "code"),
    [
        ("distributorApprove(id: $id)", "ROOT01"),  # already active
        ('distributorReject(id: $id, reason: "no")', "ROOT01"),
        ("distributorReinstate(id: $id)", "ROOT01"),
        ('distributorSuspend(id: $id, reason: "no")', "APPL01"),  # not active yet
    ],
)
def test_impossible_transitions_change_nothing(graphql, staff_token, tree, installation,
                                               mutation, code):
    before = api_state(installation)

    result = run(graphql, staff_token("MANAGE_USERS"),
                 f"mutation($id: ID!) {{ r: {mutation} {{ distributor {{ code }} "
                 "errors { field code message } } }",
                 {"id": gid("Distributor", tree[code].pk)})

    assert result["distributor"] is None
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("status",
                                                                    "INVALID_TRANSITION")]
    assert api_state(installation) == before


@pytest.mark.parametrize(
    "bad_id",
    ["", "garbage", gid("Grade", 1), gid("Distributor", 999999), gid("Distributor", "1 OR 1=1")],
)
def test_unknown_ids_are_not_found_and_change_nothing(graphql, staff_token, tree, installation,
                                                      bad_id):
    before = api_state(installation)

    result = run(graphql, staff_token("MANAGE_USERS"),
                 "mutation($id: ID!) { distributorApprove(id: $id) { distributor { code } "
                 "errors { field code } } }", {"id": bad_id})

    assert result == {"distributor": None, "errors": [{"field": "id", "code": "NOT_FOUND"}]}
    assert api_state(installation) == before


def test_another_installations_distributor_is_not_found(graphql, staff_token, tree,
                                                        other_installation, make_seller):
    elsewhere = make_seller("ELSE01", inst=other_installation,
                            status=DistributorStatus.APPLIED)

    result = run(graphql, staff_token("MANAGE_USERS"),
                 "mutation($id: ID!) { distributorApprove(id: $id) { errors { field code } } }",
                 {"id": gid("Distributor", elsewhere.pk)})

    assert result == {"errors": [{"field": "id", "code": "NOT_FOUND"}]}
    assert Distributor.objects.get(pk=elsewhere.pk).status == DistributorStatus.APPLIED


GRADE = """mutation($id: ID!, $grade: ID) { distributorSetGrade(id: $id, gradeId: $grade) {
  distributor { grade { name } } errors { field code } } }"""


def test_staff_set_and_clear_a_grade(graphql, staff_token, tree, installation):
    token = staff_token("MANAGE_USERS")
    leaf = gid("Distributor", tree["LEAF01"].pk)

    assert run(graphql, token, GRADE, {"id": leaf, "grade": gid("Grade", tree["gold"].pk)}) == {
        "distributor": {"grade": {"name": "gold"}}, "errors": []
    }
    assert run(graphql, token, GRADE, {"id": leaf, "grade": None}) == {
        "distributor": {"grade": None}, "errors": []
    }
    assert [e[0] for e in events(installation)] == ["distributor.set_grade"] * 2


def test_a_grade_of_another_installation_is_refused(graphql, staff_token, tree, installation,
                                                     other_installation):
    from saleor_distribution.network.models import Grade

    foreign = Grade.objects.create(installation=other_installation, name="gold", rank=1)
    before = api_state(installation)

    result = run(graphql, staff_token("MANAGE_USERS"), GRADE,
                 {"id": gid("Distributor", tree["LEAF01"].pk), "grade": gid("Grade", foreign.pk)})

    assert result == {"distributor": None, "errors": [{"field": "gradeId",
                                                       "code": "INVALID_GRADE"}]}
    assert api_state(installation) == before


MOVE = """mutation($id: ID!, $parent: ID) { distributorMove(id: $id, parentId: $parent) {
  distributor { code depth parent { code } } errors { field code message } } }"""


def test_staff_move_a_subtree(graphql, staff_token, tree, installation, make_seller):
    other = make_seller("OTHR01")
    token = staff_token("MANAGE_USERS")

    result = run(graphql, token, MOVE, {"id": gid("Distributor", tree["MID001"].pk),
                                        "parent": gid("Distributor", other.pk)})

    assert result == {"distributor": {"code": "MID001", "depth": 1, "parent": {"code": "OTHR01"}},
                      "errors": []}
    assert Distributor.objects.get(pk=tree["LEAF01"].pk).depth == 2
    assert_tree_consistent(installation)
    assert events(installation)[-1][0] == "distributor.move"

    to_top = run(graphql, token, MOVE, {"id": gid("Distributor", tree["MID001"].pk),
                                        "parent": None})
    assert to_top["distributor"] == {"code": "MID001", "depth": 0, "parent": None}
    assert_tree_consistent(installation)


@pytest.mark.parametrize("target", ["MID001", "LEAF01"])
def test_moving_under_oneself_or_ones_team_changes_nothing(graphql, staff_token, tree,
                                                           installation, target):
    before = api_state(installation)

    result = run(graphql, staff_token("MANAGE_USERS"), MOVE,
                 {"id": gid("Distributor", tree["MID001"].pk),
                  "parent": gid("Distributor", tree[target].pk)})

    assert result["distributor"] is None
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("parentId", "CYCLE")]
    assert api_state(installation) == before


def test_moving_under_an_unknown_parent_is_not_found(graphql, staff_token, tree, installation):
    before = api_state(installation)

    result = run(graphql, staff_token("MANAGE_USERS"), MOVE,
                 {"id": gid("Distributor", tree["MID001"].pk), "parent": "nope"})

    assert result["errors"] == [{"field": "parentId", "code": "NOT_FOUND",
                                 "message": "No such distributor."}]
    assert api_state(installation) == before


SETTINGS_UPDATE = """mutation($input: ProgrammeSettingsInput!) {
  programmeSettingsUpdate(input: $input) {
    programmeSettings { joiningMode joinSpendThreshold { amount currency } bindingPermanent
      bindingDays lastTouch protectionDays bindNewCustomersOnly storefrontUrlTemplate
      defaultChannel storefrontUrls { channel home link product } clickRateLimit
      defaultSponsor { code } }
    errors { field code message } } }"""


def test_staff_change_the_programme_settings(graphql, staff_token, tree, installation):
    result = run(graphql, staff_token("MANAGE_USERS"), SETTINGS_UPDATE, {"input": {
        "joiningMode": "SPEND_THRESHOLD",
        "joinSpendThreshold": {"amount": "199.00", "currency": "CNY"},
        "bindingPermanent": False, "bindingDays": 30, "lastTouch": True, "protectionDays": 7,
        "defaultChannel": "channel-cn",
        "storefrontUrls": [{"channel": "channel-cn", "home": "https://cn.shop.example.com/",
                            "link": "https://cn.shop.example.com/?ref={code}"}],
        "storefrontUrlTemplate": "https://cn.shop.example.com/join?ref={code}",
        "defaultSponsorId": gid("Distributor", tree["ROOT01"].pk),
    }})

    assert result == {"errors": [], "programmeSettings": {
        "joiningMode": "SPEND_THRESHOLD",
        "joinSpendThreshold": {"amount": "199.00", "currency": "CNY"},
        "bindingPermanent": False, "bindingDays": 30, "lastTouch": True, "protectionDays": 7,
        "bindNewCustomersOnly": False,
        "storefrontUrlTemplate": "https://cn.shop.example.com/join?ref={code}",
        "defaultChannel": "channel-cn",
        "storefrontUrls": [{"channel": "channel-cn", "home": "https://cn.shop.example.com/",
                            "link": "https://cn.shop.example.com/join?ref={code}",
                            "product": None}],
        "clickRateLimit": 10, "defaultSponsor": {"code": "ROOT01"},
    }}
    policy = fetch.get_policy(installation)
    assert (policy.joining_mode, policy.join_spend_threshold_amount,
            policy.default_sponsor_id) == (JoiningMode.SPEND_THRESHOLD, Decimal("199.000"),
                                           tree["ROOT01"].pk)
    assert events(installation)[-1][0] == "network_policy.update"

    # Null clears the threshold and the sponsor; what is not sent stays.
    cleared = run(graphql, staff_token("MANAGE_USERS"), SETTINGS_UPDATE, {"input": {
        "joiningMode": "OPEN", "joinSpendThreshold": None, "defaultSponsorId": None,
        "bindingPermanent": True,
    }})
    assert cleared["programmeSettings"]["joinSpendThreshold"] is None
    assert cleared["programmeSettings"]["defaultSponsor"] is None
    assert (cleared["programmeSettings"]["bindingPermanent"],
            cleared["programmeSettings"]["bindingDays"],
            cleared["programmeSettings"]["protectionDays"]) == (True, None, 7)


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"joinSpendThreshold": {"amount": "1e3", "currency": "CNY"}}, "joinSpendThreshold",
         "INVALID_POLICY"),
        ({"joinSpendThreshold": {"amount": "10.00", "currency": "XYZ"}}, "joinSpendThreshold",
         "INVALID_POLICY"),
        ({"joiningMode": "SPEND_THRESHOLD"}, "joinSpendThreshold", "INVALID_POLICY"),
        ({"bindingPermanent": True, "bindingDays": 3}, "bindingDays", "INVALID_POLICY"),
        ({"bindingPermanent": False}, "bindingDays", "INVALID_POLICY"),
        ({"bindingDays": 0}, "bindingDays", "INVALID_POLICY"),
        ({"protectionDays": -1}, "protectionDays", "INVALID_POLICY"),
        ({"storefrontUrlTemplate": "https://shop.example.com/?ref={code}"},
         "storefrontUrlTemplate", "INVALID_POLICY"),  # no default channel yet
        ({"storefrontUrls": [{"channel": "c", "link": "ftp://x/{code}"}]}, "storefrontUrls",
         "INVALID_URL_TEMPLATE"),
        ({"defaultSponsorId": "nope"}, "defaultSponsorId", "NOT_FOUND"),
        ({"defaultSponsorId": "APPL01"}, "defaultSponsorId", "INVITER_NOT_ACTIVE"),
    ],
)
def test_bad_settings_change_nothing(graphql, staff_token, tree, installation, changes, field,
                                     code):
    if changes.get("defaultSponsorId") == "APPL01":
        changes["defaultSponsorId"] = gid("Distributor", tree["APPL01"].pk)
    fetch.get_policy(installation)
    before = api_state(installation)

    result = run(graphql, staff_token("MANAGE_USERS"), SETTINGS_UPDATE, {"input": changes})

    assert result["programmeSettings"] is None
    assert [(e["field"], e["code"]) for e in result["errors"]] == [(field, code)]
    assert api_state(installation) == before


ADJUST = """mutation($id: ID!, $amount: String!, $currency: String!, $reason: String!,
                    $request: String, $bucket: LedgerBucketEnum) {
  ledgerAdjust(distributorId: $id, amount: $amount, currency: $currency, reason: $reason,
               requestId: $request, bucket: $bucket) {
    entry { id bucket code reason actor amount { amount currency } }
    errors { field code message } } }"""


def test_staff_adjust_a_balance_once_per_request(graphql, staff_token, tree, installation):
    token = staff_token("MANAGE_ORDERS")
    variables = {"id": gid("Distributor", tree["LEAF01"].pk), "amount": "12.30",
                 "currency": "CNY", "reason": "missed commission", "request": "dash-1"}

    first = run(graphql, token, ADJUST, variables)
    again = run(graphql, token, ADJUST, variables)

    entry = LedgerEntry.objects.get()
    assert first == again == {"errors": [], "entry": {
        "id": gid("LedgerEntry", entry.pk), "bucket": "AVAILABLE", "code": "adjustment",
        "reason": "missed commission", "actor": STAFF_USER_ID,
        "amount": {"amount": "12.30", "currency": "CNY"},
    }}
    assert Account.objects.get().available == Decimal("12.300")
    assert accounts_out_of_balance(installation) == []

    # Without a request id each call is its own adjustment.
    debit = run(graphql, token, ADJUST, {**variables, "amount": "-2.30", "request": None})
    assert debit["entry"]["amount"] == {"amount": "-2.30", "currency": "CNY"}
    assert Account.objects.get().available == Decimal("10.000")

    # Both are in the audit log, on the distributor.
    _, audit = graphql(
        """query($id: String!) { auditEvents(first: 10, filter: {targetType:
        "network.distributor", targetId: $id}) { totalCount edges { node {
        actor action targetId before after reason } } } }""",
        {"id": str(tree["LEAF01"].pk)}, token=staff_token("MANAGE_USERS"),
    )
    nodes = [edge["node"] for edge in audit["data"]["auditEvents"]["edges"]]
    assert audit["data"]["auditEvents"]["totalCount"] == 2
    assert [(n["actor"], n["action"], n["targetId"], n["reason"]) for n in nodes] == [
        ("staff@example.com", "ledger.adjust", str(tree["LEAF01"].pk), "missed commission"),
    ] * 2
    assert [json_of(n["before"])["balance"] for n in nodes] == ["12.300", "0.000"]
    assert [json_of(n["after"])["balance"] for n in nodes] == ["10.000", "12.300"]


def json_of(value):
    import json

    return json.loads(value)


@pytest.mark.parametrize(
    ("variables", "field", "code"),
    [
        ({"amount": "12.3456"}, "amount", "INVALID_AMOUNT"),
        ({"amount": "1e3"}, "amount", "INVALID_AMOUNT"),
        ({"amount": "NaN"}, "amount", "INVALID_AMOUNT"),
        ({"amount": "0.00"}, "amount", "INVALID_AMOUNT"),
        ({"amount": "12.345"}, "amount", "INVALID_AMOUNT"),  # CNY has 2 places
        ({"amount": "-1.01"}, "amount", "INSUFFICIENT_FUNDS"),  # 1.00 available
        ({"currency": "cny"}, "currency", "INVALID"),
        ({"currency": "ABC"}, "currency", "INVALID"),
        ({"reason": "  "}, "reason", "REQUIRED"),
        ({"id": "nope"}, "distributorId", "NOT_FOUND"),
        ({"request": "x" * 101}, "requestId", "REQUIRED"),
        ({"request": "seen", "amount": "5.00"}, "requestId", "REQUEST_CONFLICT"),
    ],
)
def test_bad_adjustments_change_nothing(graphql, staff_token, tree, installation, variables,
                                        field, code):
    token = staff_token("MANAGE_ORDERS")
    base = {"id": gid("Distributor", tree["LEAF01"].pk), "amount": "1.00", "currency": "CNY",
            "reason": "test", "request": "seen"}
    run(graphql, token, ADJUST, base)
    before = api_state(installation)

    result = run(graphql, token, ADJUST, {**base, "request": None, **variables})

    assert result["entry"] is None
    assert [(e["field"], e["code"]) for e in result["errors"]] == [(field, code)]
    assert api_state(installation) == before


def test_audit_events_newest_first_with_filters(graphql, staff_token, tree, installation):
    configure_links(installation)  # a policy change, by the fixture's staff member
    actions.set_grade(tree["MID001"], tree["gold"], actor=actions.audit.Actor.staff("VXNlcjo5"))
    token = staff_token("MANAGE_USERS")

    _, everything = graphql("{ auditEvents(first: 1) { totalCount pageInfo { endCursor } "
                            "edges { node { action targetType } } } }", token=token)
    _, graded = graphql('{ auditEvents(first: 5, filter: {action: "distributor.set_grade"}) '
                        "{ totalCount edges { node { actorId targetId after } } } }", token=token)

    assert everything["data"]["auditEvents"]["totalCount"] == 2
    assert everything["data"]["auditEvents"]["edges"] == [
        {"node": {"action": "distributor.set_grade", "targetType": "network.distributor"}}
    ]
    assert graded["data"]["auditEvents"]["edges"] == [{"node": {
        "actorId": "VXNlcjo5", "targetId": str(tree["MID001"].pk),
        "after": f'{{"grade": {tree["gold"].pk}}}',
    }}]
