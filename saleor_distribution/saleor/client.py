"""A small GraphQL-over-HTTP client for Saleor's API, authenticated with the app token.

Every document it sends is a file under `graphql/` (see `documents.load`). Timeouts are
explicit; network errors and 5xx answers are retried with backoff for queries (mutations
retry only a connection that was never made); failures surface as typed errors.
"""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import requests

from saleor_distribution.core.http import HttpPolicy, build_session
from saleor_distribution.core.secrets import Secret
from saleor_distribution.saleor import documents

logger = logging.getLogger(__name__)


class SaleorError(Exception):
    """Base of every failure talking to Saleor. `retryable` says whether trying later helps."""

    retryable = False


class SaleorNetworkError(SaleorError):
    retryable = True


class SaleorHTTPError(SaleorError):
    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.retryable = status_code >= 500 or status_code == 429


class SaleorResponseError(SaleorError):
    """Saleor answered something that is not a GraphQL response."""


class SaleorGraphQLError(SaleorError):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        messages = "; ".join(str(e.get("message", "")) for e in errors)
        super().__init__(f"Saleor returned GraphQL errors: {messages}")
        self.errors = errors


def jwks_url(saleor_api_url: str) -> str:
    """Saleor publishes its JWKS at the origin of the API URL, not under /graphql/."""
    parts = urlsplit(saleor_api_url)
    return f"{parts.scheme}://{parts.netloc}/.well-known/jwks.json"


class SaleorClient:
    def __init__(
        self,
        api_url: str,
        token: Secret | None = None,
        *,
        policy: HttpPolicy | None = None,
    ) -> None:
        self.api_url = api_url
        self._token = token
        self._policy = policy or HttpPolicy.from_settings()

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token.reveal()}"
        return headers

    def _post(self, payload: dict[str, Any], *, idempotent: bool) -> requests.Response:
        with build_session(self._policy, idempotent=idempotent) as session:
            try:
                return session.post(
                    self.api_url,
                    data=json.dumps(payload),
                    headers=self._headers(),
                    timeout=self._policy.timeout,
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                raise SaleorNetworkError(f"cannot reach Saleor at {self.api_url}") from exc

    def execute(
        self,
        document_path: str,
        variables: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Send the document at `graphql/<document_path>`; return its `data`.

        Mutations (documents under `mutations/`) are not retried once sent.
        """
        query = documents.load(document_path)
        idempotent = not document_path.startswith("mutations/")
        response = self._post({"query": query, "variables": variables or {}}, idempotent=idempotent)
        if response.status_code >= 300:
            logger.warning(
                "Saleor answered an HTTP error",
                extra={"saleor_api_url": self.api_url, "status_code": response.status_code},
            )
            raise SaleorHTTPError(
                response.status_code, f"Saleor answered HTTP {response.status_code}"
            )
        try:
            body = json.loads(response.content, parse_float=Decimal)
        except ValueError as exc:
            raise SaleorResponseError("Saleor's answer is not JSON") from exc
        if not isinstance(body, dict):
            raise SaleorResponseError("Saleor's answer is not a GraphQL response")
        if body.get("errors"):
            raise SaleorGraphQLError(list(body["errors"]))
        data = body.get("data")
        if not isinstance(data, dict):
            raise SaleorResponseError("Saleor's answer has no data")
        return data

    def fetch_jwks(self) -> dict[str, Any]:
        url = jwks_url(self.api_url)
        with build_session(self._policy, idempotent=True) as session:
            try:
                response = session.get(url, timeout=self._policy.timeout, allow_redirects=False)
            except requests.RequestException as exc:
                raise SaleorNetworkError(f"cannot fetch Saleor's JWKS from {url}") from exc
        if response.status_code != 200:
            raise SaleorHTTPError(
                response.status_code, f"JWKS answered HTTP {response.status_code}"
            )
        try:
            jwks = response.json()
        except ValueError as exc:
            raise SaleorResponseError("Saleor's JWKS is not JSON") from exc
        if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
            raise SaleorResponseError("Saleor's JWKS has no keys")
        return jwks
