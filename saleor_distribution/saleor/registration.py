"""Proving that a registration request is genuine (APP-CONTRACT §1.4).

Saleor's POST to `tokenTargetUrl` is unsigned, so anyone could post a token. We ask the named
Saleor who the token belongs to (`app { id identifier }`) and fetch its JWKS; only a Saleor
that confirms the token as this app's gets an installation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from saleor_distribution.core.secrets import Secret
from saleor_distribution.saleor.client import SaleorClient


class TokenNotConfirmed(Exception):
    """Saleor does not recognise the token as this app's."""


@dataclass(frozen=True)
class ConfirmedApp:
    app_id: str
    identifier: str
    jwks: dict[str, Any]


def app_identity(client: SaleorClient) -> tuple[str, str] | None:
    """`(app id, identifier)` of the client's token, or None if Saleor does not know it."""
    data = client.execute("queries/AppIdentity.graphql")
    app = data.get("app")
    if not app:
        return None
    return str(app["id"]), str(app.get("identifier") or "")


def confirm_app_token(saleor_api_url: str, token: Secret, expected_identifier: str) -> ConfirmedApp:
    """Raises `TokenNotConfirmed`, or a `SaleorError` if Saleor cannot be asked."""
    client = SaleorClient(saleor_api_url, token)
    identity = app_identity(client)
    if identity is None:
        raise TokenNotConfirmed("Saleor does not recognise this token")
    app_id, identifier = identity
    if identifier != expected_identifier:
        raise TokenNotConfirmed(
            f"the token belongs to app {identifier!r}, not {expected_identifier!r}"
        )
    return ConfirmedApp(app_id=app_id, identifier=identifier, jwks=client.fetch_jwks())
