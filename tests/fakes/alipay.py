"""A loopback fake of Alipay's gateway (`gateway.do`) in certificate mode, for transfers.

It holds the app's certificate (to check our signatures and `app_cert_sn`), Alipay's root and
public-key certificates and Alipay's private key (to sign answers and notifications):
- requests: every parameter but `sign`, sorted, `k=v&…`, RSA2 with the app key; a bad
  signature, another app, a wrong certificate SN or an old timestamp → `error_response`
  `isv.invalid-signature` (40002);
- answers: `{"<method>_response": {...}, "alipay_cert_sn": …, "sign": …}` signed over the
  exact JSON text of the inner object;
- notifications: a form signed over every non-empty field but `sign` and `sign_type`.
`alipay.fund.trans.uni.transfer` is idempotent on `out_biz_no`;
`alipay.fund.trans.common.query` finds by it. Tests steer states, failures and timeouts.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from tests.fakes import keys

TRANSFER = "alipay.fund.trans.uni.transfer"
QUERY = "alipay.fund.trans.common.query"
MAX_SKEW_SECONDS = 300


def cert_sn(cert: x509.Certificate) -> str:
    """Alipay's certificate SN: md5 of the issuer DN (CN,OU,O,C) and the decimal serial."""
    issuer = cert.issuer

    def attr(oid: x509.ObjectIdentifier) -> str:
        values = issuer.get_attributes_for_oid(oid)
        return str(values[0].value) if values else "None"

    common, unit = attr(NameOID.COMMON_NAME), attr(NameOID.ORGANIZATIONAL_UNIT_NAME)
    org, country = attr(NameOID.ORGANIZATION_NAME), attr(NameOID.COUNTRY_NAME)
    text = f"CN={common},OU={unit},O={org},C={country}"
    return hashlib.md5((text + str(cert.serial_number)).encode()).hexdigest()  # noqa: S324


def _sign(key: rsa.RSAPrivateKey, text: str) -> str:
    return base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def _signing_text(fields: dict[str, str]) -> str:
    return "&".join(f"{k}={v}" for k, v in sorted(fields.items()) if v != "")


@dataclass(frozen=True)
class AlipayKeys:
    app_key: rsa.RSAPrivateKey
    alipay_key: rsa.RSAPrivateKey
    root_key: rsa.RSAPrivateKey
    root_cert: x509.Certificate
    alipay_cert: x509.Certificate
    app_cert: x509.Certificate

    @classmethod
    def create(cls) -> AlipayKeys:
        root_key = keys.rsa_key("alipay-root")
        root_name = keys.name(
            "Ant Financial Certification Authority R1", "Certification Authority", "Ant Financial"
        )
        root_cert = keys.certificate(root_key, root_name, serial=0x6B2F, days=3650)
        ca_name = keys.name(
            "Ant Financial Certification Authority Class 1 R1",
            "Certification Authority",
            "Ant Financial",
        )
        alipay_key = keys.rsa_key("alipay-gateway")
        app_key = keys.rsa_key("alipay-app")
        alipay_cert = keys.certificate(
            alipay_key,
            keys.name("支付宝(中国)网络技术有限公司", "Alipay.com", "Ant Financial"),
            serial=4001,
            issuer=ca_name,
            issuer_key=root_key,
        )
        app_cert = keys.certificate(
            app_key,
            keys.name("2021000000000001", "Alipay Application", "Distribution Demo Shop"),
            serial=4002,
            issuer=ca_name,
            issuer_key=root_key,
        )
        return cls(app_key, alipay_key, root_key, root_cert, alipay_cert, app_cert)


@dataclass
class Order:
    out_biz_no: str
    order_id: str
    pay_fund_order_id: str
    amount: str
    identity: str
    identity_type: str
    name: str | None
    status: str
    fail_reason: str = ""
    trans_date: str = ""

    def same_request(self, other: Order) -> bool:
        return (self.amount, self.identity, self.identity_type, self.name) == (
            other.amount,
            other.identity,
            other.identity_type,
            other.name,
        )


@dataclass
class FakeAlipay:
    keys: AlipayKeys
    app_id: str = "2021000000000001"
    accounts: dict[str, str] = field(default_factory=dict)  # identity -> real name
    # Steering.
    initial_status: str = "SUCCESS"
    unavailable_next_submits: int = 0  # code 20000, no order
    http_error_next_submits: int = 0  # HTTP 502, no order
    timeout_next_submits: int = 0  # create the order, answer too late
    timeout_next_queries: int = 0
    timeout_seconds: float = 2.0
    delay_seconds: float = 0.0
    # Observed.
    orders: dict[str, Order] = field(default_factory=dict)
    transfer_requests: int = 0
    query_requests: int = 0
    refused_requests: int = 0
    later: dict[str, list[tuple[int, str, str]]] = field(default_factory=dict)
    server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/gateway.do"

    def provider_options(self) -> dict[str, Any]:
        return {
            "app_id": self.app_id,
            "app_public_cert": keys.certificate_pem(self.keys.app_cert),
            "alipay_public_cert": keys.certificate_pem(self.keys.alipay_cert),
            "alipay_root_cert": keys.certificate_pem(self.keys.root_cert),
        }

    def provider_credentials(self) -> dict[str, str]:
        return {"app_private_key": keys.private_pem(self.keys.app_key)}

    # --- steering ------------------------------------------------------------------------

    def set_status(self, out_biz_no: str, status: str, fail_reason: str = "") -> None:
        with self._lock:
            order = self.orders[out_biz_no]
            order.status = status
            order.fail_reason = fail_reason

    def change_after_queries(
        self, out_biz_no: str, queries: int, status: str, fail_reason: str = ""
    ) -> None:
        self.later.setdefault(out_biz_no, []).append((queries, status, fail_reason))

    def notification(
        self,
        out_biz_no: str,
        *,
        notify_id: str | None = None,
        signing_key: rsa.RSAPrivateKey | None = None,
        overrides: dict[str, str] | None = None,
    ) -> bytes:
        """An `alipay.fund.trans.order.changed` notification of the order's current status,
        form-encoded and signed as Alipay posts it."""
        with self._lock:
            order = self.orders[out_biz_no]
            biz = {
                "out_biz_no": order.out_biz_no,
                "order_id": order.order_id,
                "pay_fund_order_id": order.pay_fund_order_id,
                "status": order.status,
                "trans_amount": order.amount,
                "action_type": "FINISH",
                "biz_scene": "DIRECT_TRANSFER",
                "product_code": "TRANS_ACCOUNT_NO_PWD",
                "origin_interface": TRANSFER,
                "pay_date": order.trans_date,
            }
            if order.fail_reason:
                biz["fail_reason"] = order.fail_reason
        fields = {
            "notify_id": notify_id or secrets.token_hex(16),
            "utc_timestamp": str(int(time.time() * 1000)),
            "msg_method": "alipay.fund.trans.order.changed",
            "app_id": self.app_id,
            "version": "1.1",
            "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")),
            "charset": "utf-8",
        }
        fields["sign"] = _sign(signing_key or self.keys.alipay_key, _signing_text(fields))
        fields["sign_type"] = "RSA2"
        fields.update(overrides or {})
        return urlencode(fields).encode()

    # --- the gateway ---------------------------------------------------------------------

    def _check(self, params: dict[str, str]) -> str | None:
        signature = params.pop("sign", "")
        if params.get("app_id") != self.app_id:
            return "unknown app_id"
        if params.get("sign_type") != "RSA2" or params.get("charset") != "utf-8":
            return "sign_type RSA2 and charset utf-8 expected"
        if params.get("app_cert_sn") != cert_sn(self.keys.app_cert):
            return "app_cert_sn does not match the app certificate"
        if params.get("alipay_root_cert_sn") != cert_sn(self.keys.root_cert):
            return "alipay_root_cert_sn does not match"
        try:
            sent = datetime.strptime(params.get("timestamp", ""), "%Y-%m-%d %H:%M:%S")
        except ValueError:
            return "bad timestamp"
        if abs((datetime.now() - sent).total_seconds()) > MAX_SKEW_SECONDS:
            return "timestamp too old"
        text = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
        try:
            self.keys.app_key.public_key().verify(
                base64.b64decode(signature), text.encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except (InvalidSignature, ValueError):
            return "signature does not verify"
        return None

    def _transfer(self, biz: dict[str, Any]) -> dict[str, Any]:
        payee = biz.get("payee_info") or {}
        number = str(biz.get("out_biz_no", ""))
        if (
            not number
            or len(number) > 64
            or biz.get("product_code") != "TRANS_ACCOUNT_NO_PWD"
            or biz.get("biz_scene") != "DIRECT_TRANSFER"
            or payee.get("identity_type") not in ("ALIPAY_USER_ID", "ALIPAY_LOGON_ID")
        ):
            return _failure("PARAM_ILLEGAL", "参数有误")
        if payee["identity_type"] == "ALIPAY_LOGON_ID" and not payee.get("name"):
            return _failure("PARAM_ILLEGAL", "登录号转账必须传入姓名")
        try:
            amount = Decimal(str(biz.get("trans_amount")))
        except InvalidOperation:
            return _failure("PARAM_ILLEGAL", "金额格式错误")
        if amount.as_tuple().exponent < -2:  # type: ignore[operator]
            return _failure("PARAM_ILLEGAL", "金额最多两位小数")
        if amount < Decimal("0.1"):
            return _failure("EXCEED_LIMIT_SM_MIN_AMOUNT", "单笔最低转账金额0.1元")
        if amount > Decimal("50000"):
            return _failure("EXCEED_LIMIT_SM_AMOUNT", "单笔额度超限")
        order = Order(
            out_biz_no=number,
            order_id=f"2019{secrets.randbelow(10**20):020d}",
            pay_fund_order_id=f"2019{secrets.randbelow(10**20):020d}",
            amount=str(biz["trans_amount"]),
            identity=str(payee["identity"]),
            identity_type=str(payee["identity_type"]),
            name=payee.get("name"),
            status=self.initial_status,
            trans_date=datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
        )
        with self._lock:
            existing = self.orders.get(number)
            if existing is not None:
                if not existing.same_request(order):
                    return _failure("PARAM_ILLEGAL", "商户订单号重复, 参数不一致")
                order = existing
            else:
                if order.identity not in self.accounts:
                    return _failure("PAYEE_NOT_EXIST", "收款账号不存在")
                if order.name and self.accounts[order.identity] != order.name:
                    return _failure("PAYEE_USER_INFO_ERROR", "收款用户姓名或证件号有误")
                self.orders[number] = order
            answer = {
                "code": "10000",
                "msg": "Success",
                "out_biz_no": order.out_biz_no,
                "order_id": order.order_id,
                "pay_fund_order_id": order.pay_fund_order_id,
                "status": order.status,
                "trans_date": order.trans_date,
            }
            if order.fail_reason:
                answer["fail_reason"] = order.fail_reason
        return answer

    def _query(self, biz: dict[str, Any]) -> dict[str, Any]:
        number = str(biz.get("out_biz_no", ""))
        with self._lock:
            pending = [(n - 1, s, r) for n, s, r in self.later.get(number, [])]
            due = [item for item in pending if item[0] <= 0]
            self.later[number] = [item for item in pending if item[0] > 0]
            order = self.orders.get(number)
        if order is None:
            return _failure("ORDER_NOT_EXIST", "转账订单不存在")
        for _, status, reason in due:
            self.set_status(number, status, reason)
        with self._lock:
            answer = {
                "code": "10000",
                "msg": "Success",
                "order_id": order.order_id,
                "pay_fund_order_id": order.pay_fund_order_id,
                "out_biz_no": order.out_biz_no,
                "trans_amount": order.amount,
                "status": order.status,
                "pay_date": order.trans_date,
            }
            if order.fail_reason:
                answer["fail_reason"] = order.fail_reason
        return answer

    def signed_answer(self, method: str, inner: dict[str, Any]) -> bytes:
        text = json.dumps(inner, ensure_ascii=False, separators=(",", ":"))
        key = "error_response" if method == "error" else method.replace(".", "_") + "_response"
        body = (
            f'{{"{key}":{text},"alipay_cert_sn":"{cert_sn(self.keys.alipay_cert)}",'
            f'"sign":"{_sign(self.keys.alipay_key, text)}"}}'
        )
        return body.encode()

    def start(self) -> FakeAlipay:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/html;charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (a timeout test)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path != "/gateway.do":
                    self._send(404, b"not found")
                    return
                params = dict(parse_qsl(parts.query, keep_blank_values=True))
                method = params.get("method", "")
                refusal = fake._check(params)
                if refusal is not None:
                    with fake._lock:
                        fake.refused_requests += 1
                    self._send(
                        200,
                        fake.signed_answer(
                            "error",
                            {
                                "code": "40002",
                                "msg": "Invalid Arguments",
                                "sub_code": "isv.invalid-signature",
                                "sub_msg": refusal,
                            },
                        ),
                    )
                    return
                biz = json.loads(params.get("biz_content") or "{}")
                if method == TRANSFER:
                    self._transfer(biz)
                elif method == QUERY:
                    with fake._lock:
                        fake.query_requests += 1
                        late = fake.timeout_next_queries > 0
                        fake.timeout_next_queries -= 1 if late else 0
                    if late:
                        time.sleep(fake.timeout_seconds)
                    self._send(200, fake.signed_answer(QUERY, fake._query(biz)))
                else:
                    self._send(200, fake.signed_answer(method, _failure("INVALID_METHOD", "")))

            def _transfer(self, biz: dict[str, Any]) -> None:
                with fake._lock:
                    fake.transfer_requests += 1
                    # One steering per request: an HTTP error first, then unavailability.
                    http_error = fake.http_error_next_submits > 0
                    fake.http_error_next_submits -= 1 if http_error else 0
                    unavailable = not http_error and fake.unavailable_next_submits > 0
                    fake.unavailable_next_submits -= 1 if unavailable else 0
                    late = fake.timeout_next_submits > 0
                    fake.timeout_next_submits -= 1 if late else 0
                if fake.delay_seconds:
                    time.sleep(fake.delay_seconds)
                if http_error:
                    self._send(502, b"Bad Gateway")
                    return
                if unavailable:
                    answer = {
                        "code": "20000",
                        "msg": "Service Currently Unavailable",
                        "sub_code": "isp.unknow-error",
                        "sub_msg": "系统繁忙",
                    }
                else:
                    answer = fake._transfer(biz)
                if late:
                    time.sleep(fake.timeout_seconds)
                self._send(200, fake.signed_answer(TRANSFER, answer))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def _failure(sub_code: str, sub_msg: str) -> dict[str, Any]:
    return {"code": "40004", "msg": "Business Failed", "sub_code": sub_code, "sub_msg": sub_msg}
