"""Webhook ingest: signed deliveries per second through the real endpoint, against a bare
Django endpoint that does nothing, side by side on one server process.

    python bench/webhook_ingest.py [--requests 1000] [--concurrency 8] [--rounds 5] [--profile F]

The server is `saleor-distribution serve` (uvicorn, one process) with bench/settings.py,
which only adds `/bench/noop`. The real path is production's: JWS verification against the
installation's JWKS, the inbox insert on PostgreSQL, and the Celery nudge sent to a Redis
broker with no worker consuming it. Every delivery is a distinct body (its order id and
number vary) signed beforehand by the fake Saleor's key, so deduplication never
short-circuits the work. The same client (asyncio, keep-alive connections) sends the same
requests, at the same concurrency, to both endpoints, alternating rounds; the median of each
is compared. Target: webhook rate >= 0.5 x bare rate (the exit status is 1 below it). The
server's CPU time per request is printed too: unlike rates, it hardly moves with the load of
other processes on the machine.

Uses its own database (`sd_bench_ingest`, dropped afterwards) on the PostgreSQL named by
BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) and a queue unique
to the run on the Redis named by BENCH_REDIS_URL (default: REDIS_URL, else DB 0 on
127.0.0.1), deleted afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import dataclasses
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import psycopg  # noqa: E402
import redis  # noqa: E402
import requests  # noqa: E402
from cryptography.fernet import Fernet  # noqa: E402

from tests.fakes.saleor import APP_ID, FakeSaleor, SigningKey  # noqa: E402
from tests.fixtures.saleor_deliveries import load_delivery, make_delivery  # noqa: E402
from tests.harness import delete_queue_traces, free_port, stop_process, wait_for_http  # noqa: E402

CONSOLE = Path(sys.executable).with_name("saleor-distribution")
DATABASE_NAME = "sd_bench_ingest"
APP_IDENTIFIER = "saleor.app.distribution.bench"
APP_TOKEN = "bench-app-token-0123456789abcdef"
WEBHOOK_PATH = "/api/webhooks/order_created"
NOOP_PATH = "/bench/noop"
WARMUP_REQUESTS = 200


@dataclass(frozen=True)
class RoundResult:
    requests: int
    seconds: float
    statuses: Counter[int]
    accepted: int
    client_cpu_ms: float = 0.0  # the benchmark's own CPU per request (the client)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def _database_url(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def _recreate_database(admin_url: str, *, drop_only: bool = False) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def _sign_deliveries(fake: FakeSaleor, count: int) -> list[tuple[bytes, dict[str, str]]]:
    """`count` distinct ORDER_CREATED deliveries (a captured one, with a fresh order id,
    number and issuedAt), each signed by the fake Saleor's key."""
    template = load_delivery("order_created").payload
    issued_at = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    signed = []
    for index in range(count):
        payload = json.loads(json.dumps(template))
        order_id = base64.b64encode(f"Order:{uuid.uuid4()}".encode()).decode()
        payload["issuedAt"] = issued_at
        payload["order"]["id"] = order_id
        payload["order"]["number"] = str(100000 + index)
        delivery = make_delivery("ORDER_CREATED", payload, fake.key, fake.api_url)
        signed.append((delivery.body, delivery.headers))
    return signed


def _raw_request(host: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {host}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        "User-Agent: Saleor/3.24",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def _send_all(port: int, raw_requests: list[bytes], concurrency: int) -> RoundResult:
    """Send every request over `concurrency` keep-alive connections; time from the first
    write to the last answer (connections are opened before the clock starts)."""
    connections = [
        await asyncio.open_connection("127.0.0.1", port) for _ in range(concurrency)
    ]
    pending = iter(raw_requests)
    statuses: Counter[int] = Counter()
    accepted = 0

    async def drive(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal accepted
        for raw in pending:
            writer.write(raw)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            body = await reader.readexactly(length)
            statuses[status] += 1
            accepted += b'"accepted"' in body

    started = time.perf_counter()
    await asyncio.gather(*(drive(reader, writer) for reader, writer in connections))
    seconds = time.perf_counter() - started
    for _, writer in connections:
        writer.close()
        await writer.wait_closed()
    return RoundResult(len(raw_requests), seconds, statuses, accepted)


def _start_profiler(pid: int, output: Path) -> subprocess.Popen[bytes]:
    """py-spy (`pip install py-spy`) sampling the server until stopped with SIGINT."""
    profiler = subprocess.Popen(
        [str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(pid), "--rate",
         "250", "--gil", "--format", "raw", "--output", str(output), "--nonblocking"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)  # let it attach before the clock starts
    return profiler


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _run_round(port: int, raw_requests: list[bytes], concurrency: int) -> RoundResult:
    started = time.process_time()
    result = asyncio.run(_send_all(port, raw_requests, concurrency))
    client_cpu_ms = 1000 * (time.process_time() - started) / len(raw_requests)
    return dataclasses.replace(result, client_cpu_ms=client_cpu_ms)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="requests per round")
    parser.add_argument("--concurrency", type=int, default=8, help="keep-alive connections")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per endpoint")
    parser.add_argument(
        "--profile", type=Path, metavar="FILE",
        help="sample the server with py-spy (GIL-holding stacks, collapsed) during the rounds",
    )
    args = parser.parse_args()

    admin_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    broker_url = os.environ.get(
        "BENCH_REDIS_URL", os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    queue = f"sd-bench-{uuid.uuid4().hex[:12]}"
    port = free_port()
    host = f"127.0.0.1:{port}"
    workdir = Path(tempfile.mkdtemp(prefix="sd-bench-"))
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(workdir)),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(REPO_ROOT),
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "ENV_FILE": os.devnull,
        "SECRET_KEY": f"bench-{uuid.uuid4().hex}",
        "SECRETS_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "APP_URL": f"http://{host}",
        "APP_IDENTIFIER": APP_IDENTIFIER,
        "DATABASE_URL": _database_url(admin_url, DATABASE_NAME),
        "CELERY_BROKER_URL": broker_url,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
    }
    total_real = (args.rounds * args.requests) + WARMUP_REQUESTS
    log_path = workdir / "serve.log"
    fake = FakeSaleor(key=SigningKey.generate(), identifier=APP_IDENTIFIER).start()
    server: subprocess.Popen[bytes] | None = None
    completed = False
    print(f"preparing {total_real} signed deliveries ...", flush=True)
    deliveries = _sign_deliveries(fake, total_real)
    _recreate_database(admin_url)
    try:
        subprocess.run([str(CONSOLE), "migrate"], env=env, cwd=workdir, check=True,
                       capture_output=True, timeout=300)
        with log_path.open("wb") as log:
            server = subprocess.Popen([str(CONSOLE), "serve", "--port", str(port)],
                                      env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
        wait_for_http(f"http://{host}/health", server, log_path)
        fake.tokens[APP_TOKEN] = APP_ID
        registered = requests.post(
            f"http://{host}/api/register", json={"auth_token": APP_TOKEN},
            headers={"Saleor-Api-Url": fake.api_url, "Saleor-Domain": fake.domain}, timeout=30,
        )
        assert registered.status_code == 200, registered.text

        real = [_raw_request(host, WEBHOOK_PATH, body, headers) for body, headers in deliveries]
        noop = [_raw_request(host, NOOP_PATH, body, headers) for body, headers in deliveries]
        warmup_real, real = real[:WARMUP_REQUESTS], real[WARMUP_REQUESTS:]
        _run_round(port, noop[:WARMUP_REQUESTS], args.concurrency)
        warmup = _run_round(port, warmup_real, args.concurrency)
        assert warmup.accepted == WARMUP_REQUESTS, (warmup.statuses, log_path.read_text()[-3000:])

        body_bytes = len(deliveries[0][0])
        print(
            f"python {platform.python_version()}, {os.cpu_count()} CPUs, one uvicorn process; "
            f"{args.requests} requests x {args.rounds} rounds per endpoint, concurrency "
            f"{args.concurrency}, body ~{body_bytes} bytes",
            flush=True,
        )
        profiler = _start_profiler(server.pid, args.profile) if args.profile else None
        bare_rates: list[float] = []
        real_rates: list[float] = []
        bare_cpu_ms: list[float] = []
        real_cpu_ms: list[float] = []
        client_cpu_ms: list[float] = []
        for round_index in range(args.rounds):
            chunk = slice(round_index * args.requests, (round_index + 1) * args.requests)
            cpu_start = _cpu_seconds(server.pid)
            bare = _run_round(port, noop[chunk], args.concurrency)
            cpu_bare = _cpu_seconds(server.pid)
            ingest = _run_round(port, real[chunk], args.concurrency)
            cpu_real = _cpu_seconds(server.pid)
            bare_cpu_ms.append(1000 * (cpu_bare - cpu_start) / args.requests)
            real_cpu_ms.append(1000 * (cpu_real - cpu_bare) / args.requests)
            assert bare.statuses == Counter({200: args.requests}), bare.statuses
            assert ingest.statuses == Counter({200: args.requests}), ingest.statuses
            assert ingest.accepted == args.requests, "a delivery was not newly accepted"
            bare_rates.append(bare.rate)
            real_rates.append(ingest.rate)
            client_cpu_ms += [bare.client_cpu_ms, ingest.client_cpu_ms]
            print(
                f"round {round_index + 1}: bare {bare.rate:8.1f} req/s "
                f"({bare_cpu_ms[-1]:.2f} ms server CPU each)   "
                f"webhook {ingest.rate:8.1f} deliveries/s ({real_cpu_ms[-1]:.2f} ms)",
                flush=True,
            )
        if profiler is not None:
            stop_process(profiler, signal.SIGINT)
            print(f"profile (py-spy collapsed stacks): {args.profile}")

        with psycopg.connect(env["DATABASE_URL"]) as conn:
            stored = conn.execute("SELECT count(*) FROM webhooks_inboxdelivery").fetchone()
        queued = redis.Redis.from_url(broker_url).llen(queue)
        bare_rate = statistics.median(bare_rates)
        real_rate = statistics.median(real_rates)
        ratio = real_rate / bare_rate
        print(f"inbox rows stored: {stored[0] if stored else 0} (expected {total_real}); "
              f"Celery messages waiting in {queue}: {queued}")
        print(f"bare Django endpoint : {bare_rate:8.1f} req/s (median), "
              f"{statistics.median(bare_cpu_ms):.2f} ms server CPU per request")
        print(f"signed webhook ingest: {real_rate:8.1f} deliveries/s (median), "
              f"{statistics.median(real_cpu_ms):.2f} ms server CPU per delivery")
        print(f"client (this script) : {statistics.median(client_cpu_ms):.2f} ms CPU per request")
        print(f"ratio                : {ratio:.2f} (target >= 0.50: "
              f"{'met' if ratio >= 0.5 else 'NOT met'})")
        completed = True
        return 0 if ratio >= 0.5 else 1
    finally:
        if server is not None:
            stop_process(server)
        fake.stop()
        _recreate_database(admin_url, drop_only=True)
        delete_queue_traces(broker_url, queue)
        if completed:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"the server's log is kept in {log_path}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
