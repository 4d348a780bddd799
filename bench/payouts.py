"""Payout throughput: the whole pipeline beside the gateway fakes' own raw rate.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sd_payouts .venv/bin/python bench/payouts.py

For each gateway (WeChat Pay, Alipay) it measures, in the same run and with the same number
of worker threads:
- raw: signed transfer requests sent straight to the loopback fake through the provider
  (the real `wechatpayv3` / `python-alipay-sdk`: sign, fake verifies and signs, we verify);
- pipeline: request_withdrawal → approve_withdrawal → (on commit, Celery eager, one
  batch message) submit_payouts → fake → result recorded, ledger posted; every withdrawal
  ends PAID. The target is measured on this.
- stage (shown apart, not the target): the payout stage alone, for withdrawals already
  requested: staff approve them 10 at a time (approve_withdrawals), each approval's one
  message claims, sends and records the batch; every withdrawal ends PAID.
It prints payouts per second and the ratios; targets: pipeline ≥ 0.5 x raw, and above
Alipay's documented ~10 transfers/s. A figure printer, not a test. It creates and drops its
own database (`test_<name>_bench`).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from saleor_distribution.core.money import Money  # noqa: E402
from saleor_distribution.core.secrets import Secret  # noqa: E402
from saleor_distribution.installations.models import Installation  # noqa: E402
from saleor_distribution.withdrawals import actions, fetch  # noqa: E402
from saleor_distribution.withdrawals.calculations import new_payout_number  # noqa: E402
from saleor_distribution.withdrawals.models import (  # noqa: E402
    PayeeKind,
    PayoutChannel,
    Withdrawal,
    WithdrawalStatus,
)
from saleor_distribution.withdrawals.providers import build_provider  # noqa: E402
from saleor_distribution.withdrawals.providers.base import Payee, PayoutRequest  # noqa: E402
from tests.fakes.alipay import AlipayKeys, FakeAlipay  # noqa: E402
from tests.fakes.wechatpay import FakeWeChatPay, WeChatKeys  # noqa: E402
from tests.fixtures.withdrawals import (  # noqa: E402
    ALIPAY_USER_ID,
    OPENID,
    REAL_NAME,
    STAFF,
    fund,
)

ALIPAY_DOCUMENTED_RATE = 10.0  # transfers per second (GATEWAYS.md)
# Withdrawals staff approve at once in the stage measurement (one submission batch; a
# constant here, so the script measures code without batches the same way).
STAFF_BATCH = 10
AMOUNT = Money(Decimal("1.00"), "CNY")


@dataclass(frozen=True)
class Measured:
    per_second: float
    cpu_ms: float  # this process's CPU (our threads and the fake's) per call; not PostgreSQL's


def rate(count: int, workers: int, one: Callable[[int], object]) -> Measured:
    """Calls per second of `one(i)` for i in range(count), shared by `workers` threads
    (each keeps its database connection for the whole run, as a Celery worker does), and
    the process's CPU time per call: steadier than rates when other work shares the
    machine."""

    def run(worker: int) -> None:
        try:
            for index in range(worker, count, workers):
                one(index)
        finally:
            connection.close()

    started, cpu = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(run, range(workers)))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return Measured(count / elapsed, cpu * 1000 / count)


def setup(channel: str) -> tuple[Installation, list, object]:
    installation = Installation.objects.create(
        saleor_api_url=f"https://{channel}-{uuid.uuid4().hex[:8]}.example.com/graphql/",
        app_id="QXBwOjE=",
        auth_token=Secret("bench-app-token-0123456789"),
        jwks={},
    )
    if channel == PayoutChannel.WECHAT:
        fake: FakeWeChatPay | FakeAlipay = FakeWeChatPay(
            WeChatKeys.create(), initial_state="SUCCESS"
        ).start()
    else:
        fake = FakeAlipay(AlipayKeys.create(), initial_status="SUCCESS").start()
        fake.accounts[ALIPAY_USER_ID] = REAL_NAME
    actions.configure_provider(
        installation,
        channel,
        options=fake.provider_options(),
        credentials=fake.provider_credentials(),
        gateway_url=fake.url,
        staff_user_id=STAFF,
    )
    actions.set_withdrawal_rules(
        installation, "CNY", min_amount="0.10", channels=[channel], staff_user_id=STAFF
    )
    return installation, [], fake


def distributors(installation: Installation, channel: str, count: int, funds: str) -> list:
    from saleor_distribution.network.actions import add_distributor

    made = []
    for index in range(count):
        distributor = add_distributor(
            installation, saleor_user_id=f"bench-{index}", email=f"bench{index}@example.com"
        )
        fund(distributor, funds)
        actions.bind_payee_account(
            installation,
            distributor,
            channel=channel,
            kind=PayeeKind.WECHAT_OPENID
            if channel == PayoutChannel.WECHAT
            else PayeeKind.ALIPAY_USER_ID,
            identity=OPENID if channel == PayoutChannel.WECHAT else ALIPAY_USER_ID,
            real_name=REAL_NAME,
            wechat_appid="wx8888888888888888",
            actor="bench",
        )
        made.append(distributor)
    return made


def measure(
    channel: str, count: int, workers: int, latency: float
) -> tuple[Measured, Measured, Measured]:
    installation, _, fake = setup(channel)
    people = distributors(installation, channel, 20, str(count))
    config = fetch.get_provider_config(installation, channel)
    assert config is not None
    wechat = channel == PayoutChannel.WECHAT
    payee = Payee(
        kind=PayeeKind.WECHAT_OPENID if wechat else PayeeKind.ALIPAY_USER_ID,
        identity=Secret(OPENID if wechat else ALIPAY_USER_ID),
        real_name=Secret(REAL_NAME),
    )
    provider = build_provider(config)
    provider.submit(PayoutRequest(new_payout_number(timezone.now()), AMOUNT, payee))  # warm up
    fake.delay_seconds = latency

    def raw(index: int) -> object:
        number = new_payout_number(timezone.now())
        return provider.submit(PayoutRequest(number, AMOUNT, payee))

    def pipeline(index: int) -> object:
        distributor = people[index % len(people)]
        withdrawal = actions.request_withdrawal(
            installation, distributor, amount=AMOUNT, channel=channel
        )
        # Approval commits, then (Celery eager, on commit) submits and records the result.
        return actions.approve_withdrawal(installation, withdrawal.pk, staff_user_id=STAFF)

    # Requested (not timed) for the stage measurement: one batch per chunk of ids.
    requested = [
        actions.request_withdrawal(
            installation, people[index % len(people)], amount=AMOUNT, channel=channel
        ).pk
        for index in range(count)
    ]
    chunks = [requested[start : start + STAFF_BATCH] for start in range(0, count, STAFF_BATCH)]

    def stage(index: int) -> object:
        # Approval commits, then (Celery eager, on commit) one message sends the batch.
        return actions.approve_withdrawals(installation, chunks[index], staff_user_id=STAFF)

    raw_rate = rate(count, workers, raw)
    pipeline_rate = rate(count, workers, pipeline)
    batches = rate(len(chunks), workers, stage)
    stage_rate = Measured(
        batches.per_second * count / len(chunks), batches.cpu_ms * len(chunks) / count
    )
    statuses = set(
        Withdrawal.objects.filter(installation=installation).values_list("status", flat=True)
    )
    assert statuses == {WithdrawalStatus.PAID}, statuses
    fake.stop()
    return raw_rate, pipeline_rate, stage_rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=200, help="payouts per measurement")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 8])
    parser.add_argument(
        "--latency",
        type=float,
        nargs="+",
        default=[0.0, 0.1],
        help="seconds the fakes take to answer a transfer (0: as fast as they can)",
    )
    args = parser.parse_args()

    logging.disable(logging.WARNING)
    database = settings.DATABASES["default"]
    database.setdefault("TEST", {})["NAME"] = f"test_{database['NAME']}_bench"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        print(f"payouts per second, {args.count} payouts per figure ({connection.vendor})")
        print(
            "{:<8} {:>8} {:>7} {:>9} {:>9} {:>6}  {:<31}| {:>7} {:>6} | cpu ms/payout:"
            " raw pipeline stage".format(
                "gateway",
                "latency",
                "workers",
                "fake raw",
                "pipeline",
                "ratio",
                "verdict (pipeline)",
                "stage",
                "ratio",
            )
        )
        for channel in (PayoutChannel.WECHAT, PayoutChannel.ALIPAY):
            for latency in args.latency:
                for workers in args.workers:
                    raw, pipeline, stage = measure(channel, args.count, workers, latency)
                    ratio = pipeline.per_second / raw.per_second
                    verdict = "ok" if ratio >= 0.5 else "ratio below 0.5"
                    if pipeline.per_second <= ALIPAY_DOCUMENTED_RATE:
                        verdict += ", not above 10/s"
                    print(
                        f"{channel:<8} {latency:>7.3f}s {workers:>7} {raw.per_second:>9.1f} "
                        f"{pipeline.per_second:>9.1f} {ratio:>6.2f}  {verdict:<31}"
                        f"| {stage.per_second:>7.1f} {stage.per_second / raw.per_second:>6.2f} "
                        f"| {raw.cpu_ms:>17.1f} {pipeline.cpu_ms:>8.1f} {stage.cpu_ms:>5.1f}"
                    )
    finally:
        connection.creation.destroy_test_db(database["NAME"], verbosity=0)


if __name__ == "__main__":
    main()
