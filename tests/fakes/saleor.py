"""A loopback fake of the parts of Saleor the app calls: the JWKS and `app { id identifier }`.

It holds real RSA keys and signs deliveries exactly as Saleor does (detached, unencoded
payload JWS, RS256, `kid` = RFC 7638 thumbprint), so verification in tests is real.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

APP_ID = "QXBwOjE="  # the app id the captured deliveries are addressed to (App:1)


def b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class SigningKey:
    private_key: rsa.RSAPrivateKey
    kid: str

    @classmethod
    def generate(cls) -> SigningKey:
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        numbers = private_key.public_key().public_numbers()
        canonical = json.dumps(
            {"e": b64url_uint(numbers.e), "kty": "RSA", "n": b64url_uint(numbers.n)},
            separators=(",", ":"),
            sort_keys=True,
        )
        kid = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=")
        return cls(private_key=private_key, kid=kid.decode())

    def jwk(self) -> dict[str, Any]:
        jwk = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {**jwk, "use": "sig", "kid": self.kid, "alg": "RS256", "key_ops": ["verify"]}

    def sign(self, body: bytes, *, kid: str | None = None) -> str:
        return jwt.api_jws.encode(
            body,
            self.private_key,
            algorithm="RS256",
            headers={"kid": kid or self.kid, "b64": False, "crit": ["b64"], "typ": "JWT"},
            is_payload_detached=True,
        )


@dataclass
class FakeSaleor:
    key: SigningKey
    identifier: str
    tokens: dict[str, str] = field(default_factory=dict)  # token -> app id
    jwks_keys: list[SigningKey] | None = None
    graphql_failures: int = 0  # answer the next N GraphQL requests with HTTP 500
    graphql_raw_answer: bytes | None = None  # answer GraphQL requests with these bytes (HTTP 200)
    jwks_requests: int = 0
    graphql_requests: int = 0
    server: ThreadingHTTPServer | None = None

    @property
    def api_url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/graphql/"

    @property
    def domain(self) -> str:
        assert self.server is not None
        return f"127.0.0.1:{self.server.server_address[1]}"

    def jwks(self) -> dict[str, Any]:
        keys = self.jwks_keys if self.jwks_keys is not None else [self.key]
        return {"keys": [k.jwk() for k in keys]}

    def sign(self, body: bytes) -> str:
        return self.key.sign(body)

    def _answer_graphql(self, payload: dict[str, Any], authorization: str | None) -> dict[str, Any]:
        query = payload.get("query", "")
        if "app" in query and "identifier" in query:
            token = (authorization or "").removeprefix("Bearer ")
            app_id = self.tokens.get(token)
            if app_id is None:
                return {"data": {"app": None}}
            return {"data": {"app": {"id": app_id, "identifier": self.identifier}}}
        return {"errors": [{"message": "the fake does not know this query"}]}

    def start(self) -> FakeSaleor:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path == "/.well-known/jwks.json":
                    fake.jwks_requests += 1
                    self._send(200, fake.jwks())
                else:
                    self._send(404, {"detail": "not found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length) or b"{}")
                if self.path != "/graphql/":
                    self._send(404, {"detail": "not found"})
                    return
                fake.graphql_requests += 1
                if fake.graphql_failures > 0:
                    fake.graphql_failures -= 1
                    self._send(500, {"detail": "internal error"})
                    return
                if fake.graphql_raw_answer is not None:
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(fake.graphql_raw_answer)))
                    self.end_headers()
                    self.wfile.write(fake.graphql_raw_answer)
                    return
                self._send(200, fake._answer_graphql(payload, self.headers.get("Authorization")))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def mint_token(
    fake: FakeSaleor,
    *,
    user_id: str = "VXNlcjo0OA==",
    email: str = "chen.xiaoyu@example.com",
    token_type: str = "access",
    lifetime_seconds: int = 300,
    key: SigningKey | None = None,
    issuer: str | None = None,
    **claims: Any,
) -> str:
    """A JWT shaped like Saleor's (core/jwt.py): customer `access` tokens, or dashboard
    `thirdparty` tokens (pass app=..., user_permissions=[...])."""
    import time

    now = int(time.time())
    payload = {
        "iat": now,
        "exp": now + lifetime_seconds,
        "iss": issuer or fake.api_url,
        "owner": "saleor",
        "type": token_type,
        "user_id": user_id,
        "email": email,
        "is_staff": token_type == "thirdparty",
        "token": "revocation-key",
        **claims,
    }
    signer = key or fake.key
    return jwt.encode(payload, signer.private_key, algorithm="RS256", headers={"kid": signer.kid})
