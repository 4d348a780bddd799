"""The `/graphql/` endpoint: graphene-django's view with our auth context and limits."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from graphene_django.views import GraphQLView as BaseGraphQLView

from saleor_distribution.graphql.core.context import TokenError, Viewer, viewer_for_request
from saleor_distribution.graphql.core.validation import (
    EntitiesLimitMiddleware,
    validation_rules,
)

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


def graphql_view() -> Any:
    from saleor_distribution.graphql.api import schema

    return GraphQLView.as_view(
        schema=schema,
        graphiql=settings.DEBUG,
        validation_rules=validation_rules(),
        middleware=[EntitiesLimitMiddleware()],
    )
