"""End to end on the embedded defaults: the console command, SQLite, tasks run in-process.

The service runs as a merchant's first run would: no DATABASE_URL and no CELERY_BROKER_URL,
so it keeps a SQLite file in DATA_DIR and processes deliveries eagerly. Saleor is the
loopback fake, which confirms the token and signs the delivery.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet
from django.utils import timezone

from tests.fakes.saleor import APP_ID, FakeSaleor
from tests.fixtures.saleor_deliveries import load_delivery, make_delivery
from tests.harness import free_port, stop_process, wait_for_http

pytestmark = pytest.mark.slow

CONSOLE = Path(sys.executable).with_name("saleor-distribution")
START_TIMEOUT = 60.0
APP_TOKEN = "smoke-app-token-0123456789abcdef"


@dataclass
class EmbeddedService:
    url: str
    data_dir: Path
    encryption_key: str
    identifier: str

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "saleor-distribution.sqlite3"

    def query(self, sql: str) -> list[tuple]:
        with sqlite3.connect(self.sqlite_path, timeout=10) as db:
            return db.execute(sql).fetchall()


def _embedded_env(
    tmp_path: Path, port: int, encryption_key: str, identifier: str
) -> dict[str, str]:
    # Built from scratch: no DATABASE_URL, CELERY_BROKER_URL or DJANGO_SETTINGS_MODULE leak in.
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "LANG": "C.UTF-8",
        "ENV_FILE": os.devnull,
        "DATA_DIR": str(tmp_path / "data"),
        "SECRET_KEY": "smoke-test-secret-key-not-for-production",
        "SECRETS_ENCRYPTION_KEYS": encryption_key,
        "APP_URL": f"http://127.0.0.1:{port}",
        "APP_IDENTIFIER": identifier,
        "LOG_FORMAT": "text",
    }


@pytest.fixture
def embedded_service(tmp_path: Path, fake_saleor: FakeSaleor) -> Iterator[EmbeddedService]:
    assert CONSOLE.exists(), f"the console command is not installed at {CONSOLE}"
    port = free_port()
    key = Fernet.generate_key().decode()
    env = _embedded_env(tmp_path, port, key, fake_saleor.identifier)
    migrate = subprocess.run(
        [str(CONSOLE), "migrate"], cwd=tmp_path, env=env, capture_output=True, timeout=120
    )
    assert migrate.returncode == 0, migrate.stderr.decode()
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [str(CONSOLE), "serve", "--port", str(port)],
            cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    service = EmbeddedService(
        url=f"http://127.0.0.1:{port}", data_dir=tmp_path / "data", encryption_key=key,
        identifier=fake_saleor.identifier,
    )
    try:
        wait_for_http(f"{service.url}/health", server, log_path, START_TIMEOUT)
        yield service
    finally:
        stop_process(server)


def test_first_run_installs_receives_and_processes_on_sqlite(embedded_service, fake_saleor):
    service = embedded_service
    assert service.sqlite_path.is_file()

    # The manifest Saleor fetches
    manifest = requests.get(f"{service.url}/api/manifest", timeout=10)
    assert manifest.status_code == 200
    assert manifest.json()["id"] == service.identifier
    assert manifest.json()["tokenTargetUrl"] == f"{service.url}/api/register"
    webhooks = manifest.json()["webhooks"]
    assert webhooks[0]["targetUrl"] == f"{service.url}/api/webhooks/order_created"

    # Saleor registers the app with a token it confirms
    fake_saleor.tokens[APP_TOKEN] = APP_ID
    register = requests.post(
        f"{service.url}/api/register",
        json={"auth_token": APP_TOKEN},
        headers={"Saleor-Api-Url": fake_saleor.api_url, "Saleor-Domain": fake_saleor.domain},
        timeout=30,
    )
    assert register.status_code == 200, register.text
    assert register.json() == {"success": True}

    # Saleor delivers a signed webhook, addressed to the installed app
    payload = load_delivery("order_created").payload
    payload["issuedAt"] = timezone.now().isoformat()
    assert payload["recipient"]["id"] == APP_ID
    delivery = make_delivery("ORDER_CREATED", payload, fake_saleor.key, fake_saleor.api_url)
    response = requests.post(
        f"{service.url}/api/webhooks/order_created",
        data=delivery.body,
        headers={**delivery.headers, "Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "accepted"

    # The SQLite file holds the processed delivery and an encrypted token
    rows = service.query(
        "SELECT id, event, saleor_object_id, status, attempts, outcome, last_error "
        "FROM webhooks_inboxdelivery"
    )
    assert rows == [
        (
            response.json()["delivery"], "ORDER_CREATED", payload["order"]["id"], "processed", 1,
            "reconciled order 23 v1 (UNFULFILLED): 0 commissions, 0 ledger entries", "",
        )
    ]
    installations = service.query(
        "SELECT saleor_api_url, app_id, status, auth_token, jwks FROM installations_installation"
    )
    assert len(installations) == 1
    api_url, app_id, status, stored_token, jwks = installations[0]
    assert (api_url, app_id, status) == (fake_saleor.api_url, APP_ID, "active")
    assert APP_TOKEN not in stored_token
    fernet = Fernet(service.encryption_key.encode())
    assert fernet.decrypt(stored_token.encode()).decode() == APP_TOKEN
    assert json.loads(jwks) == fake_saleor.jwks()
