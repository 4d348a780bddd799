"""The ASGI server must not open a database connection per request.

Django's ASGI handler runs each request's sync code in a thread of its own, so persistent
connections (CONN_MAX_AGE) are one per request thread, never reused, and pile up until
PostgreSQL refuses clients (Django ticket #33497). The settings use a psycopg pool instead.
"""

from __future__ import annotations

import asyncio

import pytest
from django.core.handlers.asgi import ASGIHandler
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)

REQUESTS = 48
CONCURRENCY = 8


async def _asgi_get(app: ASGIHandler, path: str) -> int:
    """One GET through the ASGI application, as uvicorn would call it."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    sent: list[dict] = []
    body_read = False

    async def receive() -> dict:
        nonlocal body_read
        if not body_read:
            body_read = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the client never disconnects; Django cancels this
        raise AssertionError("unreachable")

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return int(sent[0]["status"])


def _other_backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return int(cursor.fetchone()[0])


def test_asgi_requests_share_a_bounded_pool_of_connections(settings):
    pool = settings.DATABASES["default"]["OPTIONS"].get("pool")
    assert pool, "PostgreSQL connections must be pooled"
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] == 0
    app = ASGIHandler()

    async def burst() -> list[int]:
        statuses: list[int] = []
        for _ in range(REQUESTS // CONCURRENCY):
            statuses += await asyncio.gather(
                *(_asgi_get(app, "/health") for _ in range(CONCURRENCY))
            )
        return statuses

    # Every request touches the database (/health runs SELECT 1).
    assert asyncio.run(burst()) == [200] * REQUESTS
    assert _other_backends() <= pool["max_size"] < REQUESTS
