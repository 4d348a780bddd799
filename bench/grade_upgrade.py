"""Grade upgrade bench: the automatic upgrade (`network.grades.upgrade_grades`) on 1,000,000
distributors.

    python bench/grade_upgrade.py [--distributors 1000000] [--keep]

Creates its own PostgreSQL database (default `sd_bench_grades`, on the server of
BENCH_DATABASE_URL or DATABASE_URL), bulk-loads the generated tree of `network_tree.py` with
its counters, gives every other distributor sales in CNY (random, set-based SQL), creates
three auto-upgrade grades, then times: the first run (most of the network moves up, one
audit row each), a second run (nothing left to do: what the beat costs every 10 minutes),
and a run limited to 100 distributors (what an order hook would cost). Afterwards it checks
in SQL that no active distributor meets the targets of an auto grade above their own.
Prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.network_tree import (
    admin_execute,
    bulk_load,
    generate_tree,
    server_url,
    setup_django,
    team_sizes,
    with_database,
)

# (name, rank, min CNY sales or None, min direct recruits or None, min team size or None)
GRADES = (
    ("bronze", 1, None, 1, None),
    ("silver", 2, Decimal("500"), 3, None),
    ("gold", 3, Decimal("5000"), None, 100),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--distributors", type=int, default=1_000_000)
    parser.add_argument("--database", default="sd_bench_grades")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    n, name = args.distributors, args.database
    assert name.replace("_", "").isalnum(), "a plain database name, please"

    print(f"grade_upgrade bench: {n:,} distributors, database {name}")
    admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin_execute(f'CREATE DATABASE "{name}"')
    database_url = with_database(server_url(), name)
    setup_django(database_url)

    from django.core.management import call_command

    from saleor_distribution.core.audit import Actor
    from saleor_distribution.core.models import AuditEvent
    from saleor_distribution.installations.models import Installation
    from saleor_distribution.network import grades
    from saleor_distribution.network.models import Distributor

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    installation = Installation.objects.create(
        saleor_api_url="https://bench.example.com/graphql/", app_id="QXBwOjE=",
        auth_token="bench-token",
    )
    parent, depth = generate_tree(n, args.seed)
    with psycopg.connect(database_url) as conn:
        bulk_load(conn, installation.pk, parent, depth, team_sizes(parent), Counter(parent[2:]))
        # Sales for every other distributor: 0 to 9,999.99 CNY, deterministic per id.
        conn.execute(
            """
            INSERT INTO reports_distributorsales
                (installation_id, distributor_id, currency, amount, order_count, updated_at)
            SELECT %s, id, 'CNY', ((id * 7919) %% 1000000) / 100.0, 1, now()
            FROM network_distributor WHERE id %% 2 = 0
            """,
            (installation.pk,),
        )
        conn.commit()
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    staff = Actor.staff("VXNlcjox")
    for grade_name, rank, sales, direct, team in GRADES:
        grades.create_grade(
            installation, actor=staff, name=grade_name, rank=rank,
            min_sales_amount=sales or Decimal(0), min_sales_currency="CNY" if sales else "",
            min_direct_count=direct, min_team_size=team, auto_upgrade=True,
        )
    print(f"  load: {time.perf_counter() - started:.1f} s")

    def run(label: str, **kwargs: object) -> int:
        start = time.perf_counter()
        moved = grades.upgrade_grades(installation, **kwargs)  # type: ignore[arg-type]
        print(f"  {label}: {moved:,} upgraded in {time.perf_counter() - start:.2f} s")
        return moved

    first = run("first run")
    second = run("second run (nothing to do)")
    sample = list(Distributor.objects.order_by("-id").values_list("id", flat=True)[:100])
    run("run limited to 100 distributors", distributor_ids=sample)

    held = Counter(
        Distributor.objects.values_list("grade__name", flat=True).iterator(chunk_size=10000)
    )
    print("  distributors per grade:", dict(sorted(held.items(), key=lambda kv: str(kv[0]))))
    audited = AuditEvent.objects.filter(action="distributor.auto_upgrade").count()
    violations = sum(
        grades.meeting_targets(grade).filter(grade__rank__lt=grade.rank).count()
        + grades.meeting_targets(grade).filter(grade__isnull=True).count()
        for grade in grades.Grade.objects.filter(installation=installation)
    )
    print(f"  audit rows: {audited:,} (upgrades: {first + second:,}); "
          f"distributors still below a grade they meet: {violations}")
    assert audited == first + second and violations == 0

    if not args.keep:
        from django.db import connections

        connections.close_all()
        admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
