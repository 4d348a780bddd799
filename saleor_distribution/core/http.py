"""The one way this service makes outbound HTTP calls: a `requests` session with explicit
timeouts and urllib3's own retry-with-backoff (compare Saleor's `core/http_client.py`).

Retries are only safe where repeating the request cannot repeat an effect: a connection that
was never made is always retried; read timeouts and 5xx answers only for idempotent calls.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from saleor_distribution import __version__

USER_AGENT = f"saleor-distribution/{__version__}"
RETRY_STATUSES = (500, 502, 503, 504)


@dataclass(frozen=True)
class HttpPolicy:
    connect_timeout_seconds: float
    read_timeout_seconds: float
    max_retries: int
    backoff_seconds: float

    @property
    def timeout(self) -> tuple[float, float]:
        return (self.connect_timeout_seconds, self.read_timeout_seconds)

    @classmethod
    def from_settings(cls) -> HttpPolicy:
        from django.conf import settings

        return cls(
            connect_timeout_seconds=settings.SALEOR_HTTP_CONNECT_TIMEOUT_SECONDS,
            read_timeout_seconds=settings.SALEOR_HTTP_READ_TIMEOUT_SECONDS,
            max_retries=settings.SALEOR_HTTP_MAX_RETRIES,
            backoff_seconds=settings.SALEOR_HTTP_BACKOFF_SECONDS,
        )


def build_session(policy: HttpPolicy, *, idempotent: bool) -> requests.Session:
    retries = policy.max_retries
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries if idempotent else 0,
        status=retries if idempotent else 0,
        other=0,
        status_forcelist=RETRY_STATUSES if idempotent else (),
        # None = every method, including POST: GraphQL queries are POSTs but idempotent.
        allowed_methods=None if idempotent else frozenset({"GET", "HEAD"}),
        backoff_factor=policy.backoff_seconds,
        backoff_max=30,
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    # Never follow redirects to another host with our token (Saleor never redirects either).
    session.max_redirects = 0
    return session
