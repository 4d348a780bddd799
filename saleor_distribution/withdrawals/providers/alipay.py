"""Alipay single transfers (`alipay.fund.trans.uni.transfer`) through `python-alipay-sdk` in
certificate mode (`DCAliPay`), the only mode Alipay offers for transfers.

Queries use `alipay.fund.trans.common.query` through the library's `server_api`. The library
sends GET requests with `urllib` (its own timeout: always set here) and raises
`AliPayException` for gateway errors, `AliPayValidationError` for an answer whose signature
does not verify; business failures come back as a dict with `code` 40004 and a `sub_code`.
"""

from __future__ import annotations

import json
import logging
import urllib.error
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl

from alipay import DCAliPay
from alipay.exceptions import AliPayException, AliPayValidationError
from alipay.utils import AliPayConfig
from Cryptodome.PublicKey import RSA
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

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
    major_string,
)

logger = logging.getLogger(__name__)

GATEWAY_URL = "https://openapi.alipay.com/gateway.do"
CURRENCY = "CNY"
MINIMUM = Decimal("0.10")
MAXIMUM = Decimal("50000")  # per transfer to a person
TRANSFER_METHOD = "alipay.fund.trans.uni.transfer"
QUERY_METHOD = "alipay.fund.trans.common.query"
NOTIFY_METHOD = "alipay.fund.trans.order.changed"
PRODUCT_CODE = "TRANS_ACCOUNT_NO_PWD"
BIZ_SCENE = "DIRECT_TRANSFER"
SUCCESS_CODE = "10000"
STATES = {
    "SUCCESS": PayoutStatus.SUCCEEDED,
    "DEALING": PayoutStatus.SUBMITTED,
    "WAIT_PAY": PayoutStatus.SUBMITTED,
    "INIT": PayoutStatus.SUBMITTED,
    "FAIL": PayoutStatus.FAILED,
    "CLOSED": PayoutStatus.FAILED,
    "REFUND": PayoutStatus.FAILED,  # paid, then returned by the payee's bank/account
}
NOT_FOUND_CODES = frozenset({"ORDER_NOT_EXIST", "TRANS_ORDER_NOT_EXIST"})
# sub_codes that leave the outcome unknown or mean "busy": query, then try again.
RETRYABLE_SUB_CODES = frozenset(
    {"SYSTEM_ERROR", "aop.ACQ.SYSTEM_ERROR", "ACQ.SYSTEM_ERROR", "isp.unknow-error"}
)
IDENTITY_TYPES = {"alipay_user_id": "ALIPAY_USER_ID", "alipay_logon_id": "ALIPAY_LOGON_ID"}
PRIVATE_FIELDS = frozenset({"payee_info", "name", "identity"})


class _DCAliPay(DCAliPay):
    """`DCAliPay` on a given gateway with a given timeout (the library fixes both)."""

    def __init__(self, *, gateway_url: str, timeout_seconds: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._gateway = gateway_url
        self._config = AliPayConfig(timeout=timeout_seconds)

    def _load_key(self) -> None:
        # pycryptodome's import tests the key's primes: ~70 ms a load, once per payout call
        # here. The key was fully checked when it was configured (`check_config`).
        key = load_pem_private_key(
            self._app_private_key_string.encode(),
            password=None,
            unsafe_skip_rsa_key_validation=True,
        )
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("the app private key is not an RSA key")
        numbers = key.private_numbers()
        public = numbers.public_numbers
        self._app_private_key = RSA.construct(
            (public.n, public.e, numbers.d, numbers.p, numbers.q), consistency_check=False
        )
        self._alipay_public_key = RSA.importKey(self._alipay_public_key_string)


def _public(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: str(v) for k, v in data.items() if k not in PRIVATE_FIELDS}


def _yuan(value: Any) -> Money | None:
    try:
        return Money(Decimal(str(value)), CURRENCY) if value not in (None, "") else None
    except InvalidOperation:
        return None


class AlipayProvider(PayoutProvider):
    channel = "alipay"
    option_names = (
        "app_id",
        "app_public_cert",
        "alipay_public_cert",
        "alipay_root_cert",
        "order_title",
        "remark",
    )
    required_options = ("app_id", "app_public_cert", "alipay_public_cert", "alipay_root_cert")
    secret_names = ("app_private_key",)
    required_secrets = ("app_private_key",)
    payee_kinds = ("alipay_user_id", "alipay_logon_id")
    supports_notifications = True

    @classmethod
    def check_config(cls, options: Mapping[str, Any], secrets: Mapping[str, Secret]) -> None:
        super().check_config(options, secrets)
        try:
            key = load_pem_private_key(secrets["app_private_key"].reveal().encode(), password=None)
        except (ValueError, TypeError) as exc:
            raise ValueError("app_private_key is not a PEM RSA private key") from exc
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("app_private_key is not an RSA key")
        try:
            cls._build(options, secrets, gateway_url=GATEWAY_URL, timeout_seconds=1)
        except Exception as exc:
            # pyOpenSSL and pycryptodome raise several types for a malformed PEM.
            raise ValueError(
                f"the keys or certificates do not load ({type(exc).__name__})"
            ) from exc

    @staticmethod
    def _build(
        options: Mapping[str, Any],
        secrets: Mapping[str, Secret],
        *,
        gateway_url: str,
        timeout_seconds: float,
    ) -> _DCAliPay:
        return _DCAliPay(
            gateway_url=gateway_url,
            timeout_seconds=timeout_seconds,
            appid=str(options["app_id"]),
            app_private_key_string=secrets["app_private_key"].reveal(),
            app_public_key_cert_string=str(options["app_public_cert"]),
            alipay_public_key_cert_string=str(options["alipay_public_cert"]),
            alipay_root_cert_string=str(options["alipay_root_cert"]),
            sign_type="RSA2",
        )

    @cached_property
    def client(self) -> _DCAliPay:
        settings = self.settings
        try:
            return self._build(
                settings.options,
                {"app_private_key": settings.secret("app_private_key")},
                gateway_url=settings.gateway_url or GATEWAY_URL,
                timeout_seconds=settings.read_timeout_seconds,
            )
        except PayoutError:
            raise
        except Exception as exc:
            raise PayoutError(
                "NOT_CONFIGURED",
                f"Alipay credentials do not load ({type(exc).__name__})",
                retryable=False,
            ) from exc

    @property
    def app_id(self) -> str:
        return str(self.settings.option("app_id"))

    def requirements(self, amount: Money) -> Requirements:
        return Requirements(
            currencies=(CURRENCY,), minimum=MINIMUM, maximum=MAXIMUM, real_name_required=False
        )

    def _call(self, what: str, call: Any) -> dict[str, Any]:
        try:
            answer = call()
        except AliPayValidationError as exc:
            raise PayoutError(
                "INVALID_RESPONSE", f"{what}: answer signature does not verify", retryable=True
            ) from exc
        except AliPayException as exc:
            # A gateway error (error_response) or an unsigned answer: nothing was done, but
            # which one is not told apart reliably; the caller queries before deciding.
            raise PayoutError(
                "GATEWAY_ERROR",
                f"{what}: gateway error",
                provider_message=str(exc)[:500],
                retryable=True,
            ) from exc
        except urllib.error.HTTPError as exc:
            raise PayoutError(
                f"HTTP_{exc.code}", f"{what}: HTTP {exc.code}", retryable=True
            ) from exc
        except TimeoutError as exc:
            raise PayoutError("TIMEOUT", f"{what}: no answer in time", retryable=True) from exc
        except (urllib.error.URLError, ConnectionError) as exc:
            if isinstance(getattr(exc, "reason", None), TimeoutError):
                raise PayoutError("TIMEOUT", f"{what}: no answer in time", retryable=True) from exc
            raise PayoutError("NETWORK", f"{what}: {type(exc).__name__}", retryable=True) from exc
        except ValueError as exc:  # not JSON
            raise PayoutError("INVALID_RESPONSE", f"{what}: not JSON", retryable=True) from exc
        if not isinstance(answer, dict):
            raise PayoutError("INVALID_RESPONSE", f"{what}: not an object", retryable=True)
        return answer

    @staticmethod
    def _error(what: str, answer: Mapping[str, Any]) -> PayoutError:
        code = str(answer.get("code", ""))
        sub_code = str(answer.get("sub_code") or "")
        return PayoutError(
            sub_code or f"CODE_{code}",
            f"{what}: Alipay answered {code}",
            provider_message=str(answer.get("sub_msg") or answer.get("msg") or ""),
            retryable=code == "20000" or sub_code in RETRYABLE_SUB_CODES,
        )

    def _result(self, number: str, answer: Mapping[str, Any]) -> PayoutResult:
        state = str(answer.get("status", ""))
        if state not in STATES:
            raise PayoutError("UNKNOWN_STATE", f"unknown transfer status {state!r}", retryable=True)
        fail_reason = str(answer.get("fail_reason") or answer.get("error_code") or "")
        return PayoutResult(
            number=str(answer.get("out_biz_no") or number),
            status=STATES[state],
            provider_state=state,
            provider_reference=str(answer.get("order_id") or ""),
            amount=_yuan(answer.get("trans_amount")),
            failure_code=str(answer.get("error_code") or fail_reason),
            failure_reason=fail_reason,
            details=_public(answer),
        )

    def submit(self, request: PayoutRequest) -> PayoutResult:
        payee = request.payee
        if payee is None or payee.kind not in IDENTITY_TYPES:
            raise PayoutError("INVALID_PAYEE", "Alipay pays to an Alipay account", retryable=False)
        if request.amount.currency != CURRENCY:
            raise PayoutError("INVALID_CURRENCY", "Alipay pays in CNY", retryable=False)
        name = payee.real_name.reveal() if payee.real_name else None
        if payee.kind == "alipay_logon_id" and not name:
            raise PayoutError(
                "REAL_NAME_REQUIRED", "a logon id needs the payee's name", retryable=False
            )
        client = self.client
        extra: dict[str, Any] = {
            "order_title": self.settings.option("order_title", "佣金提现"),
        }
        remark = request.remark or self.settings.option("remark", "")
        if remark:
            extra["remark"] = remark
        answer = self._call(
            "submit",
            lambda: client.api_alipay_fund_trans_uni_transfer(
                out_biz_no=request.number,
                identity_type=IDENTITY_TYPES[payee.kind],
                identity=payee.identity.reveal(),
                trans_amount=major_string(request.amount),
                name=name,
                **extra,
            ),
        )
        if answer.get("code") != SUCCESS_CODE:
            raise self._error("submit", answer)
        return self._result(request.number, answer)

    def query(self, number: str) -> PayoutResult:
        client = self.client
        answer = self._call(
            "query",
            lambda: client.server_api(
                QUERY_METHOD,
                {"out_biz_no": number, "product_code": PRODUCT_CODE, "biz_scene": BIZ_SCENE},
            ),
        )
        if answer.get("code") != SUCCESS_CODE:
            if answer.get("sub_code") in NOT_FOUND_CODES:
                return PayoutResult(number=number, status=PayoutStatus.NOT_FOUND)
            raise self._error("query", answer)
        return self._result(number, answer)

    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> ParsedNotification:
        try:
            fields = dict(
                parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
            )
        except (UnicodeDecodeError, ValueError) as exc:
            raise InvalidNotification("BODY", "not a form") from exc
        signature = fields.pop("sign", "")
        sign_type = fields.pop("sign_type", "RSA2")
        if not signature or sign_type != "RSA2":
            raise InvalidNotification("SIGNATURE", "no RSA2 signature")
        # Alipay signs every non-empty field except sign and sign_type, sorted, raw values.
        signed = {k: v for k, v in fields.items() if v != ""}
        client = self.client
        try:
            valid = client.verify(dict(signed), signature)
        except (ValueError, TypeError) as exc:  # undecodable base64, wrong length
            raise InvalidNotification("SIGNATURE", "malformed signature") from exc
        if not valid:
            raise InvalidNotification("SIGNATURE", "signature does not verify")
        if fields.get("app_id") != self.app_id:
            raise InvalidNotification("APP", "for another app")
        notification_id = fields.get("notify_id", "")
        method = fields.get("msg_method", "")
        if not notification_id:
            raise InvalidNotification("BODY", "no notify_id")
        if method != NOTIFY_METHOD:
            return ParsedNotification(notification_id, method, None)
        try:
            biz = json.loads(fields.get("biz_content", ""), parse_float=Decimal)
        except ValueError as exc:
            raise InvalidNotification("BODY", "biz_content is not JSON") from exc
        if not isinstance(biz, dict) or not biz.get("out_biz_no"):
            raise InvalidNotification("BODY", "no out_biz_no")
        try:
            result = self._result("", biz)
        except PayoutError as exc:
            raise InvalidNotification("STATE", exc.message) from exc
        return ParsedNotification(notification_id, method, result)

    def acknowledge(self, accepted: bool, message: str = "") -> Acknowledgement:
        # Anything but the plain word `success` makes Alipay send it again.
        return Acknowledgement(200, "text/plain", b"success" if accepted else b"fail")
