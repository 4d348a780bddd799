"""A loopback fake of WeChat's login endpoints on api.weixin.qq.com: the official account's
OAuth code exchange (`/sns/oauth2/access_token`) and the mini program's
(`/sns/jscode2session`). Codes are single-use, as WeChat's are; a wrong secret or a used
code answers with WeChat's `errcode`."""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class FakeWeChatOAuth:
    appid: str
    secret: str
    codes: dict[str, str] = field(default_factory=dict)  # code -> openid, single-use
    requests: list[str] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def issue_code(self, openid: str) -> str:
        code = secrets.token_hex(16)
        self.codes[code] = openid
        return code

    def _answer(self, path: str, query: dict[str, str]) -> dict[str, Any]:
        if query.get("appid") != self.appid or query.get("secret") != self.secret:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        if query.get("grant_type") != "authorization_code":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        code = query.get("code") if path == "/sns/oauth2/access_token" else query.get("js_code")
        openid = self.codes.pop(code or "", None)
        if openid is None:
            return {"errcode": 40029, "errmsg": "invalid code"}
        if path == "/sns/jscode2session":
            return {"openid": openid, "session_key": secrets.token_hex(12)}
        return {
            "access_token": secrets.token_hex(16),
            "expires_in": 7200,
            "refresh_token": secrets.token_hex(16),
            "openid": openid,
            "scope": "snsapi_base",
        }

    def start(self) -> FakeWeChatOAuth:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                fake.requests.append(parts.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path in ("/sns/oauth2/access_token", "/sns/jscode2session"):
                    status, answer = 200, fake._answer(parts.path, query)
                else:
                    status, answer = 404, {"errcode": 404, "errmsg": "not found"}
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; encoding=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
