"""A real Celery worker on the local Redis processes what the endpoint stored.

The worker is a subprocess on the service's own settings (not tests.settings, which forces
eager mode), pointed at pytest-django's test database and at a queue no one else uses. The
test process sends to the same queue: its Celery app is switched to non-eager for the test.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import kombu.pools
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from saleor_distribution.celery import app as celery_app
from saleor_distribution.webhooks import dispatch
from saleor_distribution.webhooks.models import DeliveryStatus, InboxDelivery
from saleor_distribution.webhooks.tasks import sweep_inbox
from tests.fakes.flaky_handlers import FAILURE_MESSAGE, FLAG_ENV
from tests.fixtures.saleor_deliveries import Delivery, load_delivery, make_delivery
from tests.harness import delete_queue_traces, stop_process, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKER_READY_TIMEOUT = 60.0
PROCESSING_TIMEOUT = 60.0
# Longer than a worker needs to pick up a waiting message: "still pending" means something.
STILL_PENDING_SECONDS = 3.0
SWITCHED_CONF = ("broker_url", "task_always_eager", "task_default_queue")


def _reset_producers() -> None:
    # Connection pools and queue declarations are built from the configuration on first use
    # (and kombu keeps its pools in a global registry): drop them so the next send rebuilds.
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)


@dataclass
class BrokerQueue:
    broker_url: str
    name: str

    def purge(self) -> int:
        with celery_app.connection_for_write() as conn:
            return int(conn.default_channel.queue_purge(self.name) or 0)


@pytest.fixture
def broker_queue() -> Iterator[BrokerQueue]:
    """The test process's Celery app sends to a fresh queue on Redis, not eagerly."""
    queue = BrokerQueue(os.environ["REDIS_URL"], f"sd-test-{uuid.uuid4().hex[:12]}")
    saved = {key: celery_app.conf[key] for key in SWITCHED_CONF}
    celery_app.conf.update(
        broker_url=queue.broker_url, task_always_eager=False, task_default_queue=queue.name
    )
    _reset_producers()
    try:
        yield queue
    finally:
        celery_app.conf.update(saved)
        _reset_producers()
        delete_queue_traces(queue.broker_url, queue.name)


def _database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{quote(db['NAME'], safe='')}"


@dataclass
class Worker:
    queue: BrokerQueue
    log_path: Path
    fail_flag: Path
    process: subprocess.Popen[bytes] | None = None
    _log_files: list[Any] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/tmp"),
            "PYTHONPATH": str(REPO_ROOT),
            "DJANGO_SETTINGS_MODULE": "saleor_distribution.settings",
            "ENV_FILE": os.devnull,
            "SECRET_KEY": settings.SECRET_KEY,
            "SECRETS_ENCRYPTION_KEYS": ",".join(settings.SECRETS_ENCRYPTION_KEYS),
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": self.queue.broker_url,
            "CELERY_TASK_DEFAULT_QUEUE": self.queue.name,
            "LOG_FORMAT": "text",
            FLAG_ENV: str(self.fail_flag),
        }

    def start(self) -> None:
        assert self.process is None, "the worker is already running"
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = self.log_path.open("ab")
        self._log_files.append(log)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "saleor_distribution.celery",
                "worker",
                "--pool=solo",
                "-Q",
                self.queue.name,
                "-n",
                f"{self.queue.name}@%h",
                "--include",
                "tests.fakes.flaky_handlers",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
                "--loglevel",
                "INFO",
            ],
            cwd=REPO_ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        ready = wait_until(
            lambda: b" ready." in self._log_bytes()[offset:] or self.process.poll() is not None,
            WORKER_READY_TIMEOUT,
        )
        assert ready and self.process.poll() is None, f"the worker did not start:\n{self.log()}"

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)  # a warm shutdown: unacked messages go back
            self.process = None

    def _log_bytes(self) -> bytes:
        return self.log_path.read_bytes() if self.log_path.exists() else b""

    def log(self) -> str:
        return self._log_bytes().decode("utf-8", "replace")[-6000:]

    def close(self) -> None:
        self.stop()
        for log in self._log_files:
            log.close()


@pytest.fixture
def worker(broker_queue: BrokerQueue, tmp_path: Path) -> Iterator[Worker]:
    """A Celery worker on the test database and `broker_queue`; not started yet."""
    worker = Worker(
        queue=broker_queue, log_path=tmp_path / "worker.log", fail_flag=tmp_path / "fail"
    )
    try:
        yield worker
    finally:
        worker.close()


def _post(delivery: Delivery) -> Any:
    response = Client().post(
        f"/api/webhooks/{delivery.slug}",
        data=delivery.body,
        content_type="application/json",
        headers={
            "Saleor-Event": delivery.slug,
            "Saleor-Api-Url": delivery.headers["Saleor-Api-Url"],
            "Saleor-Signature": delivery.headers["Saleor-Signature"],
        },
    )
    # The request hands the nudge to this process's batcher; wait until it is on the broker.
    assert dispatch.batcher.drain(timeout=30)
    return response


def _order_delivery(fake_saleor: Any, name: str, order_number: str) -> Delivery:
    """A captured order delivery, renumbered and signed by the fake Saleor."""
    captured = load_delivery(name)
    payload = captured.payload
    payload["order"]["number"] = order_number
    return make_delivery(captured.event, payload, fake_saleor.key, fake_saleor.api_url)


def _row(delivery_id: int) -> InboxDelivery:
    return InboxDelivery.objects.get(pk=delivery_id)


def _wait_processed(worker: Worker, delivery_id: int) -> InboxDelivery:
    processed = wait_until(
        lambda: _row(delivery_id).status == DeliveryStatus.PROCESSED, PROCESSING_TIMEOUT
    )
    assert processed, worker.log()
    return _row(delivery_id)


def test_delivery_waits_for_a_stopped_worker_and_is_processed_once_it_starts(
    fake_installation, fake_saleor, worker
):
    # Given no worker is running
    delivery = _order_delivery(fake_saleor, "order_created", "1001")

    # When Saleor posts a delivery
    response = _post(delivery)

    # Then it is acknowledged at once, and it waits in the inbox
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    delivery_id = response.json()["delivery"]
    time.sleep(STILL_PENDING_SECONDS)
    row = _row(delivery_id)
    assert (row.status, row.attempts, row.processed_at) == (DeliveryStatus.PENDING, 0, None)

    # When the worker starts, it processes the waiting delivery
    worker.start()
    row = _wait_processed(worker, delivery_id)
    assert row.attempts == 1
    assert row.outcome == "reconciled order 1001 v1 (UNFULFILLED): 0 commissions, 0 ledger entries"
    assert row.last_error == ""
    assert row.processed_at is not None


def test_failing_delivery_is_retried_with_backoff_and_shows_its_error(
    fake_installation, fake_saleor, worker
):
    # Given a worker whose handlers fail while the flag file exists (Saleor is down, say)
    worker.fail_flag.touch()
    worker.start()
    delivery = _order_delivery(fake_saleor, "order_paid", "1002")

    # When the delivery is posted, processing fails and is retried
    response = _post(delivery)
    assert response.status_code == 200
    delivery_id = response.json()["delivery"]
    retried = wait_until(lambda: _row(delivery_id).attempts >= 2, PROCESSING_TIMEOUT)
    assert retried, worker.log()

    # Then the row shows the attempts and the error, and stays pending (it is being retried)
    row = _row(delivery_id)
    assert row.status == DeliveryStatus.PENDING
    assert row.last_error == f"ConnectionError: {FAILURE_MESSAGE}"
    assert row.last_attempt_at is not None
    assert row.processed_at is None
    # Each retry was scheduled with a countdown (exponential backoff, full jitter).
    assert re.search(r"process_inbox_delivery\[[0-9a-f-]+\] retry: Retry in \d+s", worker.log())
    attempts_while_failing = row.attempts

    # When the cause goes away, a later retry processes it
    worker.fail_flag.unlink()
    row = _wait_processed(worker, delivery_id)
    assert row.attempts > attempts_while_failing
    assert row.last_error == ""
    assert row.outcome == "reconciled order 1002 v1 (UNFULFILLED): 0 commissions, 0 ledger entries"


def test_sweep_resends_a_delivery_whose_message_was_lost(
    fake_installation, fake_saleor, worker, broker_queue
):
    # Given a delivery stored while the worker was stopped, whose message was then lost
    delivery = _order_delivery(fake_saleor, "order_created", "1003")
    response = _post(delivery)
    assert response.status_code == 200
    delivery_id = response.json()["delivery"]
    assert broker_queue.purge() == 1
    # ...long enough ago for the sweep to consider it forgotten
    InboxDelivery.objects.filter(pk=delivery_id).update(
        received_at=timezone.now() - timedelta(minutes=20)
    )

    # When the worker starts, there is nothing for it to do
    worker.start()
    time.sleep(STILL_PENDING_SECONDS)
    assert _row(delivery_id).status == DeliveryStatus.PENDING
    assert _row(delivery_id).attempts == 0

    # When beat's sweep runs on the worker, it re-sends the delivery, which is processed
    sweep_inbox.delay()
    row = _wait_processed(worker, delivery_id)
    assert row.attempts == 1
    assert row.outcome == "reconciled order 1003 v1 (UNFULFILLED): 0 commissions, 0 ledger entries"
