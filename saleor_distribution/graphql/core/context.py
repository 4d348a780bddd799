"""Who is calling the API, decided once per request from the headers.

- `Authorization: Bearer <jwt>` (or app-sdk's `authorization-bearer: <jwt>`): a Saleor
  customer access token or a dashboard token, verified against the installation's JWKS.
- `Saleor-Api-Url`: which Saleor (installation) the caller means; for tokens it is also
  read from the token's issuer.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from saleor_distribution.installations.models import Installation, InstallationStatus
from saleor_distribution.saleor.tokens import SaleorToken, TokenError, verify_saleor_token


@dataclass(frozen=True)
class Viewer:
    installation: Installation | None
    token: SaleorToken | None = None

    @property
    def is_customer(self) -> bool:
        return self.token is not None and self.token.is_customer

    @property
    def is_staff(self) -> bool:
        return self.token is not None and self.token.is_dashboard

    @property
    def user_id(self) -> str | None:
        return self.token.user_id if self.token else None

    def has_permission(self, permission: str) -> bool:
        return self.is_staff and permission in self.token.user_permissions  # type: ignore[union-attr]


def bearer_token(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() in ("bearer", "jwt") and value.strip():
        return value.strip()
    alternative = request.headers.get("Authorization-Bearer", "").strip()
    return alternative or None


def viewer_for_request(request: HttpRequest) -> Viewer:
    """Raises `TokenError` when a token is presented and does not verify."""
    saleor_api_url = request.headers.get("Saleor-Api-Url") or None
    token = bearer_token(request)
    if token is not None:
        verified = verify_saleor_token(token, saleor_api_url=saleor_api_url)
        return Viewer(installation=verified.installation, token=verified)
    installation = None
    if saleor_api_url:
        installation = Installation.objects.filter(
            saleor_api_url=saleor_api_url, status=InstallationStatus.ACTIVE
        ).first()
    return Viewer(installation=installation)


__all__ = ["TokenError", "Viewer", "bearer_token", "viewer_for_request"]
