"""Saleor's webhook signature: a compact JWS, RS256, with a detached unencoded payload
(RFC 7797): `b64url(header) + ".." + b64url(signature)`, signed over
`b64url(header) + "." + raw body`. Verification is PyJWT's; this module only selects the
key by `kid` and insists on the header Saleor sends.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import jwt
from jwt import PyJWK, PyJWKSet
from jwt.exceptions import PyJWKError, PyJWKSetError


class SignatureError(Exception):
    """The signature is missing, malformed or does not match the body."""


class UnknownKeyError(SignatureError):
    """The signature names a `kid` the JWKS does not have (refetch the JWKS once)."""

    def __init__(self, kid: str | None) -> None:
        super().__init__("no JWKS key has the signature's kid")
        self.kid = kid


def signature_kid(signature: str) -> str | None:
    """The `kid` of a detached JWS, after checking it is the kind Saleor sends."""
    if not signature or signature.count(".") != 2 or signature.split(".")[1] != "":
        raise SignatureError("not a detached compact JWS")
    try:
        header = jwt.get_unverified_header(signature)
    except jwt.DecodeError as exc:
        raise SignatureError("unreadable JWS header") from exc
    if header.get("alg") != "RS256" or header.get("b64") is not False:
        raise SignatureError("unexpected JWS header: need RS256 with b64=false")
    kid = header.get("kid")
    return kid if isinstance(kid, str) else None


def key_for_kid(jwks: dict[str, Any], kid: str | None) -> PyJWK:
    # Keyed by the JWKS's content, so a changed JWKS is parsed afresh and never served stale.
    keys = _parsed_keys(json.dumps(jwks, sort_keys=True, separators=(",", ":")))
    for key in keys:
        if key.key_id == kid:
            return key
    raise UnknownKeyError(kid)


@lru_cache(maxsize=128)
def _parsed_keys(canonical_jwks: str) -> tuple[PyJWK, ...]:
    """The usable keys of a JWKS. Loading RSA keys is a large share of verifying one
    delivery, and an installation's JWKS changes only when Saleor rotates its key."""
    jwks = json.loads(canonical_jwks)
    if not jwks:
        return ()
    try:
        return tuple(PyJWKSet.from_dict(jwks).keys)
    except (PyJWKSetError, PyJWKError):
        return ()


def verify_detached(body: bytes, signature: str, jwks: dict[str, Any]) -> str:
    """Verify `signature` over the raw `body` with the JWKS key it names; return its kid."""
    kid = signature_kid(signature)
    key = key_for_kid(jwks, kid)
    try:
        jwt.api_jws.decode_complete(
            signature, key=key.key, algorithms=["RS256"], detached_payload=body
        )
    except jwt.InvalidTokenError as exc:
        raise SignatureError("signature does not match the body") from exc
    return kid or ""
