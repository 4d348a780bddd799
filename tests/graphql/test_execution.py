"""The executor's shortcut for plain leaf fields (`graphql/core/execution.py`) answers
exactly as graphql-core does: the clients' own documents through /graphql/, as staff with
and without permissions, as a customer and anonymously, and on a small schema the values
that fail completion (nulls for non-null fields, exceptions, values a scalar refuses)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import graphene
import pytest
from graphql import ExecutionContext as GraphQLCoreExecutionContext

from bench.graphql_api import DASHBOARD_DOCUMENTS, ME, dashboard_document
from saleor_distribution.core.audit import Actor
from saleor_distribution.graphql import views
from saleor_distribution.graphql.core.execution import ExecutionContext
from saleor_distribution.network import actions
from tests.fixtures.api import CHEN, gid
from tests.fixtures.network import STAFF_ID

# The storefront's document (docs/storefront/referral.mjs) and the bench's `me` page.
STOREFRONT = {
    "MyDistributor": "query MyDistributor { me { distributor { code status displayName } } }",
    "Me": ME,
}


@pytest.fixture
def shop(make_seller, make_grade, sell):
    gold = make_grade("gold", rank=2)
    wang = make_seller("WANG01", saleor_user_id="VXNlcjo1MA==", email="wang.fang@example.com")
    chen = make_seller("CHEN42", parent=wang, saleor_user_id=CHEN,
                       email="chen.xiaoyu@example.com")
    kid = make_seller("KID001", parent=chen, grade=gold)
    zhao = make_seller("ZHAO99", parent=wang, email="zhao.lei@example.com")
    actions.suspend(zhao, actor=Actor.staff(STAFF_ID), reason="spam")
    sell(1, "KID001", total="80.00", customer="VXNlcjo5MA==")
    order = sell(2, "CHEN42", total="120.50", customer="VXNlcjo5MQ==")
    return {"chen": chen, "kid": kid, "order_id": order["order"]["id"]}


def dashboard_variables(shop: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    chen = gid("Distributor", shop["chen"].pk)
    page = {"id": chen, "first": 10}
    return {
        "CommissionPlans": [{"first": 10}],
        "CustomerDistributor": [{"userId": CHEN}, {"userId": "VXNlcjo5OTk="}],
        "DistributorDetail": [{"id": chen}, {"id": gid("Distributor", shop["kid"].pk)},
                              {"id": "not-an-id"}],
        "DistributorLedger": [page],
        "DistributorOrders": [page],
        "DistributorTeam": [page],
        "Distributors": [
            {"first": 10},
            {"first": 2, "sortBy": {"field": "SALES", "direction": "DESC"}},
            {"first": 10, "search": "chen"},
            {"first": 10, "filter": {"status": ["SUSPENDED"]}},
        ],
        "Grades": [{}],
        "OrderAttribution": [{"orderId": shop["order_id"]}],
        "PayoutSettings": [{}],
        "ProgrammeOverview": [{"period": {"gte": "2026-11-01", "lte": "2026-12-31"}}],
        "ProgrammeSettings": [{}],
        "WithdrawalHistory": [{"id": gid("Withdrawal", 1)}],
        "Withdrawals": [{"first": 10}],
    }


@pytest.fixture
def answers(graphql, monkeypatch):
    """`answers(query, variables, token)` → (with the shortcut, with graphql-core's own
    executor, how many fields the shortcut served)."""
    served = []
    original = ExecutionContext._plain_leaf_value

    def counting(self, *args):
        served.append(1)
        return original(self, *args)

    monkeypatch.setattr(ExecutionContext, "_plain_leaf_value", counting)
    execute = views.execute

    def call(query, variables, token):
        served.clear()
        fast = graphql(query, variables, token=token)
        count = len(served)
        with monkeypatch.context() as patch:
            patch.setattr(views, "execute", lambda *a, **kw: execute(
                *a, **{**kw, "execution_context_class": GraphQLCoreExecutionContext}))
            plain = graphql(query, variables, token=token)
        return fast, plain, count

    return call


def test_the_dashboards_and_storefronts_documents_answer_as_with_graphql_core(
    answers, shop, staff_token, customer_token
):
    callers = {
        "staff": staff_token("MANAGE_USERS", "MANAGE_ORDERS"),
        "staff without MANAGE_ORDERS": staff_token("MANAGE_USERS"),
        "staff without permissions": staff_token(),
        "customer": customer_token(),
        "anonymous": None,
    }
    documents = [
        (path.stem, dashboard_document(path.stem), variables)
        for path in sorted((DASHBOARD_DOCUMENTS / "queries").glob("*.graphql"))
        for variables in dashboard_variables(shop)[path.stem]
    ] + [(name, query, {}) for name, query in STOREFRONT.items()]
    served = errors = 0
    for name, query, variables in documents:
        for caller, token in callers.items():
            fast, plain, count = answers(query, variables, token)
            assert fast == plain, (name, variables, caller)
            served += count
            errors += bool(plain[1].get("errors"))
    # The comparisons covered the shortcut, and refusals (errors, nulls) as well.
    assert served > 500
    assert errors > 10


# --- completion failures, on a schema made for them ------------------------------------


class Kind(graphene.Enum):
    GOLD = "gold"
    SILVER = "silver"


class Broken:
    """An object row whose attributes fail in the ways resolvers can."""

    name = "broken"
    count = 7
    when = datetime(2026, 12, 4, 8, 30, tzinfo=UTC)
    kind = "gold"
    amount = Decimal("12.30")

    @property
    def label(self) -> str:
        raise ValueError("no label today")


class Child(graphene.ObjectType):
    value = graphene.String()

    @classmethod
    def is_type_of(cls, root: Any, info: Any) -> bool:
        return isinstance(root, dict) and "value" in root


def resolved(root: Any, key: str) -> Any:
    """What a resolver of its own answers for `key` (a callable raises)."""
    value = root.get(key) if isinstance(root, dict) else getattr(root, key, None)
    return value() if callable(value) else value


def fail() -> Any:
    raise LookupError("the resolver failed")


class Row(graphene.ObjectType):
    name = graphene.String(required=True)
    shout = graphene.String(required=True)
    child = graphene.Field(Child)
    required_child = graphene.Field(graphene.NonNull(Child))
    children = graphene.List(Child)
    label = graphene.String()
    count = graphene.Int()
    required_count = graphene.Int(required=True)
    when = graphene.DateTime()
    kind = graphene.Field(Kind)
    amount = graphene.Decimal()
    flag = graphene.Boolean()
    ratio = graphene.Float()

    @staticmethod
    def resolve_shout(root: Any, info: Any) -> Any:
        return resolved(root, "shout")

    @staticmethod
    def resolve_child(root: Any, info: Any) -> Any:
        return resolved(root, "child")

    @staticmethod
    def resolve_required_child(root: Any, info: Any) -> Any:
        return resolved(root, "required_child")


class Query(graphene.ObjectType):
    rows = graphene.List(Row)
    required_rows = graphene.List(graphene.NonNull(Row))

    @staticmethod
    def resolve_rows(root: Any, info: Any) -> list[Any]:
        return ROWS

    @staticmethod
    def resolve_required_rows(root: Any, info: Any) -> list[Any]:
        return ROWS


ROWS: list[Any] = [
    {"name": "plain", "label": "a", "count": 3, "required_count": 1, "flag": True, "ratio": 0.5,
     "when": datetime(2026, 1, 2, tzinfo=UTC), "kind": "silver", "amount": Decimal("1.50"),
     "shout": "HEY", "child": {"value": "c"}, "required_child": {"value": "r"},
     "children": [{"value": "1"}, {"value": None}]},
    {"name": None, "required_count": 2},  # null for a non-null field
    {"name": "huge", "count": 2**40, "required_count": 3, "shout": 2**40},  # Int refuses it
    {"name": "wrong kind", "kind": "bronze", "required_count": 4},  # not an enum value
    {"name": "not a date", "when": "yesterday", "required_count": 5},  # DateTime refuses it
    {"name": "error as value", "label": ValueError("stored error"), "required_count": 6,
     "child": ValueError("stored child error"), "shout": fail},
    {"name": "missing required count", "required_child": fail},  # default None for a non-null
    Broken(),  # its `label` raises; `required_count` is missing
    {"name": 12, "label": ["a", "list"], "count": "17", "required_count": True,
     "flag": 0, "ratio": "2.5", "shout": 5},  # coerced as graphql-core coerces them
    {"name": "wrong types", "required_count": 1, "child": "not a child",
     "required_child": {"other": 1}, "children": ["x"], "shout": None},
]
SMALL_SCHEMA = graphene.Schema(query=Query)
FIELDS = """name label count requiredCount when kind amount flag ratio __typename shout
            child { value } requiredChild { value __typename } children { value }"""


@pytest.mark.parametrize("document", [
    f"{{ rows {{ {FIELDS} }} }}",
    f"{{ requiredRows {{ {FIELDS} }} }}",
    "{ rows { name alias: count ...F } } fragment F on Row { count label kind child { value } }",
    "{ rows { requiredChild { value } } }",
    "{ rows { name shout label count kind child { value } children { value } } }",
])
def test_failed_completions_are_reported_as_graphql_core_reports_them(document):
    plain = SMALL_SCHEMA.execute(document)
    fast = SMALL_SCHEMA.execute(document, execution_context_class=ExecutionContext)

    assert fast.data == plain.data
    assert [e.formatted for e in fast.errors or ()] == [e.formatted for e in plain.errors or ()]
    assert plain.errors  # the document exercises the failures


def test_middleware_turns_the_shortcut_off():
    def upper(next_: Any, root: Any, info: Any, **args: Any) -> Any:
        value = next_(root, info, **args)
        return value.upper() if isinstance(value, str) else value

    document = "{ rows { name label } }"
    plain = SMALL_SCHEMA.execute(document, middleware=[upper])
    fast = SMALL_SCHEMA.execute(
        document, middleware=[upper], execution_context_class=ExecutionContext
    )

    assert fast.data == plain.data
    assert fast.data["rows"][0] == {"name": "PLAIN", "label": "A"}
