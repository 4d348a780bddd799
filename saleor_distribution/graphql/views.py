"""The `/graphql/` endpoint: graphene-django's view with our auth context and limits."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from graphene_django.views import GraphQLView as BaseGraphQLView
from graphene_django.views import HttpError
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLSchema,
    OperationType,
    execute,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
)

from saleor_distribution.graphql.core.context import TokenError, Viewer, viewer_for_request
from saleor_distribution.graphql.core.execution import ExecutionContext
from saleor_distribution.graphql.core.validation import limit_entities, validation_rules

logger = logging.getLogger(__name__)


class RequestContext:
    """What resolvers get as `info.context`: the request and who is calling."""

    def __init__(self, request: HttpRequest, viewer: Viewer) -> None:
        self.request = request
        self.viewer = viewer
        self.dataloaders: dict[str, Any] = {}


def _refusal(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]}, status=status
    )


# Documents longer than this are checked on every request rather than kept.
MAX_CACHED_DOCUMENT_CHARS = 20_000
MAX_VALIDATION_ERRORS = 50


@lru_cache(maxsize=512)
def checked_document(
    schema: GraphQLSchema, query: str
) -> tuple[DocumentNode | None, tuple[GraphQLError, ...]]:
    """A query parsed and validated against the schema: the specification's rules plus our
    depth and cost limits. Both depend on the text alone (variables are checked when the
    operation runs), so a storefront's or the dashboard's fixed documents are checked once
    per process instead of on every request."""
    try:
        document = parse(query)
    except GraphQLError as error:
        return None, (error,)
    rules = [*specified_rules, *validation_rules()]
    return document, tuple(validate(schema, document, rules, MAX_VALIDATION_ERRORS))


@method_decorator(csrf_exempt, name="dispatch")
class GraphQLView(BaseGraphQLView):
    # Tokens travel in headers, not cookies, so CSRF does not apply.

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            request.viewer = viewer_for_request(request)  # type: ignore[attr-defined]
        except TokenError as exc:
            logger.info("GraphQL request with a refused token", extra={"reason": str(exc)})
            return _refusal(401, "INVALID_TOKEN", f"Authentication failed: {exc}.")
        return super().dispatch(request, *args, **kwargs)

    def get_context(self, request: HttpRequest) -> RequestContext:
        return RequestContext(request, request.viewer)  # type: ignore[attr-defined]

    def execute_graphql_request(
        self,
        request: HttpRequest,
        data: Any,
        query: str | None,
        variables: Any,
        operation_name: str | None,
        show_graphiql: bool = False,
    ) -> ExecutionResult | None:
        """graphene-django's, with the document checked through `checked_document`."""
        if not query or len(query) > MAX_CACHED_DOCUMENT_CHARS:
            return super().execute_graphql_request(
                request, data, query, variables, operation_name, show_graphiql
            )
        schema = self.schema.graphql_schema
        document, errors = checked_document(schema, query)
        if document is None or errors:
            return ExecutionResult(data=None, errors=list(errors))
        operation = get_operation_ast(document, operation_name)
        if (
            request.method is not None
            and request.method.lower() == "get"
            and operation is not None
            and operation.operation != OperationType.QUERY
        ):
            if show_graphiql:
                return None
            raise HttpError(
                HttpResponseNotAllowed(
                    ["POST"], f"Can only perform a {operation.operation.value} operation "
                    "from a POST request."
                )
            )
        result = execute(
            schema,
            document,
            root_value=self.get_root_value(request),
            context_value=self.get_context(request),
            variable_values=variables,
            operation_name=operation_name,
            middleware=self.get_middleware(request),
            execution_context_class=self.execution_context_class,
        )
        assert isinstance(result, ExecutionResult), "the API is synchronous"
        return result


def graphql_view() -> Any:
    from saleor_distribution.graphql.api import schema

    limit_entities(schema.graphql_schema)
    return GraphQLView.as_view(
        schema=schema,
        graphiql=settings.DEBUG,
        execution_context_class=ExecutionContext,
        # The specification's rules as well as ours (graphene-django runs only the rules it
        # is given); see `checked_document`, which runs the same for most requests.
        validation_rules=[*specified_rules, *validation_rules()],
    )
