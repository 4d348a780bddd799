"""Installations that recently passed a webhook's verification, kept per process.

Every delivery is checked against its installation (status, app id, JWKS). Reading the row
(with its JWKS document) for each one was, after the signature itself, the largest part of
the webhook endpoint's CPU. A row is kept here only after a delivery verified against it,
for `WEBHOOK_INSTALLATION_CACHE_SECONDS`; any refusal is decided on a fresh read, and every
change this process makes to installations empties it. What another process changes (an
APP_DELETED processed by a worker) is seen here within those seconds: Saleor itself stops
sending to a removed app, and its deliveries are asynchronous anyway.

A dict and a clock rather than a cache library: entries are replaced whole (one dict
assignment, atomic under the GIL), so threads need no lock, and nothing is pickled, which
Django's local-memory cache would do on every read.
"""

from __future__ import annotations

import time

from django.conf import settings

from saleor_distribution.installations.models import Installation

_entries: dict[str, tuple[float, Installation]] = {}


def get(saleor_api_url: str) -> Installation | None:
    entry = _entries.get(saleor_api_url)
    if entry is None:
        return None
    expires, installation = entry
    if time.monotonic() >= expires:
        _entries.pop(saleor_api_url, None)
        return None
    return installation


def remember(installation: Installation) -> None:
    seconds = settings.WEBHOOK_INSTALLATION_CACHE_SECONDS
    if seconds > 0:
        _entries[installation.saleor_api_url] = (time.monotonic() + seconds, installation)


def forget_all() -> None:
    _entries.clear()
