"""Every GraphQL document the app sends to Saleor is valid against Saleor's schema."""

from functools import lru_cache

import pytest
from graphql.language import OperationDefinitionNode, OperationType

from graphql import GraphQLSchema, build_schema, parse, validate
from saleor_distribution.saleor import documents
from tests.fixtures.saleor_deliveries import saleor_sdl

DOCUMENTS = documents.all_document_paths()


@lru_cache(maxsize=1)
def _schema(sdl: str) -> GraphQLSchema:
    return build_schema(sdl)


@pytest.fixture
def saleor_schema() -> GraphQLSchema:
    return _schema(saleor_sdl("schema.graphql"))


def test_documents_are_found():
    assert "queries/AppIdentity.graphql" in DOCUMENTS
    assert len([d for d in DOCUMENTS if d.startswith("subscriptions/")]) == 16


@pytest.mark.parametrize("path", DOCUMENTS)
def test_document_is_valid_against_saleors_schema(saleor_schema, path):
    errors = validate(saleor_schema, parse(documents.load(path)))

    assert [e.message for e in errors] == []


@pytest.mark.parametrize("path", [d for d in DOCUMENTS if d.startswith("subscriptions/")])
def test_subscription_selects_what_verification_needs(path):
    document = parse(documents.load(path))
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]

    assert [op.operation for op in operations] == [OperationType.SUBSCRIPTION]
    text = documents.load(path)
    for field in ("issuedAt", "version", "recipient { id }", "...EventMetadata"):
        assert field in text


def test_fragments_are_appended_once_and_transitively():
    text = documents.load("subscriptions/order_created.graphql")

    assert text.count("fragment OrderSnapshot on Order") == 1
    assert text.count("fragment EventMetadata on Event") == 1
    assert "fragment CheckoutHint" not in text
