"""Fault injection for a real Celery worker started by a test.

A worker started with `--include tests.fakes.flaky_handlers` and `SD_TEST_FAIL_WHILE_EXISTS`
naming a file fails every handler with a retryable-looking error while that file exists, and
processes normally once the test removes it. A `monkeypatch` in the test process cannot reach
the worker's process; a file both processes can see can.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from saleor_distribution.webhooks import handlers

if TYPE_CHECKING:
    from saleor_distribution.webhooks.handlers import Handler
    from saleor_distribution.webhooks.models import InboxDelivery

FLAG_ENV = "SD_TEST_FAIL_WHILE_EXISTS"
FAILURE_MESSAGE = "Saleor did not answer (the test's flag file exists)"


def _failing_while_flagged(handler: Handler, flag: Path) -> Handler:
    def handle(delivery: InboxDelivery) -> str:
        if flag.exists():
            raise ConnectionError(FAILURE_MESSAGE)
        return handler(delivery)

    return handle


_flag = os.environ.get(FLAG_ENV)
if _flag:
    for _event, _handler in list(handlers.HANDLERS.items()):
        handlers.HANDLERS[_event] = _failing_while_flagged(_handler, Path(_flag))
