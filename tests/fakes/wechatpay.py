"""A loopback fake of WeChat Pay v3 商家转账, faithful where our code depends on it.

It holds the merchant's public key (to check our requests) and its own platform key (to sign
answers and notifications), in public-key mode or certificate mode:
- requests: `Authorization: WECHATPAY2-SHA256-RSA2048 mchid=…,nonce_str=…,signature=…,
  timestamp=…,serial_no=…` over `METHOD\\nPATH\\nTS\\nNONCE\\nBODY\\n`; a bad signature, an old
  timestamp, a replayed nonce or another serial → 401 SIGN_ERROR;
- answers and notifications: `Wechatpay-*` headers, RSA-SHA256 over `TS\\nNONCE\\nBODY\\n`;
  notifications carry the bill AES-256-GCM encrypted with the APIv3 key;
- `user_name` is RSA-OAEP decrypted with the platform key and compared with the payee's name;
- the same `out_bill_no` with the same fields is the same bill; different fields → 400.
Tests steer it: the state of new bills, failures, slowness, timeouts, state changes later.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tests.fakes import keys

TRANSFER_PATH = "/v3/fund-app/mch-transfer/transfer-bills"
BILL_PATH = re.compile(r"^/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/([A-Za-z0-9]+)$")
CANCEL_PATH = re.compile(
    r"^/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/([A-Za-z0-9]+)/cancel$"
)
AUTH_RE = re.compile(r'(\w+)="([^"]*)"')
MAX_SKEW_SECONDS = 300
CANCELLABLE = {"ACCEPTED", "PROCESSING", "WAIT_USER_CONFIRM"}


@dataclass(frozen=True)
class WeChatKeys:
    merchant_key: rsa.RSAPrivateKey
    merchant_serial: str
    platform_key: rsa.RSAPrivateKey
    platform_serial: int
    public_key_id: str
    apiv3_key: str

    @classmethod
    def create(cls) -> WeChatKeys:
        return cls(
            merchant_key=keys.rsa_key("wechat-merchant"),
            merchant_serial="5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
            platform_key=keys.rsa_key("wechat-platform"),
            platform_serial=0x3C6F2A0E5D1B22F9A1,
            public_key_id="PUB_KEY_ID_0114232134912410000000000000",
            apiv3_key="0123456789abcdefghijABCDEFGHIJ01",
        )

    @property
    def platform_serial_hex(self) -> str:
        return format(self.platform_serial, "X")

    def platform_certificate_pem(self, days: int = 365) -> str:
        subject = keys.name("Tenpay.com Root CA", "Tenpay.com CA Center", "Tenpay.com")
        cert = keys.certificate(self.platform_key, subject, serial=self.platform_serial, days=days)
        return keys.certificate_pem(cert)


@dataclass
class Bill:
    out_bill_no: str
    transfer_bill_no: str
    appid: str
    openid: str
    amount_fen: int
    remark: str
    scene_id: str
    user_name: str | None
    state: str
    user_name_serial: str = ""  # the platform certificate the name was encrypted for
    fail_reason: str = ""
    package_info: str = ""
    created: str = ""
    updated: str = ""

    def same_request(self, other: Bill) -> bool:
        return (self.appid, self.openid, self.amount_fen, self.scene_id, self.user_name) == (
            other.appid,
            other.openid,
            other.amount_fen,
            other.scene_id,
            other.user_name,
        )


def _now() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")


def _sign(key: rsa.RSAPrivateKey, text: str) -> str:
    signature = key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def _verify(key: rsa.RSAPrivateKey, text: str, signature: str) -> bool:
    try:
        key.public_key().verify(
            base64.b64decode(signature), text.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass
class FakeWeChatPay:
    keys: WeChatKeys
    mode: str = "public_key"  # or "certificate"
    mchid: str = "1900000109"
    appid: str = "wx8888888888888888"
    # Steering.
    initial_state: str = "WAIT_USER_CONFIRM"
    fail_next_submits: int = 0  # answer 500 SYSTEM_ERROR, no bill
    fail_next_certificate_downloads: int = 0  # answer 500 SYSTEM_ERROR
    error_next_submit: tuple[int, str, str] | None = None  # (status, code, message), no bill
    timeout_next_submits: int = 0  # create the bill, then answer too late
    timeout_next_queries: int = 0
    timeout_seconds: float = 2.0
    delay_seconds: float = 0.0  # before every transfer answer
    sign_answers_badly: bool = False
    real_names: dict[str, str] = field(default_factory=dict)  # openid -> name on the account
    # Certificate mode: a newer platform certificate listed beside the current one, as WeChat
    # lists a replacement 24 h before it starts signing with it (`announce_new_certificate`).
    announced: WeChatKeys | None = None
    # Observed.
    bills: dict[str, Bill] = field(default_factory=dict)
    transfer_requests: int = 0  # correctly signed transfer POSTs
    query_requests: int = 0
    cancel_requests: int = 0
    certificate_requests: int = 0
    refused_requests: int = 0  # bad signature, stale timestamp, replayed nonce
    later: dict[str, list[tuple[int, str, str]]] = field(default_factory=dict)
    server: ThreadingHTTPServer | None = None
    _nonces: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def announce_new_certificate(self) -> str:
        """List a newer platform certificate (its own key, a later expiry) beside the current
        one, which still signs; names may then be encrypted for either. Its serial."""
        self.announced = dataclasses.replace(
            self.keys,
            platform_key=keys.rsa_key("wechat-platform-next"),
            platform_serial=self.keys.platform_serial + 1,
        )
        return self.announced.platform_serial_hex

    def _name_keys(self) -> dict[str, rsa.RSAPrivateKey]:
        """Wechatpay-Serial → the key that decrypts names encrypted for it."""
        if self.mode == "public_key":
            return {self.keys.public_key_id: self.keys.platform_key}
        listed = [self.keys] if self.announced is None else [self.keys, self.announced]
        return {platform.platform_serial_hex: platform.platform_key for platform in listed}

    @property
    def serial(self) -> str:
        """What the fake puts in Wechatpay-Serial."""
        if self.mode == "public_key":
            return self.keys.public_key_id
        return self.keys.platform_serial_hex

    # --- what tests configure our side with ----------------------------------------------

    def provider_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {
            "mchid": self.mchid,
            "appid": self.appid,
            "cert_serial_no": self.keys.merchant_serial,
        }
        if self.mode == "public_key":
            options["public_key_id"] = self.keys.public_key_id
            options["public_key"] = keys.public_pem(self.keys.platform_key)
        return options

    def provider_credentials(self) -> dict[str, str]:
        return {
            "private_key": keys.private_pem(self.keys.merchant_key),
            "apiv3_key": self.keys.apiv3_key,
            "app_secret": "wechat-app-secret-0123456789",
        }

    # --- steering ------------------------------------------------------------------------

    def set_state(self, out_bill_no: str, state: str, fail_reason: str = "") -> None:
        with self._lock:
            bill = self.bills[out_bill_no]
            bill.state = state
            bill.fail_reason = fail_reason
            bill.updated = _now()
            if state != "WAIT_USER_CONFIRM":
                bill.package_info = ""

    def change_after_queries(
        self, out_bill_no: str, queries: int, state: str, fail_reason: str = ""
    ) -> None:
        """On the `queries`-th query from now, the bill moves to `state` before the answer."""
        self.later.setdefault(out_bill_no, []).append((queries, state, fail_reason))

    def confirm(self, out_bill_no: str) -> None:
        """The payee confirmed in WeChat; the money arrives."""
        self.set_state(out_bill_no, "SUCCESS")

    def expire(self, out_bill_no: str) -> None:
        """24 h without confirmation: WeChat closes the bill and returns the money."""
        self.set_state(out_bill_no, "CANCELLED", "")

    # --- notifications -------------------------------------------------------------------

    def encrypt(self, plaintext: str, associated_data: str) -> dict[str, str]:
        nonce = secrets.token_hex(6)
        ciphertext = AESGCM(self.keys.apiv3_key.encode()).encrypt(
            nonce.encode(), plaintext.encode(), associated_data.encode()
        )
        return {
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": base64.b64encode(ciphertext).decode(),
            "associated_data": associated_data,
            "nonce": nonce,
        }

    def bill_resource(self, bill: Bill) -> dict[str, Any]:
        resource = {
            "out_bill_no": bill.out_bill_no,
            "transfer_bill_no": bill.transfer_bill_no,
            "state": bill.state,
            "mch_id": self.mchid,
            "transfer_amount": bill.amount_fen,
            "openid": bill.openid,
            "create_time": bill.created,
            "update_time": bill.updated,
        }
        if bill.fail_reason:
            resource["fail_reason"] = bill.fail_reason
        return resource

    def notification(
        self,
        out_bill_no: str,
        *,
        notification_id: str | None = None,
        timestamp: int | None = None,
        signing_key: rsa.RSAPrivateKey | None = None,
        resource: dict[str, Any] | None = None,
    ) -> tuple[dict[str, str], bytes]:
        """A MCHTRANSFER.BILL.FINISHED callback for the bill's current state, signed and
        encrypted as WeChat sends it: (headers, body)."""
        with self._lock:
            data = resource or self.bill_resource(self.bills[out_bill_no])
        body = json.dumps(
            {
                "id": notification_id or str(uuid.uuid4()),
                "create_time": _now(),
                "resource_type": "encrypt-resource",
                "event_type": "MCHTRANSFER.BILL.FINISHED",
                "summary": "商家转账单据终态通知",
                "resource": {
                    "original_type": "mch_payment",
                    **self.encrypt(json.dumps(data, ensure_ascii=False), "mch_payment"),
                },
            },
            ensure_ascii=False,
        ).encode()
        return self.sign_headers(body, timestamp=timestamp, signing_key=signing_key), body

    def sign_headers(
        self,
        body: bytes,
        *,
        timestamp: int | None = None,
        signing_key: rsa.RSAPrivateKey | None = None,
    ) -> dict[str, str]:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        nonce = secrets.token_hex(16)
        signature = _sign(
            signing_key or self.keys.platform_key, f"{ts}\n{nonce}\n{body.decode()}\n"
        )
        return {
            "Wechatpay-Timestamp": ts,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": signature,
            "Wechatpay-Serial": self.serial,
            "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
        }

    # --- the gateway ---------------------------------------------------------------------

    def _check_auth(self, method: str, path: str, headers: Any, body: str) -> str | None:
        """None if the request is signed by the merchant; otherwise why not."""
        match = re.match(r"^WECHATPAY2-SHA256-RSA2048 (.*)$", headers.get("Authorization", ""))
        if not match:
            return "no WECHATPAY2-SHA256-RSA2048 authorization"
        params = dict(AUTH_RE.findall(match.group(1)))
        if params.get("mchid") != self.mchid:
            return "wrong mchid"
        if params.get("serial_no") != self.keys.merchant_serial:
            return "unknown merchant certificate serial"
        try:
            timestamp = int(params.get("timestamp", ""))
        except ValueError:
            return "no timestamp"
        if abs(time.time() - timestamp) > MAX_SKEW_SECONDS:
            return "timestamp too old"
        nonce = params.get("nonce_str", "")
        text = f"{method}\n{path}\n{timestamp}\n{nonce}\n{body}\n"
        if not _verify(self.keys.merchant_key, text, params.get("signature", "")):
            return "signature does not verify"
        with self._lock:
            if nonce in self._nonces:
                return "nonce replayed"
            self._nonces.add(nonce)
        return None

    def _transfer(self, payload: dict[str, Any], headers: Any) -> tuple[int, dict[str, Any]]:
        required = ("appid", "out_bill_no", "transfer_scene_id", "openid", "transfer_amount")
        missing = [name for name in required if not payload.get(name)]
        if missing:
            return 400, {"code": "PARAM_ERROR", "message": f"缺少参数 {missing[0]}"}
        number = str(payload["out_bill_no"])
        if len(number) > 32 or not number.isalnum():
            return 400, {"code": "PARAM_ERROR", "message": "商户单号格式错误"}
        if payload.get("notify_url", "") and not str(payload["notify_url"]).startswith("http"):
            return 400, {"code": "PARAM_ERROR", "message": "通知地址错误"}
        amount = payload["transfer_amount"]
        if not isinstance(amount, int) or amount < 10:
            return 400, {"code": "PARAM_ERROR", "message": "转账金额不能低于0.1元"}
        user_name = None
        name_serial = headers.get("Wechatpay-Serial", "")
        if "user_name" in payload:
            name_key = self._name_keys().get(name_serial)
            if name_key is None:
                return 400, {"code": "PARAM_ERROR", "message": "Wechatpay-Serial 错误"}
            try:
                user_name = name_key.decrypt(
                    base64.b64decode(payload["user_name"]),
                    padding.OAEP(
                        mgf=padding.MGF1(algorithm=hashes.SHA1()),  # noqa: S303 - WeChat's rule
                        algorithm=hashes.SHA1(),  # noqa: S303
                        label=None,
                    ),
                ).decode()
            except ValueError:
                return 400, {"code": "PARAM_ERROR", "message": "姓名解密失败"}
        if amount >= 200000 and not user_name:
            return 400, {"code": "PARAM_ERROR", "message": "转账金额>=2000元时, 收款用户姓名必填"}
        bill = Bill(
            out_bill_no=number,
            transfer_bill_no=f"1330000071100999991182020050700019480{secrets.randbelow(1000):03d}",
            appid=str(payload["appid"]),
            openid=str(payload["openid"]),
            amount_fen=amount,
            remark=str(payload.get("transfer_remark", "")),
            scene_id=str(payload["transfer_scene_id"]),
            user_name=user_name,
            user_name_serial=name_serial if user_name else "",
            state=self.initial_state,
            created=_now(),
            updated=_now(),
        )
        with self._lock:
            existing = self.bills.get(number)
            if existing is not None:
                if not existing.same_request(bill):
                    return 400, {"code": "INVALID_REQUEST", "message": "商户单号重复, 参数不一致"}
                bill = existing
            else:
                known_name = self.real_names.get(bill.openid)
                if user_name and known_name and known_name != user_name:
                    bill.state = "FAIL"
                    bill.fail_reason = "REAL_NAME_CHECK_FAIL"
                if bill.state == "WAIT_USER_CONFIRM":
                    bill.package_info = "affffddafdfafddffda==" + secrets.token_hex(8)
                self.bills[number] = bill
            answer = {
                "out_bill_no": bill.out_bill_no,
                "transfer_bill_no": bill.transfer_bill_no,
                "create_time": bill.created,
                "state": bill.state,
            }
            if bill.state == "WAIT_USER_CONFIRM":
                answer["package_info"] = bill.package_info
            if bill.fail_reason:
                answer["fail_reason"] = bill.fail_reason
        return 200, answer

    def _query(self, number: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            bill = self.bills.get(number)
            if bill is None:
                return 404, {"code": "NOT_FOUND", "message": "记录不存在"}
            pending = self.later.get(number, [])
            for index, (remaining, state, reason) in enumerate(pending):
                pending[index] = (remaining - 1, state, reason)
            due = [item for item in pending if item[0] <= 0]
            self.later[number] = [item for item in pending if item[0] > 0]
        for _, state, reason in due:
            self.set_state(number, state, reason)
        with self._lock:
            answer = {
                "mch_id": self.mchid,
                "appid": bill.appid,
                "transfer_remark": bill.remark,
                **self.bill_resource(bill),
            }
            if bill.state == "WAIT_USER_CONFIRM":
                answer["package_info"] = bill.package_info
        return 200, answer

    def _cancel(self, number: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            bill = self.bills.get(number)
            if bill is None:
                return 404, {"code": "NOT_FOUND", "message": "记录不存在"}
            if bill.state not in CANCELLABLE:
                return 400, {"code": "INVALID_REQUEST", "message": "当前状态不可撤销"}
            bill.state = "CANCELING"
            bill.package_info = ""
            bill.updated = _now()
            return 200, {
                "out_bill_no": number,
                "transfer_bill_no": bill.transfer_bill_no,
                "state": "CANCELING",
                "update_time": bill.updated,
            }

    def _certificates(self) -> tuple[int, dict[str, Any]]:
        self.certificate_requests += 1
        if self.fail_next_certificate_downloads > 0:
            self.fail_next_certificate_downloads -= 1
            return 500, {"code": "SYSTEM_ERROR", "message": "系统繁忙,请稍后重试"}
        now = datetime.now(UTC)
        listed = [(self.keys, 365)]
        if self.announced is not None:
            listed.append((self.announced, 5 * 365))  # the newer expires later
        return 200, {
            "data": [
                {
                    "serial_no": platform.platform_serial_hex,
                    "effective_time": now.isoformat(),
                    "expire_time": (now + timedelta(days=days)).isoformat(),
                    "encrypt_certificate": self.encrypt(
                        platform.platform_certificate_pem(days), "certificate"
                    ),
                }
                for platform, days in listed
            ]
        }

    def start(self) -> FakeWeChatPay:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                body = json.dumps(payload, ensure_ascii=False).encode() if payload else b""
                headers = fake.sign_headers(body)
                if fake.sign_answers_badly:
                    headers = fake.sign_headers(body, signing_key=keys.rsa_key("forger"))
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (a timeout test)

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                if method == "GET" and self.path == "/v3/certificates":
                    # The library downloads these unverified; they are encrypted instead.
                    self._send(*fake._certificates())
                    return
                refusal = fake._check_auth(method, self.path, self.headers, raw)
                if refusal is not None:
                    with fake._lock:
                        fake.refused_requests += 1
                    self._send(401, {"code": "SIGN_ERROR", "message": refusal})
                    return
                if method == "POST" and self.path == TRANSFER_PATH:
                    self._transfer_route(json.loads(raw or "{}"))
                elif method == "GET" and (match := BILL_PATH.match(self.path)):
                    with fake._lock:
                        fake.query_requests += 1
                        slow = fake.timeout_next_queries > 0
                        fake.timeout_next_queries -= 1 if slow else 0
                    if slow:
                        time.sleep(fake.timeout_seconds)
                    self._send(*fake._query(match.group(1)))
                elif method == "POST" and (match := CANCEL_PATH.match(self.path)):
                    with fake._lock:
                        fake.cancel_requests += 1
                    self._send(*fake._cancel(match.group(1)))
                else:
                    self._send(404, {"code": "NOT_FOUND", "message": "no such API"})

            def _transfer_route(self, payload: dict[str, Any]) -> None:
                with fake._lock:
                    fake.transfer_requests += 1
                    failing = fake.fail_next_submits > 0
                    fake.fail_next_submits -= 1 if failing else 0
                    error, fake.error_next_submit = fake.error_next_submit, None
                    late = fake.timeout_next_submits > 0
                    fake.timeout_next_submits -= 1 if late else 0
                if fake.delay_seconds:
                    time.sleep(fake.delay_seconds)
                if failing:
                    self._send(500, {"code": "SYSTEM_ERROR", "message": "系统繁忙, 请稍后重试"})
                    return
                if error is not None:
                    self._send(error[0], {"code": error[1], "message": error[2]})
                    return
                answer = fake._transfer(payload, self.headers)
                if late:
                    time.sleep(fake.timeout_seconds)
                self._send(*answer)

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
