"""Network tree bench: ancestors, team size and team pages on 1,000,000 distributors.

    python bench/network_tree.py [--distributors 1000000] [--samples 2000] [--keep]

Creates its own PostgreSQL database (default `sd_bench_network` on the server of
BENCH_DATABASE_URL or DATABASE_URL, else postgres@127.0.0.1:5432), migrates it, bulk-loads a
generated tree with COPY, computes every team counter in set-based SQL, VACUUM ANALYZE, then
times the app's own read helpers (`saleor_distribution.network.fetch`) through the Django ORM,
end to end, and prints p50/p95 against the targets. Drops the database at the end unless
`--keep` (the GraphQL bench can reuse it). Prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT_DIR))

MAX_DEPTH = 30
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"


# --- the tree ---------------------------------------------------------------------------------


def generate_tree(n: int, seed: int) -> tuple[list[int], list[int]]:
    """Parent and depth of nodes 1..n (index 0 unused); node 1 is the root, parents come first.

    A new distributor joins under (a) the root, standing for the default sponsor of everyone
    who came without an inviter (8 %), (b) someone who joined recently, as referral chains
    grow while they are hot (40 %), or (c) an existing distributor picked in proportion to
    1 + their recruits, so a few recruit hundreds and most nobody (52 %). Depth is capped at 30
    by climbing to the ancestor at depth 29.
    """
    rng = random.Random(seed)
    rand, randrange = rng.random, rng.randrange
    parent = [0] * (n + 1)
    depth = [0] * (n + 1)
    weighted = [1]  # each node once, plus once per recruit
    for i in range(2, n + 1):
        draw = rand()
        if draw < 0.08 or i == 2:
            p = 1
        elif draw < 0.48:
            p = randrange(max(2, i - 3000), i)
        else:
            p = weighted[randrange(len(weighted))]
        while depth[p] >= MAX_DEPTH:
            p = parent[p]
        parent[i] = p
        depth[i] = depth[p] + 1
        weighted.append(i)
        weighted.append(p)
    return parent, depth


def team_sizes(parent: list[int]) -> list[int]:
    """Descendant counts from parent pointers alone (children have higher ids)."""
    size = [0] * len(parent)
    for i in range(len(parent) - 1, 1, -1):
        size[parent[i]] += size[i] + 1
    return size


# --- database ---------------------------------------------------------------------------------


def server_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_SERVER
    return url.replace("postgresql://", "postgres://", 1)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def admin_execute(sql: str) -> None:
    with psycopg.connect(with_database(server_url(), "postgres"), autocommit=True) as conn:
        conn.execute(sql)


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["ENV_FILE"] = os.devnull
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ.setdefault("SECRETS_ENCRYPTION_KEYS", "QmVuY2ggb25seTogbm90IGEgcmVhbCBrZXkgISEhISE=")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "saleor_distribution.settings"
    import django

    django.setup()


def bulk_load(conn: psycopg.Connection, installation_id: int, parent: list[int],
              depth: list[int], sizes: list[int], direct: Counter[int]) -> None:
    """COPY the distributors (ids, team sizes from parent pointers), then set the id sequence
    past them."""
    from saleor_distribution.network.calculations import encode_code

    n = len(parent) - 1
    joined = datetime(2024, 1, 1, tzinfo=UTC)
    paths = [""] * (n + 1)
    columns = (
        "id, installation_id, saleor_user_id, email, display_name, code, status, parent_id, "
        "path, depth, joined_at, approved_at, status_changed_at, status_reason, team_size, "
        "direct_count"
    )
    with conn.cursor() as cursor:
        # Foreign keys are not checked row by row during the load (the generator puts every
        # parent first); `verify_load` checks them in one anti-join afterwards.
        cursor.execute("SET session_replication_role = replica")
        with cursor.copy(f"COPY network_distributor ({columns}) FROM STDIN") as copy:
            for i in range(1, n + 1):
                p = parent[i]
                paths[i] = f"{paths[p] if p else '/'}{i}/"
                at = joined + timedelta(seconds=i * 30)
                copy.write_row((
                    i, installation_id, f"VXNlcjo{i}", f"d{i}@example.com", "",
                    encode_code(i, 6), "active", p or None, paths[i], depth[i], at, at, at, "",
                    sizes[i], direct.get(i, 0),
                ))
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('network_distributor', 'id'), %s)", (n,)
        )
    conn.commit()


def compute_level_counts(conn: psycopg.Connection) -> None:
    """Every (ancestor, level) count, from the paths alone, in one statement."""
    with conn.cursor() as cursor:
        cursor.execute("SET work_mem = '256MB'")
        cursor.execute("""
            INSERT INTO network_teamlevelcount (ancestor_id, relative_depth, count)
            SELECT a.id::bigint, d.depth - a.pos + 1, count(*)
            FROM network_distributor d
            CROSS JOIN LATERAL unnest(string_to_array(trim(both '/' from d.path), '/'))
                WITH ORDINALITY AS a(id, pos)
            WHERE a.pos <= d.depth
            GROUP BY 1, 2
        """)
    conn.commit()


def verify_load(conn: psycopg.Connection) -> None:
    """Two independent computations agree for every distributor: team sizes and direct counts
    from parent pointers (Python) and level counts from paths (SQL); parent links resolve."""
    orphans = conn.execute("""
        SELECT count(*) FROM network_distributor c
        LEFT JOIN network_distributor p ON p.id = c.parent_id
        WHERE c.parent_id IS NOT NULL AND p.id IS NULL
    """).fetchone()[0]
    assert orphans == 0, f"{orphans} distributors with a missing parent"
    mismatched = conn.execute("""
        SELECT count(*) FROM network_distributor d
        LEFT JOIN (
            SELECT ancestor_id, sum(count) AS total,
                   sum(count) FILTER (WHERE relative_depth = 1) AS direct
            FROM network_teamlevelcount GROUP BY ancestor_id
        ) s ON s.ancestor_id = d.id
        WHERE d.team_size <> coalesce(s.total, 0) OR d.direct_count <> coalesce(s.direct, 0)
    """).fetchone()[0]
    assert mismatched == 0, f"{mismatched} distributors with counters that disagree"


# --- measuring --------------------------------------------------------------------------------


def timed(samples: list, call: Callable, *, warm: bool = True) -> list[float]:  # type: ignore[type-arg]
    """Milliseconds per call. First a warm-up pass over the distinct samples (up to 500), so
    every measure sees the steady state of a busy shop (pages in the buffer cache) rather
    than the order in which this script happens to touch them."""
    if warm:
        distinct = list({id(item): item for item in samples}.values())[:500]
        for item in distinct:
            call(item)
    result = []
    for item in samples:
        start = time.perf_counter()
        call(item)
        result.append((time.perf_counter() - start) * 1000)
    return result


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--distributors", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--database", default="sd_bench_network")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    n, name = args.distributors, args.database
    assert name.replace("_", "").isalnum(), "a plain database name, please"

    print(f"network_tree bench: {n:,} distributors, database {name}")
    started = time.perf_counter()
    admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin_execute(f'CREATE DATABASE "{name}"')
    database_url = with_database(server_url(), name)
    setup_django(database_url)

    from django.core.management import call_command
    from django.db import connection, connections, transaction

    from saleor_distribution.core.audit import Actor
    from saleor_distribution.installations.models import Installation
    from saleor_distribution.network import actions, fetch
    from saleor_distribution.network.models import Distributor

    phases: list[tuple[str, float]] = []

    def phase(label: str, since: float) -> float:
        now = time.perf_counter()
        phases.append((label, now - since))
        return now

    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    installation = Installation.objects.create(
        saleor_api_url="https://bench.example.com/graphql/", app_id="QXBwOjE=",
        auth_token="bench-token",
    )
    t = phase("create database and migrate", t)
    parent, depth = generate_tree(n, args.seed)
    sizes = team_sizes(parent)
    fanout = Counter(parent[2:])
    t = phase("generate the tree and team sizes (Python)", t)
    with psycopg.connect(database_url) as conn:
        bulk_load(conn, installation.pk, parent, depth, sizes, fanout)
        t = phase("COPY distributors (indexes in place)", t)
        compute_level_counts(conn)
        t = phase("per-level counts in set-based SQL", t)
        verify_load(conn)
        t = phase("cross-check counters (SQL vs Python)", t)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    t = phase("VACUUM ANALYZE", t)
    load_seconds = time.perf_counter() - started

    levels = Counter(depth[1:])
    level_rows = connection.cursor()
    level_rows.execute("SELECT count(*) FROM network_teamlevelcount")
    level_count = level_rows.fetchone()[0]
    print()
    print("Load")
    for label, seconds in phases:
        print(f"  {label:<44} {seconds:8.1f} s")
    print(f"  {'total':<44} {load_seconds:8.1f} s")
    print()
    print("Tree")
    print(f"  distributors {n:,}; max depth {max(depth)}; mean depth "
          f"{statistics.fmean(depth[1:]):.1f}; leaves {1 - len(fanout) / n:.0%}")
    print(f"  root's direct team {fanout[1]:,}; largest other direct team "
          f"{max(c for p, c in fanout.items() if p != 1):,}; nodes at depth >= 25: "
          f"{sum(c for d, c in levels.items() if d >= 25):,}")
    print(f"  (ancestor, level) counter rows {level_count:,}")

    rng = random.Random(args.seed)
    ids_by_depth: dict[int, list[int]] = {}
    for i in range(1, n + 1):
        ids_by_depth.setdefault(depth[i], []).append(i)
    deep_ids = [i for d in range(MAX_DEPTH, 0, -1) for i in ids_by_depth.get(d, [])][:500]
    deep = list(Distributor.objects.filter(pk__in=deep_ids))
    deep_samples = [rng.choice(deep) for _ in range(args.samples)]
    root = Distributor.objects.get(pk=1)
    internal_ids = [p for p, c in fanout.items() if p != 1 and c >= 20]
    internal = list(Distributor.objects.filter(pk__in=rng.sample(internal_ids,
                                                                 min(500, len(internal_ids)))))
    busiest = Distributor.objects.get(pk=max((p for p in fanout if p != 1), key=fanout.get))
    middle_cursor = sorted(Distributor.objects.filter(parent=root).values_list("pk", flat=True)
                           [: fanout[1] // 2])[-1]
    some_nodes = list(Distributor.objects.filter(pk__in=rng.sample(range(1, n + 1), 500)))

    rows: list[tuple[str, list[float], float | None]] = []
    deep_depth = statistics.fmean(d.depth for d in deep_samples)
    first_touch = timed(deep, fetch.ancestors, warm=False)
    rows.append((f"ancestors of a deep node (mean depth {deep_depth:.0f})",
                 timed(deep_samples, fetch.ancestors), 1.0))
    rows.append(("  the same, first call per node after the load (cold cache)", first_touch,
                 None))
    rows.append(("  the same, whole rows (fields=None)",
                 timed(deep_samples, lambda d: fetch.ancestors(d, fields=None)), None))
    cursor = connection.cursor()
    by_ids = "SELECT * FROM network_distributor WHERE installation_id = %s AND id = ANY(%s)"

    def raw_ancestors(d: Distributor) -> None:
        cursor.execute(by_ids, [d.installation_id, d.ancestor_ids])
        cursor.fetchall()

    rows.append(("  the same query in raw SQL through Django's cursor",
                 timed(deep_samples, raw_ancestors), None))
    rows.append(("team size of the root", timed([root] * args.samples, fetch.team_size), 5.0))
    rows.append((f"direct team, first page of 20 (root, {fanout[1]:,} children)",
                 timed([root] * args.samples, lambda d: fetch.direct_team(d, first=20)), 10.0))
    rows.append(("direct team, page of 20 from the middle (root)",
                 timed([root] * args.samples,
                       lambda d: fetch.direct_team(d, first=20, after=middle_cursor)), 10.0))
    rows.append((f"direct team, first page of 20 (busiest, {fanout[busiest.pk]} children)",
                 timed([busiest] * args.samples, lambda d: fetch.direct_team(d, first=20)), 10.0))
    rows.append(("direct team, first page of 20 (random recruiters)",
                 timed([rng.choice(internal) for _ in range(args.samples)],
                       lambda d: fetch.direct_team(d, first=20)), 10.0))
    depth_samples = [(root, rng.randint(1, MAX_DEPTH)) for _ in range(args.samples)]
    rows.append(("team count at a given depth (root)",
                 timed(depth_samples, lambda s: fetch.team_count_at_depth(*s)), None))
    rows.append(("team counts at every depth (root)",
                 timed([root] * args.samples, fetch.team_counts_by_depth), None))
    rows.append(("team counts at every depth (random distributors)",
                 timed([rng.choice(some_nodes) for _ in range(args.samples)],
                       fetch.team_counts_by_depth), None))
    rows.append(("team at depth 3, first page of 20 (random recruiters)",
                 timed([rng.choice(internal) for _ in range(min(args.samples, 500))],
                       lambda d: fetch.team_at_depth(d, 3, first=20)), None))
    root_level = max(levels, key=levels.get)
    rows.append((f"team at depth {root_level}, first page of 20 (root, "
                 f"{levels[root_level]:,} there)",
                 timed([root] * 50, lambda d: fetch.team_at_depth(d, root_level, first=20)),
                 None))

    def insert_deep(under: Distributor) -> None:
        with transaction.atomic():
            actions.add_distributor(installation, saleor_user_id=f"bench-{time.time_ns()}",
                                    email="bench@example.com", parent=under)
            transaction.set_rollback(True)

    rows.append(("join under a deep node (30 counters, rolled back)",
                 timed(deep_samples[:300], insert_deep), None))

    staff = Actor.staff("VXNlcjox")
    movable = [p for p in fanout if p != 1 and 50 <= sizes[p] <= 5000]
    move_ids = rng.sample(movable, min(40, len(movable)))
    move_samples = list(Distributor.objects.filter(pk__in=move_ids))

    def move(node: Distributor) -> None:
        with transaction.atomic():
            actions.move_subtree(node, busiest if not fetch.is_in_subtree(busiest, node)
                                 else root, actor=staff)
            transaction.set_rollback(True)

    mean_moved = statistics.fmean(sizes[d.pk] + 1 for d in move_samples)
    rows.append((f"move a subtree (mean {mean_moved:.0f} nodes, rolled back)",
                 timed(move_samples, move), None))

    print()
    print("Reads through saleor_distribution.network.fetch (Django ORM, end to end), in ms")
    print(f"  {'measure':<64} {'p50':>8} {'p95':>8} {'target p50':>11}")
    for label, values, target in rows:
        verdict = "" if target is None else (
            f"<= {target:g}  {'ok' if percentile(values, 0.5) <= target else 'MISSED'}"
        )
        print(f"  {label:<64} {percentile(values, 0.5):8.3f} {percentile(values, 0.95):8.3f}"
              f"  {verdict}")

    connections.close_all()
    if args.keep:
        print(f"\nkept database {name} ({database_url})")
    else:
        admin_execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        print(f"\ndropped database {name}")


if __name__ == "__main__":
    main()
