"""WeChat Pay v3 商家转账 (`/v3/fund-app/mch-transfer/transfer-bills`) through `wechatpayv3`.

Two modes, as the merchant's account has them: public-key mode (`public_key_id` +
`public_key`, WeChat's default for new merchants) and certificate mode (platform
certificates downloaded from `/v3/certificates`, decrypted with the APIv3 key).

The transfer is two-step: WeChat answers WAIT_USER_CONFIRM with a `package_info` that the
storefront hands to `wx.requestMerchantTransfer` (mini program) or
`WeixinJSBridge.invoke('requestMerchantTransfer')` (official account); the payee confirms
inside WeChat, and an unconfirmed bill is closed after 24 h (CANCELLED, money returned).

Gaps of the library that are covered here (GATEWAYS.md): non-2xx answers come back
unverified as `(code, text)`; it never checks `Wechatpay-Timestamp`; the gateway URL is a
private attribute set in the constructor (see `_Core`); HTTP goes through module-level
`requests`, so the timeout is always passed.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from functools import cached_property
from typing import Any

import requests
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3.core import Core
from wechatpayv3.utils import format_private_key

from saleor_distribution.core.money import Money
from saleor_distribution.core.secrets import Secret
from saleor_distribution.withdrawals.providers.base import (
    Acknowledgement,
    InvalidNotification,
    ParsedNotification,
    PayoutError,
    PayoutProvider,
    PayoutRequest,
    PayoutResult,
    PayoutStatus,
    Requirements,
    from_minor_units,
    minor_units,
)

logger = logging.getLogger(__name__)

GATEWAY_URL = "https://api.mch.weixin.qq.com"
CURRENCY = "CNY"
MINIMUM = Decimal("0.10")
REAL_NAME_FROM = Decimal("2000")
# Callbacks whose Wechatpay-Timestamp is further than this from our clock are refused.
NOTIFICATION_MAX_SKEW_SECONDS = 300
# Certificate mode: how long downloaded platform certificates are trusted to be the current
# list. WeChat asks merchants to download the list at intervals under 12 hours (a replacement
# is listed 24 h before it is used) and to encrypt with the newest; its own Java SDK
# refreshes hourly. A provider is kept while its settings are unchanged (`build_provider`),
# so the list is refreshed when older than this, before a name is encrypted with it.
CERTIFICATES_MAX_AGE_SECONDS = 3600
TRANSFER_EVENT = "MCHTRANSFER.BILL.FINISHED"
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
NOTIFICATION_HEADERS = (
    "Wechatpay-Signature",
    "Wechatpay-Timestamp",
    "Wechatpay-Nonce",
    "Wechatpay-Serial",
    "Wechatpay-Signature-Type",
)
# Scene 1005 (佣金报酬) needs these two report items.
DEFAULT_SCENE_ID = "1005"
DEFAULT_SCENE_REPORT = (
    {"info_type": "岗位类型", "info_content": "推广员"},
    {"info_type": "报酬说明", "info_content": "推广佣金"},
)
DEFAULT_REMARK = "佣金提现"
STATES = {
    "ACCEPTED": PayoutStatus.SUBMITTED,
    "PROCESSING": PayoutStatus.SUBMITTED,
    "TRANSFERING": PayoutStatus.SUBMITTED,
    "WAIT_USER_CONFIRM": PayoutStatus.AWAITING_USER_CONFIRMATION,
    "SUCCESS": PayoutStatus.SUCCEEDED,
    "FAIL": PayoutStatus.FAILED,
    "CANCELING": PayoutStatus.CANCELLING,
    "CANCELLED": PayoutStatus.CANCELLED,
}
# Error codes that mean "busy, try again later" rather than "refused".
RETRYABLE_CODES = frozenset({"SYSTEM_ERROR", "FREQUENCY_LIMITED", "FREQUENCY_LIMIT_EXCEED"})
# Fields of WeChat's answers that identify the payee: kept out of the audit trail.
PRIVATE_FIELDS = frozenset({"openid", "user_name", "package_info"})


def _load_merchant_key(pem: str) -> Any:
    """The merchant key, loaded without OpenSSL's RSA consistency check: that check costs
    ~60 ms a load (cryptography ≥ 42), once per payout call here, and the key was fully
    checked when it was configured (`check_config`)."""
    return load_pem_private_key(
        format_private_key(pem).encode(), password=None, unsafe_skip_rsa_key_validation=True
    )


class _Core(Core):
    """`wechatpayv3.core.Core` on a given gateway. The library sets the production URL in
    its constructor and, in certificate mode, downloads the platform certificates right
    there; so the download waits until our URL is in place."""

    _certificates: list[Any]  # the library's, set in its constructor
    _certificates_fetched: float | None = None  # time.monotonic() of the last download

    def __init__(self, *, gateway_url: str, private_key: str, **kwargs: Any) -> None:
        self._defer_certificates = True
        super().__init__(private_key=None, **kwargs)
        self._gate_way = gateway_url.rstrip("/")
        self._private_key = _load_merchant_key(private_key)
        self._defer_certificates = False
        if not self._public_key:
            self._init_certificates()

    def _init_certificates(self) -> None:
        if not self._defer_certificates:
            super()._init_certificates()

    def _update_certificates(self) -> None:
        # The library empties its list before downloading: should the download fail, the
        # certificates it had stay in use while they are valid (the next use tries again).
        kept = list(self._certificates)
        try:
            super()._update_certificates()
        finally:
            if self._certificates:
                self._certificates_fetched = time.monotonic()
            else:
                now = datetime.now(UTC)
                self._certificates = [c for c in kept if c.not_valid_after_utc > now]

    def encrypt(self, text: str) -> str:
        # The library encrypts the name, then names the certificate it used in the
        # Wechatpay-Serial header (`_last_certificate` again): a due refresh happens here,
        # before both, so they cannot disagree.
        fetched = self._certificates_fetched
        if not self._public_key_id and (
            fetched is None or time.monotonic() - fetched >= CERTIFICATES_MAX_AGE_SECONDS
        ):
            try:
                self._update_certificates()
            except requests.RequestException:
                # Due for a refresh, not lost: the certificates in hand are still valid.
                logger.warning("Could not refresh the WeChat Pay platform certificates")
        return str(super().encrypt(text))

    def _last_certificate(self) -> Any:
        if not self._certificates:
            self._update_certificates()
        if not self._certificates:
            raise PayoutError(
                "NO_PLATFORM_CERTIFICATE",
                "no WeChat Pay platform certificate could be downloaded",
                retryable=True,
            )
        # The library compares the deprecated naive `not_valid_after`.
        return max(self._certificates, key=lambda cert: cert.not_valid_after_utc)


class _WeChatPay(WeChatPay):
    def __init__(self, *, core: _Core, mchid: str, appid: str, notify_url: str) -> None:
        # WeChatPay.__init__ only stores these and builds a Core on the production gateway.
        self._type = WeChatPayType.MINIPROG
        self._mchid = mchid
        self._appid = appid
        self._notify_url = notify_url
        self._partner_mode = False
        self._core = core


def _json(text: Any) -> dict[str, Any]:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    try:
        data = json.loads(text or "{}", parse_float=Decimal)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _public(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: str(v) for k, v in data.items() if k not in PRIVATE_FIELDS}


class WeChatPayProvider(PayoutProvider):
    channel = "wechat"
    option_names = (
        "mchid",
        "appid",
        "cert_serial_no",
        "public_key_id",
        "public_key",
        "transfer_scene_id",
        "transfer_scene_report_infos",
        "transfer_remark",
        "user_recv_perception",
        "login_kind",
        "oauth_api_base_url",
    )
    required_options = ("mchid", "appid", "cert_serial_no")
    secret_names = ("private_key", "apiv3_key", "app_secret")
    required_secrets = ("private_key", "apiv3_key")
    payee_kinds = ("wechat_openid",)
    supports_notifications = True

    @classmethod
    def check_config(cls, options: Mapping[str, Any], secrets: Mapping[str, Secret]) -> None:
        super().check_config(options, secrets)
        try:
            load_pem_private_key(
                format_private_key(secrets["private_key"].reveal()).encode(), password=None
            )
        except (ValueError, TypeError) as exc:
            raise ValueError("private_key is not a PEM private key (PKCS#8)") from exc
        if len(secrets["apiv3_key"].reveal().encode()) != 32:
            raise ValueError("apiv3_key must be the 32-character APIv3 key")
        if bool(options.get("public_key_id")) != bool(options.get("public_key")):
            raise ValueError("public-key mode needs both public_key_id and public_key")
        if options.get("public_key"):
            try:
                load_pem_public_key(str(options["public_key"]).encode())
            except ValueError as exc:
                raise ValueError("public_key is not a PEM public key") from exc

    @property
    def public_key_mode(self) -> bool:
        return bool(self.settings.option("public_key_id"))

    @property
    def mchid(self) -> str:
        return str(self.settings.option("mchid"))

    @property
    def appid(self) -> str:
        return str(self.settings.option("appid"))

    @cached_property
    def client(self) -> _WeChatPay:
        settings = self.settings
        try:
            core = _Core(
                gateway_url=settings.gateway_url or GATEWAY_URL,
                mchid=self.mchid,
                cert_serial_no=str(settings.option("cert_serial_no")),
                private_key=settings.secret("private_key").reveal(),
                apiv3_key=settings.secret("apiv3_key").reveal(),
                timeout=(settings.connect_timeout_seconds, settings.read_timeout_seconds),
                public_key=settings.option("public_key", None),
                public_key_id=settings.option("public_key_id", None),
            )
        except requests.RequestException as exc:
            raise PayoutError(
                "NETWORK", "could not download the platform certificates", retryable=True
            ) from exc
        except PayoutError:
            raise
        except Exception as exc:
            # The library raises bare Exception for keys it cannot load or certificates it
            # could not get; the message has no secrets.
            raise PayoutError(
                "NOT_CONFIGURED", str(exc)[:200], retryable=not self.public_key_mode
            ) from exc
        return _WeChatPay(core=core, mchid=self.mchid, appid=self.appid, notify_url="")

    def requirements(self, amount: Money) -> Requirements:
        return Requirements(
            currencies=(CURRENCY,),
            minimum=MINIMUM,
            maximum=None,
            real_name_required=amount.currency == CURRENCY and amount.amount >= REAL_NAME_FROM,
        )

    def _call(self, what: str, call: Any) -> tuple[int, dict[str, Any]]:
        """One library call: network errors and unverifiable answers are retryable (the
        outcome is unknown); the answer's status and JSON otherwise."""
        try:
            status, text = call()
        except requests.Timeout as exc:
            raise PayoutError("TIMEOUT", f"{what}: no answer in time", retryable=True) from exc
        except requests.RequestException as exc:
            raise PayoutError("NETWORK", f"{what}: {type(exc).__name__}", retryable=True) from exc
        except PayoutError:
            raise
        except Exception as exc:
            # wechatpayv3 raises bare Exception("failed to verify the signature") for an
            # answer it cannot verify: treat it as no answer at all.
            logger.warning(
                "WeChat Pay answer not accepted",
                extra={"call": what, "error": type(exc).__name__, "detail": str(exc)[:200]},
            )
            raise PayoutError(
                "INVALID_RESPONSE", f"{what}: answer not verifiable", retryable=True
            ) from exc
        return status, _json(text)

    def _error(self, what: str, status: int, data: Mapping[str, Any]) -> PayoutError:
        code = str(data.get("code") or f"HTTP_{status}")
        message = str(data.get("message") or "")
        return PayoutError(
            code,
            f"{what}: WeChat Pay answered {status}",
            provider_message=message,
            retryable=status >= 500 or status == 429 or code in RETRYABLE_CODES,
        )

    def _result(self, number: str, data: Mapping[str, Any]) -> PayoutResult:
        state = str(data.get("state", ""))
        if state not in STATES:
            raise PayoutError("UNKNOWN_STATE", f"unknown transfer state {state!r}", retryable=True)
        amount = data.get("transfer_amount")
        fail_reason = str(data.get("fail_reason") or "")
        return PayoutResult(
            number=str(data.get("out_bill_no") or number),
            status=STATES[state],
            provider_state=state,
            provider_reference=str(data.get("transfer_bill_no") or ""),
            amount=from_minor_units(int(amount), CURRENCY) if amount is not None else None,
            package_info=str(data.get("package_info") or ""),
            failure_code=fail_reason,
            failure_reason=fail_reason,
            details=_public(data),
        )

    def submit(self, request: PayoutRequest) -> PayoutResult:
        payee = request.payee
        if payee is None or payee.kind != "wechat_openid":
            raise PayoutError("INVALID_PAYEE", "WeChat pays to an openid", retryable=False)
        if request.amount.currency != CURRENCY:
            raise PayoutError("INVALID_CURRENCY", "WeChat pays in CNY", retryable=False)
        fen = minor_units(request.amount)
        real_name = payee.real_name.reveal() if payee.real_name else None
        if request.amount.amount >= REAL_NAME_FROM and not real_name:
            raise PayoutError(
                "REAL_NAME_REQUIRED", "from ¥2,000 WeChat needs the name", retryable=False
            )
        options = self.settings
        report = options.option("transfer_scene_report_infos", None) or list(DEFAULT_SCENE_REPORT)
        client = self.client
        status, data = self._call(
            "submit",
            lambda: client.mch_transfer_bills(
                out_bill_no=request.number,
                transfer_scene_id=str(options.option("transfer_scene_id", DEFAULT_SCENE_ID)),
                openid=payee.identity.reveal(),
                transfer_amount=fen,
                transfer_remark=(
                    request.remark or options.option("transfer_remark", DEFAULT_REMARK)
                )[:32],
                user_name=real_name,
                user_recv_perception=options.option("user_recv_perception", None),
                transfer_scene_report_infos=report,
                appid=payee.wechat_appid or self.appid,
                notify_url=self.settings.notify_url,
            ),
        )
        if status != 200:
            raise self._error("submit", status, data)
        return self._result(request.number, data)

    def query(self, number: str) -> PayoutResult:
        client = self.client
        status, data = self._call(
            "query", lambda: client.mch_transfer_bills_query(out_bill_no=number)
        )
        if status == 404 or (status == 400 and data.get("code") == "NOT_FOUND"):
            return PayoutResult(number=number, status=PayoutStatus.NOT_FOUND)
        if status != 200:
            raise self._error("query", status, data)
        return self._result(number, data)

    def cancel(self, number: str) -> PayoutResult:
        client = self.client
        status, data = self._call(
            "cancel", lambda: client.mch_transfer_bills_cancel(out_bill_no=number)
        )
        if status != 200:
            raise self._error("cancel", status, data)
        return self._result(number, data)

    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> ParsedNotification:
        wanted = {name: headers.get(name) or "" for name in NOTIFICATION_HEADERS}
        if wanted["Wechatpay-Signature-Type"] != SIGNATURE_TYPE:
            raise InvalidNotification("SIGNATURE_TYPE", "unsupported signature type")
        try:
            timestamp = int(wanted["Wechatpay-Timestamp"])
        except ValueError as exc:
            raise InvalidNotification("TIMESTAMP", "no timestamp") from exc
        if abs(time.time() - timestamp) > NOTIFICATION_MAX_SKEW_SECONDS:
            raise InvalidNotification("STALE", "timestamp outside the accepted window")
        serial = wanted["Wechatpay-Serial"]
        if self.public_key_mode:
            if serial != self.settings.option("public_key_id"):
                raise InvalidNotification("SERIAL", "signed with an unknown key")
        else:
            try:
                int(serial, 16)
            except ValueError as exc:
                raise InvalidNotification("SERIAL", "not a certificate serial") from exc
        client = self.client
        try:
            data = client.callback(wanted, body)
        except ValueError as exc:
            raise InvalidNotification("BODY", "not a WeChat Pay notification") from exc
        except Exception as exc:
            # Bare Exception from the library: an algorithm it does not support.
            raise InvalidNotification("ALGORITHM", str(exc)[:200]) from exc
        if not data:
            raise InvalidNotification("SIGNATURE", "signature or decryption failed")
        event_type = str(data.get("event_type", ""))
        notification_id = str(data.get("id", ""))
        resource = data.get("resource")
        if not notification_id or not isinstance(resource, dict):
            raise InvalidNotification("BODY", "no id or resource")
        if event_type != TRANSFER_EVENT:
            return ParsedNotification(notification_id, event_type, None)
        if str(resource.get("mch_id", self.mchid)) != self.mchid:
            raise InvalidNotification("MERCHANT", "for another merchant")
        try:
            result = self._result("", resource)
        except PayoutError as exc:
            raise InvalidNotification("STATE", exc.message) from exc
        if not result.number:
            raise InvalidNotification("BODY", "no out_bill_no")
        return ParsedNotification(notification_id, event_type, result)

    def acknowledge(self, accepted: bool, message: str = "") -> Acknowledgement:
        if accepted:
            return Acknowledgement(204, "application/json", b"")
        body = json.dumps({"code": "FAIL", "message": message or "refused"}).encode()
        return Acknowledgement(400, "application/json", body)

    def confirmation(self, package_info: str, appid: str = "") -> dict[str, str]:
        """What the storefront passes to `requestMerchantTransfer` for the payee to confirm."""
        return {"mchId": self.mchid, "appId": appid or self.appid, "package": package_info}
