"""Abusive queries are refused before they run."""

from saleor_distribution.graphql.core.validation import MAX_COST, MAX_DEPTH, MAX_ENTITIES


def test_too_deep_query_is_refused():
    # A recursive type (as a team of distributors with their teams) allows any depth.
    import graphene

    from graphql import parse, validate
    from saleor_distribution.graphql.core.validation import validation_rules

    class Member(graphene.ObjectType):
        name = graphene.String()
        team = graphene.List(lambda: Member)

    class Query(graphene.ObjectType):
        root = graphene.Field(Member)

    schema = graphene.Schema(query=Query).graphql_schema
    ok = "{ root " + "{ team " * (MAX_DEPTH - 1) + "{ name }" + " }" * (MAX_DEPTH - 1) + " }"
    deep = "{ root " + "{ team " * MAX_DEPTH + "{ name }" + " }" * MAX_DEPTH + " }"

    assert validate(schema, parse(ok), validation_rules()) == []
    errors = validate(schema, parse(deep), validation_rules())
    assert [e.message for e in errors] == [
        f"'anonymous' exceeds maximum operation depth of {MAX_DEPTH}."
    ]


def test_too_costly_query_is_refused(graphql, fake_installation):
    # Each aliased field costs 1; MAX_COST + 1 of them exceed the budget.
    fields = " ".join(f"a{i}: __typename" for i in range(MAX_COST + 1))

    status, body = graphql("{ " + fields + " }")

    assert status == 400
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


def test_too_many_entities_are_refused(graphql, customer_token, fake_installation):
    query = "query($reps: [_Any!]!) { _entities(representations: $reps) { ... on User { id } } }"
    reps = [{"__typename": "User", "id": f"VXNlcjo{i}"} for i in range(MAX_ENTITIES + 1)]

    _status, body = graphql(query, {"reps": reps}, token=customer_token())

    assert body["errors"][0]["extensions"]["code"] == "TOO_MANY_ENTITIES"
    assert body["data"] is None
