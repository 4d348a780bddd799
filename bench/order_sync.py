"""Order sync and settlement: figures, not a test.

    python bench/order_sync.py [--orders 3000] [--commissions 1000000] [--keep]

1. **Order sync end to end from the inbox**, in this one process (one worker): stored
   `InboxDelivery` rows of ORDER_FULLY_PAID for orders of 5 lines, each attributed by
   `distribution.ref` to a leaf of a 3-level chain, go through `process_delivery`: payload
   parsing, the order record, attribution, the chain, the plan, 15 commissions and 15
   ledger entries with their account locks and cached totals. Target >= 200 orders/s.
   Printed against plain INSERTs of the same rows (the order record, 15 commissions, 15
   ledger entries, one transaction per order) in the same run.
2. **Settlement** of 1,000,000 matured commissions (bulk-created with set-based SQL first,
   spread over every distributor's account): `settle_matured_commissions`. Target <= 60 s.

Uses its own database (`sd_bench_order_sync`, dropped afterwards unless --keep) on the
PostgreSQL named by BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import random
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import psycopg  # noqa: E402

DATABASE_NAME = "sd_bench_order_sync"
ROOTS, MIDS_PER_ROOT, LEAVES_PER_MID = 100, 10, 10  # 11,100 distributors, 10,000 chains
LINES_PER_ORDER = 5
WARMUP_ORDERS = 100


def _database_url(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def _recreate_database(admin_url: str, *, drop_only: bool = False) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def _setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ.setdefault("SECRETS_ENCRYPTION_KEYS", "VGVzdHMgb25seTogbm90IGEgcmVhbCBrZXkgISEhISE=")
    os.environ["ENV_FILE"] = os.devnull
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "saleor_distribution.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _distributors(installation):  # type: ignore[no-untyped-def]
    """Three levels of distributors, bulk-inserted, paths set in SQL."""
    from django.db import connection

    from saleor_distribution.network.models import Distributor, DistributorStatus

    def batch(prefix: str, parents: list[int | None], depth: int) -> list[int]:
        rows = [
            Distributor(
                installation=installation,
                saleor_user_id=f"u-{prefix}{i}",
                email=f"{prefix}{i}@example.com",
                code=f"{prefix}{i:05d}",
                status=DistributorStatus.ACTIVE,
                parent_id=parent,
                depth=depth,
            )
            for i, parent in enumerate(parents)
        ]
        return [d.pk for d in Distributor.objects.bulk_create(rows, batch_size=5000)]

    roots = batch("R", [None] * ROOTS, 0)
    mids = batch("M", [r for r in roots for _ in range(MIDS_PER_ROOT)], 1)
    leaves = batch("L", [m for m in mids for _ in range(LEAVES_PER_MID)], 2)
    table = Distributor._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET path = '/' || id || '/' WHERE depth = 0")  # noqa: S608
        for depth in (1, 2):
            cursor.execute(
                f"UPDATE {table} AS d SET path = p.path || d.id || '/'"  # noqa: S608
                f" FROM {table} AS p WHERE d.parent_id = p.id AND d.depth = %s",
                [depth],
            )
    return leaves


def _payload(template: dict, n: int, leaf_code: str) -> str:
    from tests.fixtures.engine import dump, order_line, set_ref

    payload = copy.deepcopy(template)
    order = payload["order"]
    order["id"] = f"T3JkZXI6YmVuY2gt{n}"
    order["number"] = str(10_000 + n)
    order["lines"] = [
        order_line(
            f"line-{n}-{i}",
            product_id=f"UHJvZHVjdDo{i}",
            category_id="Q2F0ZWdvcnk6MQ==",
            quantity=1 + i % 3,
            unit_net=f"{10 + 7 * i}.{n % 100:02d}",
        )
        for i in range(LINES_PER_ORDER)
    ]
    return dump(set_ref(payload, leaf_code))


def bench_order_sync(installation, leaves: list[int], orders: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from django.db import connection, transaction

    from saleor_distribution.commissions.models import Commission, OrderRecord
    from saleor_distribution.ledger.models import LedgerEntry
    from saleor_distribution.network.models import Distributor
    from saleor_distribution.webhooks.actions import (
        dedupe_key,
        process_deliveries,
        process_delivery,
    )
    from saleor_distribution.webhooks.models import InboxDelivery
    from saleor_distribution.webhooks.tasks import BATCH_SIZE
    from tests.fixtures.engine import payload_of

    codes = dict(Distributor.objects.filter(pk__in=leaves).values_list("pk", "code"))
    template = payload_of("order_fully_paid")
    rng = random.Random(7)
    total = WARMUP_ORDERS + orders
    bodies = [_payload(template, n, codes[rng.choice(leaves)]) for n in range(total)]
    rows = InboxDelivery.objects.bulk_create(
        [
            InboxDelivery(
                installation=installation,
                event="ORDER_FULLY_PAID",
                body=body,
                saleor_object_id=json.loads(body)["order"]["id"],
                dedupe_key=dedupe_key("ORDER_FULLY_PAID", body.encode()),
            )
            for body in bodies
        ],
        batch_size=1000,
    )
    ids = [row.pk for row in rows]
    warmup = ids[:WARMUP_ORDERS]
    one_by_one, batched = ids[WARMUP_ORDERS::2], ids[WARMUP_ORDERS + 1 :: 2]
    for pk in warmup:
        process_delivery(pk)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    # Half the orders as the worker takes them (batches of BATCH_SIZE deliveries, one
    # transaction each), half one by one (one transaction per delivery, as a retry does);
    # interleaved in chunks so both see the same database.
    timings = {"batched": [0.0, 0.0], "single": [0.0, 0.0]}
    chunk = BATCH_SIZE * 4
    for start in range(0, max(len(one_by_one), len(batched)), chunk):
        t0, c0 = time.perf_counter(), time.process_time()
        part = batched[start : start + chunk]
        for b in range(0, len(part), BATCH_SIZE):
            outcomes = process_deliveries(part[b : b + BATCH_SIZE])
            assert all(o.startswith("reconciled") for o in outcomes.values()), outcomes
            assert len(outcomes) == len(part[b : b + BATCH_SIZE])
        t1, c1 = time.perf_counter(), time.process_time()
        for pk in one_by_one[start : start + chunk]:
            outcome = process_delivery(pk)
            assert outcome and outcome.startswith("reconciled"), outcome
        t2, c2 = time.perf_counter(), time.process_time()
        timings["batched"][0] += t1 - t0
        timings["batched"][1] += c1 - c0
        timings["single"][0] += t2 - t1
        timings["single"][1] += c2 - c1
    measured = OrderRecord.objects.filter(number__gte=str(10_000 + WARMUP_ORDERS))
    commissions = Commission.objects.filter(order__in=measured).count()
    assert commissions == orders * LINES_PER_ORDER * 3, commissions

    # Plain INSERTs of the same rows, copied from what the batched sync wrote, in the same
    # transactions (BATCH_SIZE orders each).
    batched_numbers = [str(10_000 + WARMUP_ORDERS + 1 + 2 * i) for i in range(len(batched))]
    records = list(OrderRecord.objects.filter(number__in=batched_numbers).order_by("pk"))
    by_order: dict[int, list[Commission]] = {}
    for c in Commission.objects.filter(order__in=records):
        by_order.setdefault(c.order_id, []).append(c)
    entries: dict[str, list[LedgerEntry]] = {}
    for e in LedgerEntry.objects.filter(reference_type="commission").iterator():
        entries.setdefault(e.reference_id, []).append(e)
    started = time.perf_counter()
    for b in range(0, len(records), BATCH_SIZE):
        with transaction.atomic():
            copies, copied_entries, twins = [], [], []
            for record in records[b : b + BATCH_SIZE]:
                twin_record = copy.copy(record)
                twin_record.pk = None
                twin_record.saleor_order_id = f"copy-{record.saleor_order_id}"
                twins.append((record.pk, twin_record))
            OrderRecord.objects.bulk_create([t for _, t in twins])
            for original, twin_record in twins:
                for commission in by_order[original]:
                    for entry in entries[str(commission.pk)]:
                        twin = copy.copy(entry)
                        twin.pk = None
                        twin.idempotency_key = f"copy:{entry.idempotency_key}"
                        copied_entries.append(twin)
                    twin_commission = copy.copy(commission)
                    twin_commission.pk = None
                    twin_commission.order = twin_record
                    copies.append(twin_commission)
            Commission.objects.bulk_create(copies)
            LedgerEntry.objects.bulk_create(copied_entries)
    insert_seconds = time.perf_counter() - started
    sync_seconds, sync_cpu_seconds = timings["batched"]
    single_seconds, single_cpu_seconds = timings["single"]
    return {
        "sync_rate": len(batched) / sync_seconds,
        "single_rate": len(one_by_one) / single_seconds,
        "insert_rate": len(records) / insert_seconds,
        "sync_seconds": sync_seconds,
        "sync_cpu_ms": 1000 * sync_cpu_seconds / len(batched),
        "single_cpu_ms": 1000 * single_cpu_seconds / len(one_by_one),
        "insert_seconds": insert_seconds,
        "batch_size": BATCH_SIZE,
    }


def bench_settlement(installation, count: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.db.models import Sum
    from django.utils import timezone

    from saleor_distribution.commissions.actions import (
        active_plan_version,
        settle_matured_commissions,
    )
    from saleor_distribution.commissions.models import Commission, OrderRecord
    from saleor_distribution.ledger.models import Account, LedgerEntry
    from saleor_distribution.network.models import Distributor

    plan = active_plan_version(installation)
    order = OrderRecord.objects.create(
        installation=installation,
        saleor_order_id="bench-settlement",
        number="0",
        currency="USD",
        version=1,
    )
    commission = Commission._meta.db_table
    account = Account._meta.db_table
    distributor = Distributor._meta.db_table
    now = timezone.now()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {account} (installation_id, distributor_id, currency, pending, frozen,"  # noqa: S608
            f" available, withdrawing, paid, created_at)"
            f" SELECT installation_id, id, 'USD', 0, 0, 0, 0, 0, %s FROM {distributor}"
            f" ON CONFLICT DO NOTHING",
            [now],
        )
        # Spread over every account: the i-th commission goes to account i mod n.
        cursor.execute(
            f"WITH a AS (SELECT array_agg(id ORDER BY id) AS ids,"  # noqa: S608
            f" array_agg(distributor_id ORDER BY id) AS owners, count(*) AS n FROM {account})"
            f" INSERT INTO {commission} (installation_id, order_id, plan_version_id, line_id,"
            f" level, beneficiary_id, account_id, currency, quantity, base, rate_kind, rate,"
            f" rule_source, gross_amount, refunded_amount, amount, state, bucket, matures_at,"
            f" created_at, updated_at)"
            f" SELECT %s, %s, %s, 'line-' || g, 1, a.owners[1 + g %% a.n], a.ids[1 + g %% a.n],"
            f" 'USD', 1, 100, 'percentage', 0.1, 'level', 0.01 * (1 + g %% 1000), 0,"
            f" 0.01 * (1 + g %% 1000), 'frozen', 'frozen', %s - (g %% 86400) * interval '1 second',"
            f" %s, %s FROM a, generate_series(1, %s) AS g",
            [installation.pk, order.pk, plan.pk, now - timedelta(days=1), now, now, count],
        )
        cursor.execute(
            f"UPDATE {account} SET frozen = {account}.frozen + s.total FROM"  # noqa: S608
            f" (SELECT account_id, SUM(amount) AS total FROM {commission}"
            f" WHERE order_id = %s GROUP BY account_id) AS s WHERE {account}.id = s.account_id",
            [order.pk],
        )
        cursor.execute(f"VACUUM ANALYZE {commission}")
        cursor.execute(f"VACUUM ANALYZE {account}")
    setup_seconds = time.perf_counter() - started
    expected = Commission.objects.filter(order=order).aggregate(t=Sum("amount"))["t"]
    available_before = Account.objects.aggregate(t=Sum("available"))["t"]
    entries_before = LedgerEntry.objects.count()

    started = time.perf_counter()
    settled = settle_matured_commissions(now=now)
    settle_seconds = time.perf_counter() - started

    assert settled == count, settled
    written = LedgerEntry.objects.count() - entries_before
    settled_sum = LedgerEntry.objects.filter(
        reference_type="settlement", bucket="available"
    ).aggregate(t=Sum("amount"))["t"]
    assert settled_sum == expected, (settled_sum, expected)
    available_after = Account.objects.aggregate(t=Sum("available"))["t"]
    assert available_after - available_before == expected, (available_after, expected)
    return {
        "setup_seconds": setup_seconds,
        "settle_seconds": settle_seconds,
        "settled": settled,
        "entries": written,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=3000)
    parser.add_argument("--commissions", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()

    admin_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    _recreate_database(admin_url)
    try:
        _setup_django(_database_url(admin_url, DATABASE_NAME))
        from django.db import connection
        from django.utils import timezone

        from saleor_distribution.installations.models import Installation

        installation = Installation.objects.create(
            saleor_api_url="http://127.0.0.1:8000/graphql/",
            app_id="QXBwOjE=",
            auth_token="bench-token",
            jwks={},
            jwks_fetched_at=timezone.now(),
        )
        leaves = _distributors(installation)
        from saleor_distribution.commissions.actions import create_plan_version

        create_plan_version(
            installation,
            levels=3,
            level_rates=["0.10", "0.05", "0.02"],
            cap_rate="0.30",
            activate=True,
        )
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server = cursor.fetchone()[0]
        sync = bench_order_sync(installation, leaves, args.orders)
        settlement = bench_settlement(installation, args.commissions)
        connection.close()
    finally:
        if not args.keep:
            _recreate_database(admin_url, drop_only=True)

    ratio = sync["sync_rate"] / sync["insert_rate"]
    print(
        f"order_sync.py: Python {platform.python_version()}, PostgreSQL {server},"
        f" {os.cpu_count()} CPUs; {ROOTS * (1 + MIDS_PER_ROOT * (1 + LEAVES_PER_MID)):,}"
        f" distributors in 3-level chains"
    )
    print(
        f"order sync: {args.orders:,} orders x {LINES_PER_ORDER} lines x 3 levels"
        f" = {args.orders * LINES_PER_ORDER * 3:,} commissions and as many ledger entries"
    )
    rows = [
        (
            f"order sync, inbox -> ledger (1 process, batches of {sync['batch_size']:.0f})",
            f"{sync['sync_rate']:,.0f} orders/s",
            ">= 200 orders/s",
            "yes" if sync["sync_rate"] >= 200 else "NO",
        ),
        ("  worker CPU per order (this process)", f"{sync['sync_cpu_ms']:.1f} ms", "", ""),
        (
            "order sync one delivery per transaction (retries)",
            f"{sync['single_rate']:,.0f} orders/s",
            "",
            "",
        ),
        ("  worker CPU per order", f"{sync['single_cpu_ms']:.1f} ms", "", ""),
        (
            "plain INSERTs of the same rows, same transactions",
            f"{sync['insert_rate']:,.0f} orders/s",
            "",
            "",
        ),
        ("ratio sync / plain INSERTs", f"{ratio:.2f}", "", ""),
        (
            f"settle {settlement['settled']:,} matured commissions",
            f"{settlement['settle_seconds']:.1f} s",
            "<= 60 s",
            "yes" if settlement["settle_seconds"] <= 60 else "NO",
        ),
        (
            "  ledger entries written (a pair per account and batch)",
            f"{settlement['entries']:,}",
            "",
            "",
        ),
        ("  (bulk-creating them first)", f"{settlement['setup_seconds']:.1f} s", "", ""),
    ]
    widths = [
        max(len(r[i]) for r in [*rows, ("figure", "value", "target", "met")]) for i in range(4)
    ]
    for row in [("figure", "value", "target", "met"), *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
