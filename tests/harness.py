"""Running the service in other processes, for slow tests and benchmarks: a free port,
bounded waits, stopping a process for sure, and wiping a Celery queue off Redis.

No Django imports here: `tests.services` uses this before settings are loaded.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
    """Poll `predicate` until it holds or `timeout` seconds pass; return whether it held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def stop_process(
    process: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 15.0
) -> None:
    """`sig` (SIGTERM: a warm shutdown for Celery and uvicorn), then SIGKILL if it lingers."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)


def wait_for_http(
    url: str, process: subprocess.Popen[bytes], log_path: Path, timeout: float = 60.0
) -> None:
    """Wait until `url` answers 200, failing early (with the log) if the process exits."""
    import requests

    def answers() -> bool:
        assert process.poll() is None, f"the server exited:\n{log_path.read_text()}"
        try:
            return requests.get(url, timeout=2).status_code == 200
        except requests.ConnectionError:
            return False

    assert wait_until(answers, timeout), f"no answer from {url}:\n{log_path.read_text()}"


def delete_queue_traces(broker_url: str, token: str) -> int:
    """Remove every Redis key, kombu binding and unacknowledged message that names `token`
    (a queue name unique to one run). Returns how many keys were deleted."""
    import redis

    client = redis.Redis.from_url(broker_url)
    deleted = 0
    try:
        for key in client.scan_iter(match=f"*{token}*"):
            deleted += client.delete(key)
        for key in client.scan_iter(match="_kombu.binding.*"):
            for member in client.smembers(key):
                if token.encode() in member:
                    client.srem(key, member)
        for tag, message in client.hgetall("unacked").items():
            if token.encode() in message:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)
    finally:
        client.close()
    return deleted
