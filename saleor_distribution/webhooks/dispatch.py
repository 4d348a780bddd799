"""Nudging workers about stored deliveries, in batches, off the request thread.

A webhook request must answer fast. Publishing one Celery message per delivery from the
request costs more CPU than verifying and storing it, so a request only hands the delivery
id to this process's batcher; one thread publishes a single `dispatch_inbox_deliveries`
message for everything queued meanwhile, and a worker splits it into batch tasks that
process their deliveries together (`tasks.process_inbox_batch`; a failed batch falls back
to one task per delivery, each with its own retries). Safe because the inbox row, not the
message, is the truth: if this process dies with ids still queued, the sweep nudges them again
(`actions.SWEEP_AFTER`). Written here because Celery has no client-side batching.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)

MAX_BATCH = 500
# After the first id arrives, wait this long for more before publishing: one message per
# linger instead of one per delivery under load, for at most this much added latency.
LINGER_SECONDS = 0.05


class NudgeBatcher:
    def __init__(
        self,
        send: Callable[[list[int]], None],
        max_batch: int = MAX_BATCH,
        linger_seconds: float = LINGER_SECONDS,
    ) -> None:
        self._send = send
        self._max_batch = max_batch
        self._linger_seconds = linger_seconds
        self._queue: queue.SimpleQueue[int] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self._unsent = 0  # submitted, not yet published (or given up on)
        self._idle = threading.Condition()

    def submit(self, delivery_id: int) -> None:
        with self._idle:
            self._unsent += 1
        self._queue.put(delivery_id)
        self._ensure_thread()

    def drain(self, timeout: float) -> bool:
        """Wait until everything submitted so far has been published; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._unsent <= 0, timeout=timeout)

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive() or self._pid != os.getpid():
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name="inbox-nudges", daemon=True)
                self._thread.start()

    def _take_batch(self, block: bool) -> list[int]:
        batch: list[int] = []
        try:
            batch.append(self._queue.get(block=block))
        except queue.Empty:
            return batch
        deadline = time.monotonic() + (self._linger_seconds if block else 0)
        while len(batch) < self._max_batch:
            remaining = deadline - time.monotonic()
            try:
                if remaining > 0:
                    batch.append(self._queue.get(timeout=remaining))
                else:
                    batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _publish(self, batch: list[int]) -> None:
        try:
            self._send(batch)
        except Exception:
            # Boundary: the deliveries are stored; the sweep will nudge them again.
            logger.exception("Could not nudge workers", extra={"count": len(batch)})
        finally:
            with self._idle:
                self._unsent -= len(batch)
                self._idle.notify_all()

    def _run(self) -> None:
        while True:
            self._publish(self._take_batch(block=True))

    def flush(self) -> None:
        """Publish whatever is queued, now, in the calling thread (at exit, in tests)."""
        while batch := self._take_batch(block=False):
            self._publish(batch)


def _send_to_workers(delivery_ids: list[int]) -> None:
    from saleor_distribution.webhooks.tasks import dispatch_inbox_deliveries

    dispatch_inbox_deliveries.delay(delivery_ids)


batcher = NudgeBatcher(_send_to_workers)
atexit.register(batcher.flush)
