"""Verifying the Saleor-issued JWTs callers bring (APP-CONTRACT §4.2, §4.3).

- A storefront customer sends the access token Saleor gave them (`type: access`).
- Staff in the dashboard send the token the dashboard hands to the app
  (`type: thirdparty`, `app` = our app id, `user_permissions` = the staff member's).

Both are RS256 JWTs signed with the key in the installation's JWKS; the issuer is the
installation's API URL. Nothing here trusts a claim before the signature is verified.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import jwt

from saleor_distribution.installations.actions import refetch_jwks
from saleor_distribution.installations.models import Installation, InstallationStatus
from saleor_distribution.saleor import jws

logger = logging.getLogger(__name__)

CUSTOMER_TOKEN_TYPE = "access"
STAFF_TOKEN_TYPE = "thirdparty"
LEEWAY_SECONDS = 5


class TokenError(Exception):
    """The token is missing, malformed, forged, expired, of the wrong type or Saleor."""


@dataclass(frozen=True)
class SaleorToken:
    installation: Installation
    token_type: str
    user_id: str
    email: str
    is_staff: bool
    user_permissions: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_customer(self) -> bool:
        return self.token_type == CUSTOMER_TOKEN_TYPE

    @property
    def is_dashboard(self) -> bool:
        return self.token_type == STAFF_TOKEN_TYPE


def _installation_for(token: str, saleor_api_url: str | None) -> Installation:
    if not saleor_api_url:
        # The issuer names the Saleor; it is only trusted once the signature verifies
        # with that Saleor's key, below.
        try:
            saleor_api_url = jwt.decode(token, options={"verify_signature": False}).get("iss")
        except jwt.DecodeError as exc:
            raise TokenError("the token is not a JWT") from exc
    installation = Installation.objects.filter(
        saleor_api_url=saleor_api_url or "", status=InstallationStatus.ACTIVE
    ).first()
    if installation is None:
        raise TokenError("the token's Saleor has not installed the app")
    return installation


def _signing_key(installation: Installation, token: str) -> Any:
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.DecodeError as exc:
        raise TokenError("the token is not a JWT") from exc
    try:
        return jws.key_for_kid(installation.jwks, kid).key
    except jws.UnknownKeyError:
        jwks = refetch_jwks(installation)
        if jwks is None:
            raise TokenError("the token's signing key is unknown") from None
        try:
            return jws.key_for_kid(jwks, kid).key
        except jws.UnknownKeyError as exc:
            raise TokenError("the token's signing key is unknown") from exc


def verify_saleor_token(token: str, *, saleor_api_url: str | None = None) -> SaleorToken:
    """Verify a customer or dashboard token; raise `TokenError` with the reason otherwise."""
    if not token or token.count(".") != 2:
        raise TokenError("the token is not a JWT")
    installation = _installation_for(token, saleor_api_url)
    key = _signing_key(installation, token)
    try:
        claims = jwt.decode(
            token,
            key=key,
            algorithms=["RS256"],
            issuer=installation.saleor_api_url,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "iss"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("the token has expired") from exc
    except jwt.InvalidIssuerError as exc:
        raise TokenError("the token was issued by another Saleor") from exc
    except jwt.InvalidTokenError as exc:
        raise TokenError("the token is invalid") from exc
    token_type = claims.get("type")
    if token_type == CUSTOMER_TOKEN_TYPE:
        permissions: frozenset[str] = frozenset()
    elif token_type == STAFF_TOKEN_TYPE:
        if claims.get("app") != installation.app_id:
            raise TokenError("the dashboard token was issued to another app")
        permissions = frozenset(str(p) for p in claims.get("user_permissions") or ())
    else:
        raise TokenError("the token is not an access or dashboard token")
    user_id = claims.get("user_id")
    if not isinstance(user_id, str) or not user_id:
        raise TokenError("the token names no user")
    return SaleorToken(
        installation=installation,
        token_type=token_type,
        user_id=user_id,
        email=str(claims.get("email") or ""),
        is_staff=bool(claims.get("is_staff")),
        user_permissions=permissions,
    )
