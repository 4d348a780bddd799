"""GraphQL API latency on 1,000,000 distributors, beside a trivial query on the same server.

    python bench/network_tree.py --keep          # once: builds `sd_bench_network`
    python bench/graphql_api.py [--samples 400] [--database sd_bench_network]

Through a real `saleor-distribution serve` process (uvicorn, one process, production
settings) and real tokens (RS256, minted by the loopback fake Saleor whose JWKS the bench
installation holds, as tests/fakes/saleor.py does), one keep-alive connection, one request
at a time, it times:

- trivial (customer token): `{ __typename }`;
- me: `me { distributor { balances {...} team(first: 20) { edges { node { code teamSize } } } } }`
  for a customer who is a distributor deep in the tree (with a team and a ledger account);
- trivial (staff token): `{ __typename }`;
- staff list: the dashboard's own `Distributors` document (`DistributorRow` fragment,
  `totalCount`, `pageInfo`) with `first: 50, sortBy: {field: SALES, direction: DESC}`;
- the same page asking only `id` per row (what the reads cost without the fields).

The five are interleaved in rounds, so load from other processes hits them alike; p50 and
p95 in milliseconds, the ratio to the trivial query with the same token, and the targets
(within 3x of the trivial query, p95 <= 50 ms). Every answer is checked (no errors, 50 rows
in sales order, the team page filled).

Before timing, it adds to the tree (once; kept in the database): one paid order per tenth
distributor (100,000 orders, with their sales rows and the distributors' sales totals, as
the order reconciliation maintains them), a CNY ledger account for each of them (with
entries equal to its cached totals), and one for the deep customer. The migrations of the
code being measured are applied first.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import psycopg  # noqa: E402

from bench.network_tree import percentile, server_url, with_database  # noqa: E402
from tests.fakes.saleor import FakeSaleor, SigningKey, mint_token  # noqa: E402
from tests.harness import free_port, stop_process, wait_for_http  # noqa: E402

CONSOLE = Path(sys.executable).with_name("saleor-distribution")
DASHBOARD_DOCUMENTS = REPO_ROOT / "dashboard-extension" / "graphql"
# network_tree.py's key: the bench installation's app token is encrypted with it.
ENCRYPTION_KEY = "QmVuY2ggb25seTogbm90IGEgcmVhbCBrZXkgISEhISE="
APP_IDENTIFIER = "saleor.app.distribution.bench"
SAMPLE_EVERY = 10  # one order and one ledger account per tenth distributor
CURRENCY = "CNY"
WARMUP = 30

TRIVIAL = "{ __typename }"
ME = """query Me {
  me { distributor {
    balances { currency pending { amount } frozen { amount } available { amount }
               withdrawing { amount } paid { amount } }
    team(first: 20) { edges { node { code teamSize } } }
  } }
}"""


LIST_IDS = """query Ids($first: Int!, $sortBy: DistributorSortingInput) {
  distributors(first: $first, sortBy: $sortBy) { totalCount edges { node { id } } }
}"""


def dashboard_document(name: str) -> str:
    """A query of the dashboard extension with the fragments it uses (as the extension
    assembles it)."""
    text = (DASHBOARD_DOCUMENTS / "queries" / f"{name}.graphql").read_text()
    fragments = {p.stem: p.read_text() for p in (DASHBOARD_DOCUMENTS / "fragments").iterdir()}
    needed: list[str] = []
    pending = [text]
    while pending:
        chunk = pending.pop()
        for fragment, body in fragments.items():
            if f"...{fragment}" in chunk and fragment not in needed:
                needed.append(fragment)
                pending.append(body)
    return "\n".join([text, *(fragments[f] for f in needed)])


# --- data ---------------------------------------------------------------------------------


def add_sample_data(conn: psycopg.Connection, installation_id: int) -> int:
    """Orders, sales and ledger accounts for a sample (once); returns the deep customer's id:
    the deepest distributor with a team."""
    deep_id = conn.execute(
        "SELECT id FROM network_distributor WHERE installation_id = %s AND direct_count >= 1 "
        "ORDER BY depth DESC, id LIMIT 1",
        (installation_id,),
    ).fetchone()[0]
    if conn.execute("SELECT EXISTS (SELECT 1 FROM reports_distributorsales)").fetchone()[0]:
        return deep_id
    started = time.perf_counter()
    # A sales value per sampled distributor: 10.00 to 2,009.99, spread by a multiplicative
    # hash of the id so ranks do not follow ids.
    conn.execute(
        """
        INSERT INTO commissions_orderrecord (
            installation_id, saleor_order_id, number, currency, status, charge_status,
            is_paid, customer_saleor_id, customer_email, saleor_created_at, saleor_updated_at,
            issued_at, version, snapshot, attributed_distributor_id, attribution_source,
            attribution_reason, attribution_details, attribution_inputs, chain, first_seen_at,
            applied_at)
        SELECT d.installation_id, 'bench-order-' || d.id, d.id::text, %(currency)s,
               'UNFULFILLED', 'FULL', true, 'bench-buyer-' || d.id, '',
               now() - (d.id %% 60) * interval '1 day', now(), now(), 1, '{}', d.id, 'ref',
               'distribution.ref=' || d.code, '{}', '{}', '[]', now(), now()
        FROM network_distributor d
        WHERE d.installation_id = %(installation)s AND d.id %% %(every)s = 0
        """,
        {"currency": CURRENCY, "installation": installation_id, "every": SAMPLE_EVERY},
    )
    conn.execute(
        """
        INSERT INTO reports_ordersales (
            installation_id, order_id, distributor_id, customer_saleor_id, currency, counted,
            amount, product_ids, placed_at, updated_at)
        SELECT o.installation_id, o.id, o.attributed_distributor_id, o.customer_saleor_id,
               o.currency, true, 10 + ((o.attributed_distributor_id * 7919) %% 200000) / 100.0,
               '[]', o.saleor_created_at, now()
        FROM commissions_orderrecord o
        WHERE o.installation_id = %s AND o.saleor_order_id LIKE 'bench-order-%%'
        """,
        (installation_id,),
    )
    conn.execute(
        """
        INSERT INTO reports_distributorsales (
            installation_id, distributor_id, currency, amount, order_count, updated_at)
        SELECT installation_id, distributor_id, currency, sum(amount), count(*), now()
        FROM reports_ordersales WHERE installation_id = %s AND counted
        GROUP BY installation_id, distributor_id, currency
        """,
        (installation_id,),
    )
    # Ledger accounts: 10 % of the sales frozen, 3 % available; entries equal to the totals.
    conn.execute(
        """
        INSERT INTO ledger_account (
            installation_id, distributor_id, currency, pending, frozen, available,
            withdrawing, paid, created_at)
        SELECT installation_id, distributor_id, currency, 0, round(amount * 0.10, 2),
               round(amount * 0.03, 2), 0, 0, now()
        FROM reports_distributorsales WHERE installation_id = %s
        UNION ALL
        SELECT %s, %s, %s, 0, 12.30, 45.60, 0, 0, now()
        WHERE NOT EXISTS (SELECT 1 FROM reports_distributorsales WHERE distributor_id = %s)
        """,
        (installation_id, installation_id, deep_id, CURRENCY, deep_id),
    )
    conn.execute(
        """
        INSERT INTO ledger_ledgerentry (
            installation_id, account_id, bucket, amount, code, reference_type, reference_id,
            idempotency_key, reason, actor, created_at)
        SELECT a.installation_id, a.id, b.bucket, b.amount, 'commission_accrued', 'bench', '',
               'bench:' || a.id || ':' || b.bucket, '', '', now()
        FROM ledger_account a
        CROSS JOIN LATERAL (VALUES ('frozen', a.frozen), ('available', a.available))
            AS b(bucket, amount)
        WHERE a.installation_id = %s AND b.amount <> 0
        """,
        (installation_id,),
    )
    conn.commit()
    with psycopg.connect(conn.info.dsn, autocommit=True) as vacuum:
        vacuum.execute("VACUUM ANALYZE")
    print(f"  sample data added in {time.perf_counter() - started:.1f} s")
    return deep_id


# --- timing -------------------------------------------------------------------------------


class Client:
    """One keep-alive connection; `post` returns (milliseconds, parsed body)."""

    def __init__(self, port: int, api_url: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.api_url = api_url

    def post(self, query: str, variables: dict[str, object], token: str) -> tuple[float, dict]:  # type: ignore[type-arg]
        body = json.dumps({"query": query, "variables": variables})
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {token}",
            "Saleor-Api-Url": self.api_url,
        }
        start = time.perf_counter()
        self.connection.request("POST", "/graphql/", body=body, headers=headers)
        response = self.connection.getresponse()
        payload = response.read()
        elapsed = (time.perf_counter() - start) * 1000
        assert response.status == 200, payload[:500]
        return elapsed, json.loads(payload)


def check_me(body: dict) -> None:  # type: ignore[type-arg]
    assert "errors" not in body, body["errors"]
    distributor = body["data"]["me"]["distributor"]
    assert distributor["balances"] and distributor["balances"][0]["currency"] == CURRENCY
    assert distributor["team"]["edges"], "the deep customer's team page is empty"


def check_list(body: dict) -> None:  # type: ignore[type-arg]
    assert "errors" not in body, body["errors"]
    connection = body["data"]["distributors"]
    sales = [float(edge["node"]["sales"]["amount"]) for edge in connection["edges"]]
    assert len(sales) == 50 and sales == sorted(sales, reverse=True), sales
    assert connection["totalCount"] >= 1_000_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=400, help="timed requests per query")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--database", default="sd_bench_network")
    args = parser.parse_args()
    database_url = with_database(server_url(), args.database)
    try:
        psycopg.connect(database_url).close()
    except psycopg.OperationalError:
        print(f"no database {args.database}: run `python bench/network_tree.py --keep` first")
        return 2

    workdir = Path(tempfile.mkdtemp(prefix="sd-bench-graphql-"))
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(workdir)),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(REPO_ROOT),
        "ENV_FILE": os.devnull,
        "SECRET_KEY": f"bench-{uuid.uuid4().hex}",
        "SECRETS_ENCRYPTION_KEYS": ENCRYPTION_KEY,
        "APP_URL": f"http://127.0.0.1:{port}",
        "APP_IDENTIFIER": APP_IDENTIFIER,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
    }
    print(f"graphql_api bench: database {args.database}")
    subprocess.run([str(CONSOLE), "migrate"], env=env, cwd=workdir, check=True,
                   capture_output=True, timeout=1800)
    fake = FakeSaleor(key=SigningKey.generate(), identifier=APP_IDENTIFIER).start()
    server: subprocess.Popen[bytes] | None = None
    log_path = workdir / "serve.log"
    try:
        with psycopg.connect(database_url) as conn:
            installation_id, distributors = conn.execute(
                "SELECT i.id, (SELECT count(*) FROM network_distributor) "
                "FROM installations_installation i ORDER BY i.id LIMIT 1"
            ).fetchone()
            # The installation is the fake Saleor's for this run: its URL and its keys.
            conn.execute(
                "UPDATE installations_installation SET saleor_api_url = %s, jwks = %s, "
                "jwks_fetched_at = now(), status = 'active' WHERE id = %s",
                (fake.api_url, json.dumps(fake.jwks()), installation_id),
            )
            conn.commit()
            deep_id = add_sample_data(conn, installation_id)
            deep_user, deep_depth, deep_team = conn.execute(
                "SELECT saleor_user_id, depth, team_size FROM network_distributor WHERE id = %s",
                (deep_id,),
            ).fetchone()
        print(f"  {distributors:,} distributors; deep customer: depth {deep_depth}, "
              f"team {deep_team}")
        with log_path.open("wb") as log:
            server = subprocess.Popen([str(CONSOLE), "serve", "--port", str(port)], env=env,
                                      cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
        wait_for_http(f"http://127.0.0.1:{port}/health", server, log_path)

        lifetime = 3600
        customer = mint_token(fake, user_id=deep_user, email="deep@example.com",
                              lifetime_seconds=lifetime)
        staff = mint_token(fake, token_type="thirdparty", user_id="VXNlcjox",
                           email="staff@example.com", app=fake_app_id(conn_url=database_url),
                           user_permissions=["MANAGE_USERS", "MANAGE_ORDERS"],
                           permissions=["MANAGE_USERS", "MANAGE_ORDERS"],
                           lifetime_seconds=lifetime)
        staff_list = dashboard_document("Distributors")
        list_vars = {"first": 50, "sortBy": {"field": "SALES", "direction": "DESC"}}
        measures: list[tuple[str, str, dict[str, object], str, object]] = [
            ("trivial (customer token)", TRIVIAL, {}, customer, None),
            ("me { distributor { balances team(first: 20) } }", ME, {}, customer, check_me),
            ("trivial (staff token)", TRIVIAL, {}, staff, None),
            ("distributors(first: 50, sortBy: SALES DESC)", staff_list, list_vars, staff,
             check_list),
            # The same page with one field per row: the reads without most of the fields.
            ("  the same page, `id` only", LIST_IDS, list_vars, staff, None),
        ]
        client = Client(port, fake.api_url)
        for _, query, variables, token, check in measures:
            for _ in range(WARMUP):
                _, body = client.post(query, variables, token)
                assert "errors" not in body, body
                if check is not None:
                    check(body)  # type: ignore[operator]
        timings: dict[str, list[float]] = {label: [] for label, *_ in measures}
        per_round = max(1, args.samples // args.rounds)
        for _ in range(args.rounds):
            for label, query, variables, token, check in measures:
                for _ in range(per_round):
                    elapsed, body = client.post(query, variables, token)
                    if check is not None:
                        check(body)  # type: ignore[operator]
                    timings[label].append(elapsed)

        print(f"\n{per_round * args.rounds} requests per query, {args.rounds} interleaved "
              f"rounds, one connection, one uvicorn process; milliseconds")
        print(f"  {'query':<52} {'p50':>7} {'p95':>7} {'p50 / trivial':>14}  targets")
        baseline = {"customer": statistics.median(timings[measures[0][0]]),
                    "staff": statistics.median(timings[measures[2][0]])}
        verdicts = []
        for index, (label, *_rest) in enumerate(measures):
            values = timings[label]
            p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
            line = f"  {label:<52} {p50:7.2f} {p95:7.2f}"
            if index in (1, 3):
                trivial = baseline["customer" if index == 1 else "staff"]
                ratio = p50 / trivial
                ok = ratio <= 3 and p95 <= 50
                verdicts.append(ok)
                line += (f" {ratio:13.1f}x  <= 3x {'ok' if ratio <= 3 else 'MISSED'}, "
                         f"p95 <= 50 ms {'ok' if p95 <= 50 else 'MISSED'}")
            print(line)
        return 0 if all(verdicts) else 1
    finally:
        if server is not None:
            stop_process(server)
        fake.stop()


def fake_app_id(conn_url: str) -> str:
    with psycopg.connect(conn_url) as conn:
        return str(conn.execute(
            "SELECT app_id FROM installations_installation ORDER BY id LIMIT 1"
        ).fetchone()[0])


if __name__ == "__main__":
    sys.exit(main())
