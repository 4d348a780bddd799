"""Withdrawals and payouts through the API: the staff queue, approvals that move the
ledger, the distributor's own requests and payee accounts, payout settings whose secrets
never come back, and refused input that changes nothing."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from graphql_relay import to_global_id

from saleor_distribution.ledger.models import Account, LedgerEntry
from saleor_distribution.network.actions import add_distributor
from saleor_distribution.withdrawals import actions
from saleor_distribution.withdrawals.models import (
    PayeeAccount,
    ProviderConfig,
    Withdrawal,
    WithdrawalEvent,
)
from tests.fakes.wechat_oauth import FakeWeChatOAuth
from tests.fixtures.withdrawals import (
    ALIPAY_USER_ID,
    OPENID,
    STAFF,
    balances,
    bind_alipay,
    bind_wechat,
    configure_alipay,
    configure_wechat,
    fund,
    set_rules,
)
from tests.withdrawals.helpers import buckets, cny

CHEN = "VXNlcjo0OA=="  # the default customer token's user
WANG = "VXNlcjo1MA=="
D = Decimal

ROW = """id status channel payee providerStatus failureReason rejectionReason requestedAt
  amount { currency amount } fee { amount } net { amount } distributor { code }"""
QUEUE = f"""query($first: Int, $after: String, $filter: WithdrawalFilterInput,
  $sortBy: WithdrawalSortingInput) {{ withdrawals(first: $first, after: $after, filter: $filter,
  sortBy: $sortBy) {{ totalCount pageInfo {{ hasNextPage endCursor }}
  edges {{ node {{ {ROW} }} }} }} }}"""
ONE = """query($id: ID!) { withdrawal(id: $id) { id status amount { amount }
  events { type actor message } confirmation { mchId appId package } } }"""
APPROVE = f"""mutation($id: ID!) {{ withdrawalApprove(id: $id) {{ withdrawal {{ {ROW} }}
  errors {{ field code message }} }} }}"""
APPROVE_MANY = """mutation($ids: [ID!]!) { withdrawalsApprove(ids: $ids) {
  withdrawals { id status } errors { field code message } } }"""
REJECT = """mutation($id: ID!, $reason: String!) { withdrawalReject(id: $id, reason: $reason) {
  withdrawal { id status rejectionReason } errors { field code message } } }"""
REQUEST = f"""mutation(
  $amount: String!, $currency: String!, $channel: PayoutChannelEnum!, $key: String
) {{
  withdrawalRequest(amount: $amount, currency: $currency, channel: $channel, requestKey: $key) {{
  withdrawal {{ {ROW} }} errors {{ field code message }} }} }}"""
SETTINGS_FIELDS = """wechatEnabled wechatMchId wechatAppId wechatConfigured alipayEnabled
  alipayAppId alipayConfigured manualEnabled"""
SETTINGS = f"{{ payoutSettings {{ {SETTINGS_FIELDS} }} }}"
SETTINGS_UPDATE = f"""mutation($input: PayoutSettingsInput!) {{ payoutSettingsUpdate(input: $input)
  {{ payoutSettings {{ {SETTINGS_FIELDS} }} errors {{ field code message }} }} }}"""
BIND = """mutation($input: PayeeAccountBindInput!) { payeeAccountBind(input: $input) {
  payeeAccount { channel kind identity realName } errors { field code message } } }"""


@pytest.fixture
def installation(fake_installation):
    return fake_installation


@pytest.fixture
def chen(installation):
    return add_distributor(
        installation, saleor_user_id=CHEN, email="chen.xiaoyu@example.com", code="CHEN42"
    )


@pytest.fixture
def wang(installation):
    return add_distributor(
        installation, saleor_user_id=WANG, email="wang.fang@example.com", code="WANG01"
    )


@pytest.fixture
def alipay_ready(installation, fake_alipay, chen, wang):
    """Alipay set up against its fake, CNY rules, Chen and Wang funded with 500.00 each and
    bound to Alipay accounts."""
    configure_alipay(installation, fake_alipay)
    set_rules(installation, channels=["alipay", "wechat", "manual"])
    for distributor in (chen, wang):
        fund(distributor, "500.00")
        bind_alipay(distributor)
    return fake_alipay


@pytest.fixture
def token_for(staff_token, customer_token):
    def make(role):
        return {
            "staff": lambda: staff_token("MANAGE_ORDERS"),
            "staff_without": lambda: staff_token("MANAGE_USERS"),
            "chen": lambda: customer_token(),
            "wang": lambda: customer_token(user_id=WANG, email="wang.fang@example.com"),
            "stranger": lambda: customer_token(user_id="VXNlcjo5OQ==", email="x@example.com"),
            "anonymous": lambda: None,
        }[role]()

    return make


def request(distributor, amount, channel="alipay"):
    return actions.request_withdrawal(
        distributor.installation, distributor, amount=cny(amount), channel=channel
    )


def gid(withdrawal):
    return to_global_id("Withdrawal", withdrawal.pk)


def account_of(distributor):
    return Account.objects.get(distributor=distributor, currency="CNY")


def state(*distributors):
    """Everything a refused call must leave as it was."""
    return {
        "balances": [balances(account_of(d)) for d in distributors],
        "withdrawals": list(Withdrawal.objects.order_by("pk").values_list("pk", "status")),
        "entries": LedgerEntry.objects.count(),
        "events": WithdrawalEvent.objects.count(),
    }


# --- The staff queue -------------------------------------------------------------------


def test_staff_list_the_queue_with_exact_rows(graphql, token_for, alipay_ready, chen, wang):
    first = request(chen, "100.00")
    second = request(wang, "20.50")

    _, body = graphql(QUEUE, {"first": 10}, token=token_for("staff"))

    connection = body["data"]["withdrawals"]
    assert connection["totalCount"] == 2
    assert connection["pageInfo"]["hasNextPage"] is False
    rows = [edge["node"] for edge in connection["edges"]]
    assert [row["id"] for row in rows] == [gid(first), gid(second)]  # oldest first
    assert {k: v for k, v in rows[0].items() if k != "requestedAt"} == {
        "id": gid(first),
        "status": "REQUESTED",
        "channel": "ALIPAY",
        "payee": "••••1234 *三",
        "providerStatus": None,
        "failureReason": None,
        "rejectionReason": None,
        "amount": {"currency": "CNY", "amount": "100.00"},
        "fee": {"amount": "0.00"},
        "net": {"amount": "100.00"},
        "distributor": {"code": "CHEN42"},
    }


def test_staff_filter_sort_and_page_the_queue(graphql, token_for, alipay_ready, chen, wang):
    small = request(chen, "10.00")
    large = request(chen, "90.00")
    middle = request(wang, "50.00")
    rejected = request(wang, "5.00")
    actions.reject_withdrawal(wang.installation, rejected.pk, reason="x", staff_user_id=STAFF)
    by_amount = {"field": "AMOUNT", "direction": "DESC"}

    _, page1 = graphql(
        QUEUE,
        {"first": 2, "sortBy": by_amount, "filter": {"status": ["REQUESTED"]}},
        token=token_for("staff"),
    )
    cursor = page1["data"]["withdrawals"]["pageInfo"]["endCursor"]
    _, page2 = graphql(
        QUEUE,
        {"first": 2, "after": cursor, "sortBy": by_amount, "filter": {"status": ["REQUESTED"]}},
        token=token_for("staff"),
    )
    _, of_wang = graphql(
        QUEUE,
        {"filter": {"distributor": to_global_id("Distributor", wang.pk)}},
        token=token_for("staff"),
    )
    _, unknown = graphql(QUEUE, {"filter": {"distributor": "garbage"}}, token=token_for("staff"))

    def ids(body):
        return [edge["node"]["id"] for edge in body["data"]["withdrawals"]["edges"]]

    assert ids(page1) == [gid(large), gid(middle)]
    assert page1["data"]["withdrawals"]["totalCount"] == 3
    assert page1["data"]["withdrawals"]["pageInfo"]["hasNextPage"] is True
    assert ids(page2) == [gid(small)]
    assert page2["data"]["withdrawals"]["pageInfo"]["hasNextPage"] is False
    assert ids(of_wang) == [gid(middle), gid(rejected)]
    assert ids(unknown) == []


@pytest.mark.parametrize("role", ["staff_without", "chen", "anonymous"])
def test_only_staff_with_manage_orders_see_the_queue(graphql, token_for, alipay_ready, chen, role):
    request(chen, "10.00")

    _, body = graphql(QUEUE, {"first": 10}, token=token_for(role))

    assert body == {"data": {"withdrawals": None}}


def test_a_page_of_100_costs_the_same_queries_as_a_page_of_5(
    graphql, token_for, alipay_ready, chen, wang, django_assert_max_num_queries
):
    set_rules(chen.installation, channels=["alipay"], min_amount="0.01")
    for n in range(100):
        request(chen if n % 2 else wang, f"{n % 7 + 1}.00")
    query = QUEUE.replace("id status", "id status events { type actor message }")

    with django_assert_max_num_queries(12) as small:
        _, five = graphql(query, {"first": 5}, token=token_for("staff"))
    with django_assert_max_num_queries(12) as large:
        _, hundred = graphql(query, {"first": 100}, token=token_for("staff"))

    assert len(five["data"]["withdrawals"]["edges"]) == 5
    assert len(hundred["data"]["withdrawals"]["edges"]) == 100
    assert hundred["data"]["withdrawals"]["edges"][0]["node"]["events"] == [
        {"type": "requested", "actor": f"distributor:{wang.pk}", "message": None}
    ]
    assert len(large.captured_queries) == len(small.captured_queries)


# --- One withdrawal -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "visible", "actor"),
    [
        ("staff", True, "staff:VXNlcjox"),
        ("chen", True, "staff"),  # the distributor sees the role, not the staff member's id
        ("wang", False, None),
        ("stranger", False, None),
        ("staff_without", False, None),
        ("anonymous", False, None),
    ],
)
def test_who_reads_a_withdrawal(graphql, token_for, alipay_ready, chen, role, visible, actor):
    withdrawal = request(chen, "30.00")
    actions.reject_withdrawal(
        chen.installation, withdrawal.pk, reason="Account under review", staff_user_id=STAFF
    )

    _, body = graphql(ONE, {"id": gid(withdrawal)}, token=token_for(role))

    if not visible:
        assert body == {"data": {"withdrawal": None}}
        return
    assert body["data"]["withdrawal"] == {
        "id": gid(withdrawal),
        "status": "REJECTED",
        "amount": {"amount": "30.00"},
        "events": [
            {
                "type": "requested",
                "actor": "distributor" if role == "chen" else f"distributor:{chen.pk}",
                "message": None,
            },
            {"type": "rejected", "actor": actor, "message": "Account under review"},
        ],
        "confirmation": None,
    }


def test_only_the_payee_gets_the_wechat_confirmation(
    graphql, token_for, installation, fake_wechatpay, chen, django_capture_on_commit_callbacks
):
    configure_wechat(installation, fake_wechatpay)
    set_rules(installation, channels=["wechat"])
    fund(chen, "500.00")
    bind_wechat(chen)
    withdrawal = request(chen, "88.00", channel="wechat")

    with django_capture_on_commit_callbacks(execute=True):
        # The submission runs after commit (here: when the block ends; eager Celery).
        graphql(APPROVE, {"id": gid(withdrawal)}, token=token_for("staff"))
    _, as_chen = graphql(ONE, {"id": gid(withdrawal)}, token=token_for("chen"))
    _, as_staff = graphql(ONE, {"id": gid(withdrawal)}, token=token_for("staff"))

    withdrawal.refresh_from_db()
    assert as_chen["data"]["withdrawal"]["status"] == "AWAITING_CONFIRMATION"
    assert as_chen["data"]["withdrawal"]["confirmation"] == {
        "mchId": fake_wechatpay.mchid,
        "appId": "wx8888888888888888",
        "package": withdrawal.package_info,
    }
    assert withdrawal.package_info
    assert as_staff["data"]["withdrawal"]["confirmation"] is None


# --- Approve and reject ----------------------------------------------------------------


def test_approving_through_the_api_pays_out_and_moves_the_ledger(
    graphql, token_for, alipay_ready, chen, django_capture_on_commit_callbacks
):
    withdrawal = request(chen, "120.00")
    assert balances(account_of(chen)) == buckets("380.00", withdrawing="120.00")

    with django_capture_on_commit_callbacks(execute=True):
        _, body = graphql(APPROVE, {"id": gid(withdrawal)}, token=token_for("staff"))

    # Approved in the answer; the payout was sent after commit (eager Celery in tests).
    result = body["data"]["withdrawalApprove"]
    assert result["errors"] == []
    assert result["withdrawal"]["status"] == "APPROVED"
    withdrawal.refresh_from_db()
    assert (withdrawal.status, withdrawal.provider_state) == ("paid", "SUCCESS")
    assert withdrawal.approved_by == "staff:VXNlcjox"
    assert balances(account_of(chen)) == buckets("380.00", withdrawing="0", paid="120.00")
    _, read = graphql(ONE, {"id": gid(withdrawal)}, token=token_for("chen"))
    assert [e["type"] for e in read["data"]["withdrawal"]["events"]] == [
        "requested",
        "approved",
        "submit_claimed",
        "paid",
    ]


@pytest.mark.parametrize("role", ["staff_without", "chen", "wang", "anonymous"])
def test_only_staff_with_manage_orders_approve_or_reject(
    graphql, token_for, alipay_ready, chen, wang, role, django_capture_on_commit_callbacks
):
    withdrawal = request(chen, "40.00")
    before = state(chen, wang)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _, one = graphql(APPROVE, {"id": gid(withdrawal)}, token=token_for(role))
        _, many = graphql(APPROVE_MANY, {"ids": [gid(withdrawal)]}, token=token_for(role))
        _, rejected = graphql(
            REJECT, {"id": gid(withdrawal), "reason": "no"}, token=token_for(role)
        )

    denied = [
        {
            "field": None,
            "code": "PERMISSION_DENIED",
            "message": "You need the MANAGE_ORDERS permission.",
        }
    ]
    assert one["data"]["withdrawalApprove"] == {"withdrawal": None, "errors": denied}
    assert many["data"]["withdrawalsApprove"] == {"withdrawals": [], "errors": denied}
    assert rejected["data"]["withdrawalReject"] == {"withdrawal": None, "errors": denied}
    assert callbacks == []
    assert state(chen, wang) == before


def test_staff_approve_a_batch_with_an_error_per_refused_id(
    graphql, token_for, alipay_ready, chen, wang, other_installation
):
    first, second, third = request(chen, "10.00"), request(wang, "11.00"), request(chen, "12.00")
    actions.reject_withdrawal(chen.installation, third.pk, reason="x", staff_user_id=STAFF)
    foreign = to_global_id("Withdrawal", 999_999)

    _, body = graphql(
        APPROVE_MANY,
        {"ids": [gid(second), gid(third), "garbage", gid(first), foreign]},
        token=token_for("staff"),
    )

    result = body["data"]["withdrawalsApprove"]
    assert result["withdrawals"] == [
        {"id": gid(first), "status": "APPROVED"},
        {"id": gid(second), "status": "APPROVED"},
    ]
    assert result["errors"] == [
        {"field": "ids", "code": "NOT_FOUND", "message": "garbage: No such withdrawal."},
        {
            "field": "ids",
            "code": "INVALID_STATUS",
            "message": f"{gid(third)}: Only a requested withdrawal can be approved "
            "(this one is rejected).",
        },
        {"field": "ids", "code": "NOT_FOUND", "message": f"{foreign}: No such withdrawal."},
    ]


def test_rejecting_releases_the_hold_and_keeps_the_reason(graphql, token_for, alipay_ready, chen):
    withdrawal = request(chen, "75.00")

    _, body = graphql(
        REJECT,
        {"id": gid(withdrawal), "reason": "  Payee name mismatch "},
        token=token_for("staff"),
    )

    assert body["data"]["withdrawalReject"] == {
        "withdrawal": {
            "id": gid(withdrawal),
            "status": "REJECTED",
            "rejectionReason": "Payee name mismatch",
        },
        "errors": [],
    }
    assert balances(account_of(chen)) == buckets("500.00")


@pytest.mark.parametrize(
    ("mutation", "variables", "error"),
    [
        (REJECT, {"reason": "   "}, {"field": "reason", "code": "REQUIRED"}),
        (REJECT, {"id": "garbage", "reason": "x"}, {"field": "id", "code": "NOT_FOUND"}),
        (APPROVE, {"id": to_global_id("Distributor", 1)}, {"field": "id", "code": "NOT_FOUND"}),
        (APPROVE, {"id": "approved"}, {"field": "id", "code": "INVALID_STATUS"}),
        (APPROVE, {"id": "foreign"}, {"field": "id", "code": "NOT_FOUND"}),
    ],
)
def test_refused_approvals_and_rejections_change_nothing(
    graphql, token_for, alipay_ready, chen, wang, other_installation, mutation, variables, error
):
    withdrawal = request(chen, "60.00")
    approved = request(wang, "61.00")
    actions.approve_withdrawal(wang.installation, approved.pk, staff_user_id=STAFF)
    foreign_owner = add_distributor(other_installation, saleor_user_id=CHEN, email="c@example.com")
    fund(foreign_owner, "100.00")
    set_rules(other_installation, channels=["alipay"])
    configure_alipay(other_installation, alipay_ready)
    bind_alipay(foreign_owner)
    foreign = request(foreign_owner, "10.00")
    ids = {"approved": gid(approved), "foreign": gid(foreign)}
    variables = {"id": gid(withdrawal), **variables}
    variables["id"] = ids.get(variables["id"], variables["id"])
    before = state(chen, wang, foreign_owner)

    _, body = graphql(mutation, variables, token=token_for("staff"))

    result = next(iter(body["data"].values()))
    assert result["withdrawal"] is None
    assert [{"field": e["field"], "code": e["code"]} for e in result["errors"]] == [error]
    assert state(chen, wang, foreign_owner) == before


# --- The distributor's own requests ------------------------------------------------------


def test_a_distributor_requests_a_withdrawal_and_the_amount_is_held(
    graphql, token_for, alipay_ready, chen, wang
):
    _, body = graphql(
        REQUEST,
        {"amount": "123.45", "currency": "CNY", "channel": "ALIPAY", "key": "tap-1"},
        token=token_for("chen"),
    )
    _, again = graphql(
        REQUEST,
        {"amount": "123.45", "currency": "CNY", "channel": "ALIPAY", "key": "tap-1"},
        token=token_for("chen"),
    )

    result = body["data"]["withdrawalRequest"]
    assert result["errors"] == []
    withdrawal = Withdrawal.objects.get()
    assert result["withdrawal"]["id"] == gid(withdrawal)
    assert again["data"]["withdrawalRequest"]["withdrawal"]["id"] == gid(withdrawal)
    assert (result["withdrawal"]["status"], result["withdrawal"]["amount"]) == (
        "REQUESTED",
        {"currency": "CNY", "amount": "123.45"},
    )
    assert (withdrawal.distributor_id, withdrawal.amount) == (chen.pk, D("123.45"))
    assert balances(account_of(chen)) == buckets("376.55", withdrawing="123.45")
    assert balances(account_of(wang)) == buckets("500.00")


@pytest.mark.parametrize(
    ("amount", "currency", "channel", "error"),
    [
        ("-5.00", "CNY", "ALIPAY", {"field": "amount", "code": "INVALID_AMOUNT"}),
        ("0", "CNY", "ALIPAY", {"field": "amount", "code": "INVALID_AMOUNT"}),
        ("0.00", "CNY", "ALIPAY", {"field": "amount", "code": "INVALID_AMOUNT"}),
        ("12.345", "CNY", "ALIPAY", {"field": "amount", "code": "INVALID_AMOUNT"}),
        ("1e3", "CNY", "ALIPAY", {"field": "amount", "code": "INVALID_AMOUNT"}),
        ("NaN", "CNY", "ALIPAY", {"field": "amount", "code": "INVALID_AMOUNT"}),
        ("ten", "CNY", "ALIPAY", {"field": "amount", "code": "INVALID_AMOUNT"}),
        ("0.50", "CNY", "ALIPAY", {"field": "amount", "code": "AMOUNT_TOO_LOW"}),
        ("500.01", "CNY", "ALIPAY", {"field": "amount", "code": "INSUFFICIENT_FUNDS"}),
        ("60000.00", "CNY", "ALIPAY", {"field": "amount", "code": "AMOUNT_TOO_HIGH"}),
        ("10.00", "cny", "ALIPAY", {"field": "currency", "code": "CURRENCY_NOT_SUPPORTED"}),
        ("10.00", "USD", "ALIPAY", {"field": "currency", "code": "WITHDRAWALS_DISABLED"}),
        ("10.00", "CNY", "DUMMY", {"field": "channel", "code": "CHANNEL_NOT_OFFERED"}),
        ("10.00", "CNY", "WECHAT", {"field": "channel", "code": "CHANNEL_NOT_CONFIGURED"}),
    ],
)
def test_bad_requests_return_coded_errors_and_leave_the_ledger(
    graphql, token_for, alipay_ready, chen, wang, amount, currency, channel, error
):
    before = state(chen, wang)

    _, body = graphql(
        REQUEST,
        {"amount": amount, "currency": currency, "channel": channel},
        token=token_for("chen"),
    )

    result = body["data"]["withdrawalRequest"]
    assert result["withdrawal"] is None
    assert [{"field": e["field"], "code": e["code"]} for e in result["errors"]] == [error]
    assert state(chen, wang) == before
    assert balances(account_of(chen)) == buckets("500.00")


@pytest.mark.parametrize("role", ["staff", "staff_without", "stranger", "anonymous"])
def test_only_a_distributor_requests_a_withdrawal(
    graphql, token_for, alipay_ready, chen, wang, role
):
    before = state(chen, wang)

    _, body = graphql(
        REQUEST, {"amount": "10.00", "currency": "CNY", "channel": "ALIPAY"}, token=token_for(role)
    )

    result = body["data"]["withdrawalRequest"]
    assert result["withdrawal"] is None
    assert [e["code"] for e in result["errors"]] == ["PERMISSION_DENIED"]
    assert state(chen, wang) == before


# --- Payout settings -------------------------------------------------------------------


def secrets_of(fake_wechatpay, fake_alipay):
    wechat = fake_wechatpay.provider_credentials()
    alipay = fake_alipay.provider_credentials()
    return {
        "wechatPrivateKey": wechat["private_key"],
        "wechatApiV3Key": wechat["apiv3_key"],
        "wechatAppSecret": wechat["app_secret"],
        "alipayPrivateKey": alipay["app_private_key"],
    }


def full_input(fake_wechatpay, fake_alipay):
    wechat = fake_wechatpay.provider_options()
    alipay = fake_alipay.provider_options()
    return {
        "wechatEnabled": True,
        "wechatMchId": wechat["mchid"],
        "wechatAppId": wechat["appid"],
        "wechatMerchantSerialNo": wechat["cert_serial_no"],
        "wechatPublicKeyId": wechat["public_key_id"],
        "wechatPlatformPublicKey": wechat["public_key"],
        "alipayEnabled": True,
        "alipayAppId": alipay["app_id"],
        "alipayAppPublicCert": alipay["app_public_cert"],
        "alipayPublicKey": alipay["alipay_public_cert"],
        "alipayRootCert": alipay["alipay_root_cert"],
        "manualEnabled": True,
        **secrets_of(fake_wechatpay, fake_alipay),
    }


def secret_fragments(secrets):
    """The secrets and any 12-character piece of them (a masked key shows its tail)."""
    fragments = set()
    for value in secrets.values():
        body = "".join(line for line in value.splitlines() if "-----" not in line)
        fragments.add(value)
        fragments.update(body[i : i + 12] for i in range(0, max(1, len(body) - 12), 7))
    return fragments


def test_payout_settings_store_secrets_that_never_come_back(
    graphql, token_for, installation, fake_wechatpay, fake_alipay
):
    secrets = secrets_of(fake_wechatpay, fake_alipay)

    _, created = graphql(
        SETTINGS_UPDATE,
        {"input": full_input(fake_wechatpay, fake_alipay)},
        token=token_for("staff"),
    )
    _, toggled = graphql(
        SETTINGS_UPDATE,
        {"input": {"wechatEnabled": False, "manualEnabled": False}},
        token=token_for("staff"),
    )
    _, read = graphql(SETTINGS, token=token_for("staff"))

    expected = {
        "wechatEnabled": True,
        "wechatMchId": fake_wechatpay.mchid,
        "wechatAppId": fake_wechatpay.appid,
        "wechatConfigured": True,
        "alipayEnabled": True,
        "alipayAppId": fake_alipay.app_id,
        "alipayConfigured": True,
        "manualEnabled": True,
    }
    assert created["data"]["payoutSettingsUpdate"] == {"payoutSettings": expected, "errors": []}
    after = {**expected, "wechatEnabled": False, "manualEnabled": False}
    assert toggled["data"]["payoutSettingsUpdate"] == {"payoutSettings": after, "errors": []}
    assert read["data"]["payoutSettings"] == after
    # Omitted secrets were kept; nothing secret is in any answer, not even a piece.
    wechat = ProviderConfig.objects.get(installation=installation, channel="wechat")
    assert {k: v.reveal() for k, v in wechat.secrets().items()} == {
        "private_key": secrets["wechatPrivateKey"],
        "apiv3_key": secrets["wechatApiV3Key"],
        "app_secret": secrets["wechatAppSecret"],
    }
    answers = json.dumps([created, toggled, read])
    assert [f for f in secret_fragments(secrets) if f in answers] == []


def test_a_new_secret_replaces_the_old_one(
    graphql, token_for, installation, fake_wechatpay, fake_alipay
):
    graphql(
        SETTINGS_UPDATE,
        {"input": full_input(fake_wechatpay, fake_alipay)},
        token=token_for("staff"),
    )

    _, body = graphql(
        SETTINGS_UPDATE,
        {"input": {"wechatAppSecret": "a-new-app-secret-987654321"}},
        token=token_for("staff"),
    )

    assert body["data"]["payoutSettingsUpdate"]["errors"] == []
    assert "a-new-app-secret" not in json.dumps(body)
    wechat = ProviderConfig.objects.get(installation=installation, channel="wechat")
    assert wechat.secrets()["app_secret"].reveal() == "a-new-app-secret-987654321"
    assert (
        wechat.secrets()["apiv3_key"].reveal() == fake_wechatpay.provider_credentials()["apiv3_key"]
    )


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        (
            {"alipayPrivateKey": "not a key"},
            {"field": "options", "code": "INVALID_PROVIDER_CONFIG"},
        ),
        ({"wechatApiV3Key": "short"}, {"field": "options", "code": "INVALID_PROVIDER_CONFIG"}),
        (
            {"alipayPublicKey": "MIIBIjANBgkq"},
            {"field": "alipayPublicKey", "code": "INVALID_PROVIDER_CONFIG"},
        ),
        ({"wechatMerchantSerialNo": ""}, {"field": "options", "code": "INVALID_PROVIDER_CONFIG"}),
    ],
)
def test_a_refused_channel_leaves_every_channel_as_it_was(
    graphql, token_for, installation, fake_wechatpay, fake_alipay, overrides, error
):
    graphql(SETTINGS_UPDATE, {"input": {"manualEnabled": True}}, token=token_for("staff"))
    before = list(
        ProviderConfig.objects.values_list("channel", "is_active", "options", "updated_at")
    )
    events = WithdrawalEvent.objects.count()

    _, body = graphql(
        SETTINGS_UPDATE,
        {"input": {**full_input(fake_wechatpay, fake_alipay), "manualEnabled": False, **overrides}},
        token=token_for("staff"),
    )

    result = body["data"]["payoutSettingsUpdate"]
    assert result["payoutSettings"] is None
    assert [{"field": e["field"], "code": e["code"]} for e in result["errors"]] == [error]
    assert (
        list(ProviderConfig.objects.values_list("channel", "is_active", "options", "updated_at"))
        == before
    )
    assert WithdrawalEvent.objects.count() == events


@pytest.mark.parametrize("role", ["staff_without", "chen", "anonymous"])
def test_only_staff_with_manage_orders_read_or_change_payout_settings(
    graphql, token_for, installation, fake_wechatpay, fake_alipay, role
):
    _, read = graphql(SETTINGS, token=token_for(role))
    _, changed = graphql(
        SETTINGS_UPDATE, {"input": full_input(fake_wechatpay, fake_alipay)}, token=token_for(role)
    )

    assert read == {"data": {"payoutSettings": None}}
    assert [e["code"] for e in changed["data"]["payoutSettingsUpdate"]["errors"]] == [
        "PERMISSION_DENIED"
    ]
    assert ProviderConfig.objects.count() == 0


# --- Payee accounts ----------------------------------------------------------------------


def test_a_distributor_binds_an_alipay_account_shown_masked(graphql, token_for, chen):
    _, body = graphql(
        BIND,
        {
            "input": {
                "channel": "ALIPAY",
                "kind": "ALIPAY_LOGON_ID",
                "identity": "13812345678",
                "realName": "张三丰",
            }
        },
        token=token_for("chen"),
    )
    _, listed = graphql(
        "{ payeeAccounts { channel kind identity realName } }", token=token_for("chen")
    )

    account = {
        "channel": "ALIPAY",
        "kind": "ALIPAY_LOGON_ID",
        "identity": "138••••5678",
        "realName": "**丰",
    }
    assert body["data"]["payeeAccountBind"] == {"payeeAccount": account, "errors": []}
    assert listed["data"]["payeeAccounts"] == [account]
    assert "13812345678" not in json.dumps([body, listed])
    stored = PayeeAccount.objects.get(distributor=chen)
    assert (stored.identity.reveal(), stored.real_name.reveal()) == ("13812345678", "张三丰")


@pytest.mark.parametrize(
    ("bind", "error"),
    [
        (
            {"channel": "WECHAT", "kind": "WECHAT_OPENID", "identity": OPENID},
            {"field": "channel", "code": "INVALID_PAYEE"},
        ),
        (
            {"channel": "ALIPAY", "kind": "ALIPAY_LOGON_ID", "identity": "13812345678"},
            {"field": "realName", "code": "REAL_NAME_REQUIRED"},
        ),
        (
            {"channel": "ALIPAY", "kind": "ALIPAY_USER_ID", "identity": "2088"},
            {"field": "identity", "code": "INVALID_PAYEE"},
        ),
        (
            {"channel": "ALIPAY", "kind": "BANK_ACCOUNT", "identity": "6222020200112233"},
            {"field": "kind", "code": "INVALID_PAYEE"},
        ),
    ],
)
def test_bad_payee_accounts_are_refused_and_bind_nothing(graphql, token_for, chen, bind, error):
    bind_alipay(chen)
    before = list(PayeeAccount.objects.values_list("pk", "unbound_at"))

    _, body = graphql(BIND, {"input": bind}, token=token_for("chen"))

    result = body["data"]["payeeAccountBind"]
    assert result["payeeAccount"] is None
    assert [{"field": e["field"], "code": e["code"]} for e in result["errors"]] == [error]
    assert list(PayeeAccount.objects.values_list("pk", "unbound_at")) == before


@pytest.mark.parametrize("role", ["staff", "stranger", "anonymous"])
def test_only_a_distributor_binds_accounts(graphql, token_for, chen, role):
    _, body = graphql(
        BIND,
        {"input": {"channel": "ALIPAY", "kind": "ALIPAY_USER_ID", "identity": ALIPAY_USER_ID}},
        token=token_for(role),
    )
    _, listed = graphql("{ payeeAccounts { identity } }", token=token_for(role))
    _, unbound = graphql(
        "mutation { payeeAccountUnbind(channel: ALIPAY) { errors { code } } }",
        token=token_for(role),
    )

    assert [e["code"] for e in body["data"]["payeeAccountBind"]["errors"]] == ["PERMISSION_DENIED"]
    assert [e["code"] for e in unbound["data"]["payeeAccountUnbind"]["errors"]] == [
        "PERMISSION_DENIED"
    ]
    assert listed == {"data": {"payeeAccounts": None}}
    assert PayeeAccount.objects.count() == 0


def test_a_distributor_unbinds_their_account(graphql, token_for, chen, wang):
    bind_alipay(chen)
    bind_alipay(wang)
    query = "mutation { payeeAccountUnbind(channel: ALIPAY) { errors { field code } } }"

    _, first = graphql(query, token=token_for("chen"))
    _, second = graphql(query, token=token_for("chen"))

    assert first["data"]["payeeAccountUnbind"]["errors"] == []
    assert second["data"]["payeeAccountUnbind"]["errors"] == [
        {"field": "channel", "code": "NOT_FOUND"}
    ]
    assert list(
        PayeeAccount.objects.filter(unbound_at__isnull=True).values_list("distributor", flat=True)
    ) == [wang.pk]


@pytest.fixture
def wechat_login(installation, fake_wechatpay):
    credentials = fake_wechatpay.provider_credentials()
    oauth = FakeWeChatOAuth(appid=fake_wechatpay.appid, secret=credentials["app_secret"]).start()
    actions.configure_provider(
        installation,
        "wechat",
        options={**fake_wechatpay.provider_options(), "oauth_api_base_url": oauth.url},
        credentials=credentials,
        gateway_url=fake_wechatpay.url,
        staff_user_id=STAFF,
    )
    yield oauth
    oauth.stop()


def test_a_distributor_binds_wechat_by_logging_in(graphql, token_for, chen, wechat_login):
    _, url = graphql(
        '{ wechatAuthorizeUrl(redirectUri: "https://shop.example.com/bind", state: "s1") }',
        token=token_for("chen"),
    )
    code = wechat_login.issue_code(OPENID)
    bind = """mutation($code: String!) { wechatAccountBind(code: $code, realName: "张三") {
      payeeAccount { channel kind identity realName } errors { field code message } } }"""

    _, bound = graphql(bind, {"code": code}, token=token_for("chen"))
    _, replayed = graphql(bind, {"code": code}, token=token_for("chen"))

    assert url["data"]["wechatAuthorizeUrl"] == (
        "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx8888888888888888"
        "&redirect_uri=https%3A%2F%2Fshop.example.com%2Fbind&response_type=code"
        "&scope=snsapi_base&state=s1#wechat_redirect"
    )
    assert bound["data"]["wechatAccountBind"]["errors"] == []
    assert bound["data"]["wechatAccountBind"]["payeeAccount"]["channel"] == "WECHAT"
    assert bound["data"]["wechatAccountBind"]["payeeAccount"]["realName"] == "*三"
    assert OPENID not in json.dumps(bound)
    assert replayed["data"]["wechatAccountBind"]["errors"] == [
        {
            "field": "code",
            "code": "WECHAT_LOGIN_FAILED",
            "message": "WeChat did not accept the login: invalid code.",
        }
    ]
    assert (
        PayeeAccount.objects.get(distributor=chen, unbound_at__isnull=True).identity.reveal()
        == OPENID
    )


@pytest.mark.parametrize("role", ["staff", "stranger", "anonymous"])
def test_only_a_distributor_gets_a_wechat_login(graphql, token_for, chen, wechat_login, role):
    _, url = graphql(
        '{ wechatAuthorizeUrl(redirectUri: "https://shop.example.com/bind", state: "s1") }',
        token=token_for(role),
    )
    _, bound = graphql(
        'mutation { wechatAccountBind(code: "abc") { errors { code } } }', token=token_for(role)
    )

    assert url == {"data": {"wechatAuthorizeUrl": None}}
    assert bound["data"]["wechatAccountBind"]["errors"] == [{"code": "PERMISSION_DENIED"}]
    assert wechat_login.requests == []
    assert PayeeAccount.objects.count() == 0
