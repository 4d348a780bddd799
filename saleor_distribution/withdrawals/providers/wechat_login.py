"""WeChat login through `wechatpy`, to learn the openid a WeChat payout is sent to.

An official account (公众号) page sends the distributor to `authorize_url` (scope
`snsapi_base`: silent, openid only) and gets a `code` back on its redirect URI; a mini
program gets a `code` from `wx.login()`. Either code is exchanged here, server-side with the
app secret, for the openid under the merchant's app id. The code is single-use, so the
exchange is never retried.
"""

from __future__ import annotations

from typing import Any

from wechatpy.exceptions import WeChatOAuthException
from wechatpy.oauth import WeChatOAuth

from saleor_distribution.core.http import HttpPolicy, build_session
from saleor_distribution.withdrawals.providers.base import ProviderSettings

OFFICIAL_ACCOUNT = "official_account"
MINI_PROGRAM = "mini_program"
LOGIN_KINDS = (OFFICIAL_ACCOUNT, MINI_PROGRAM)


class WeChatLoginError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class _OAuth(WeChatOAuth):
    """`WeChatOAuth` with our HTTP session (explicit timeouts, no redirects, no retries of
    the single-use code) and a configurable API base (tests, proxies)."""

    def __init__(self, *, api_base_url: str, policy: HttpPolicy, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if api_base_url:
            self.API_BASE_URL = api_base_url.rstrip("/") + "/"
        self._http = build_session(policy, idempotent=False)
        self._timeout = policy.timeout

    def _request(self, method: str, url_or_endpoint: str, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self._timeout)
        return super()._request(method, url_or_endpoint, **kwargs)


def _client(settings: ProviderSettings, redirect_uri: str = "", state: str = "") -> _OAuth:
    secret = settings.secrets.get("app_secret")
    if not secret:
        raise WeChatLoginError("NOT_CONFIGURED", "the WeChat app secret is not set")
    policy = HttpPolicy(
        connect_timeout_seconds=settings.connect_timeout_seconds,
        read_timeout_seconds=settings.read_timeout_seconds,
        max_retries=0,
        backoff_seconds=0,
    )
    return _OAuth(
        api_base_url=str(settings.option("oauth_api_base_url")),
        policy=policy,
        app_id=str(settings.option("appid")),
        secret=secret.reveal(),
        redirect_uri=redirect_uri,
        scope="snsapi_base",
        state=state,
    )


def login_kind(settings: ProviderSettings) -> str:
    kind = str(settings.option("login_kind", OFFICIAL_ACCOUNT))
    return kind if kind in LOGIN_KINDS else OFFICIAL_ACCOUNT


def authorize_url(settings: ProviderSettings, *, redirect_uri: str, state: str) -> str:
    """Where an official-account page sends the distributor to get a `code`."""
    if login_kind(settings) != OFFICIAL_ACCOUNT:
        raise WeChatLoginError("NOT_SUPPORTED", "a mini program logs in with wx.login()")
    return str(_client(settings, redirect_uri=redirect_uri, state=state).authorize_url)


def exchange_code(settings: ProviderSettings, code: str) -> str:
    """The openid behind a login `code`, or `WeChatLoginError`."""
    if not code:
        raise WeChatLoginError("INVALID_CODE", "no code")
    client = _client(settings)
    try:
        if login_kind(settings) == MINI_PROGRAM:
            answer = client._get(
                "sns/jscode2session",
                params={
                    "appid": client.app_id,
                    "secret": client.secret,
                    "js_code": code,
                    "grant_type": "authorization_code",
                },
            )
        else:
            answer = client.fetch_access_token(code)
    except WeChatOAuthException as exc:
        raise WeChatLoginError(
            str(exc.errcode or "HTTP_ERROR"), str(exc.errmsg or "WeChat refused the code")
        ) from exc
    except OSError as exc:  # requests' errors are IOErrors: timeouts, refused connections
        raise WeChatLoginError("NETWORK", type(exc).__name__) from exc
    openid = answer.get("openid") if isinstance(answer, dict) else None
    if not openid:
        raise WeChatLoginError("NO_OPENID", "WeChat answered without an openid")
    return str(openid)
