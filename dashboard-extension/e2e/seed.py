"""Seed a fresh database for the dashboard extension's end-to-end tests.

Usage: DATABASE_URL=postgres://…/x_e2e python seed.py <jwks.json> <api-url> <app-id>

Drops and re-creates the database (its name must end in `_e2e`), migrates it, and writes,
through the service's own actions, an installation whose JWKS is the test's key (so the test
can mint dashboard tokens Saleor-style), a network (a root distributor with a team larger than
one page, grades, an applicant), the programme's settings (a commission plan, CNY withdrawals
by bank transfer, the root's bank account) and one paid order referred by a team member,
delivered as Saleor's captured `ORDER_FULLY_PAID` webhook re-dated to now. Prints what the test
needs as JSON.
"""

from __future__ import annotations

import json
import os
import sys
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg import sql


CAPTURED_ORDER = (
    Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "saleor" / "deliveries"
    / "order_fully_paid.json"
)
STAFF = "VXNlcjox"


def recreate_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.endswith("_e2e"):
        raise SystemExit(f"refusing to reset {name!r}: an e2e database name ends in _e2e")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def main(jwks_path: str, api_url: str, app_id: str) -> None:
    recreate_database(os.environ["DATABASE_URL"])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saleor_distribution.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone
    from graphql_relay import to_global_id

    call_command("migrate", verbosity=0, interactive=False)

    from saleor_distribution.core.secrets import Secret
    from saleor_distribution.installations.models import Installation
    from saleor_distribution.network.actions import add_distributor
    from saleor_distribution.core.audit import Actor
    from saleor_distribution.network.grades import create_grade
    from saleor_distribution.network.models import DistributorStatus

    with open(jwks_path) as handle:
        jwks = json.load(handle)
    installation = Installation.objects.create(
        saleor_api_url=api_url,
        saleor_domain=urlsplit(api_url).netloc,
        app_id=app_id,
        auth_token=Secret("e2e-app-token-0123456789abcdef"),
        jwks=jwks,
        jwks_fetched_at=timezone.now(),
    )
    # Silver is given by staff; gold has upgrade targets the root has not reached yet.
    staff = Actor.staff(STAFF)
    silver = create_grade(installation, actor=staff, name="银牌", rank=1)
    create_grade(
        installation, actor=staff, name="金牌", rank=2, min_sales_amount=Decimal("1000"),
        min_sales_currency="CNY", min_direct_count=80, auto_upgrade=True,
    )

    def user(n: int) -> str:
        return to_global_id("User", n)

    root = add_distributor(
        installation, saleor_user_id=user(48), email="chen.xiaoyu@example.com",
        code="CHEN888", display_name="陈晓雨", grade=silver,
    )
    direct = [
        add_distributor(
            installation, saleor_user_id=user(100 + i), email=f"member{i}@example.com",
            parent=root, code=f"M{i:03d}X", display_name=f"团队成员 {i}",
        )
        for i in range(60)  # more than one page of the team tree (50)
    ]
    for i in range(3):
        add_distributor(
            installation, saleor_user_id=user(300 + i), email=f"second{i}@example.com",
            parent=direct[0], code=f"S{i:03d}Y", display_name=f"二级成员 {i}",
        )
    applicant = add_distributor(
        installation, saleor_user_id=user(500), email="applicant@example.com",
        code="WANG777", display_name="王申请", status=DistributorStatus.APPLIED,
    )
    from saleor_distribution.commissions.actions import create_plan_version
    from saleor_distribution.withdrawals.actions import (
        bind_payee_account,
        configure_provider,
        set_withdrawal_rules,
    )

    create_plan_version(
        installation, levels=2, level_rates=["0.10", "0.05"], freeze_days=7,
        staff_user_id=STAFF, activate=True,
    )
    configure_provider(
        installation, "manual", options={"instructions": "工商银行转账"}, staff_user_id=STAFF
    )
    set_withdrawal_rules(
        installation, "CNY", staff_user_id=STAFF, min_amount="10.00", channels=["manual"]
    )
    bind_payee_account(
        installation, root, channel="manual", kind="bank_account",
        identity="6222020200112233445", real_name="陈晓雨", bank_name="工商银行",
        actor=f"distributor:{root.pk}",
    )
    order = deliver_order(installation, ref=direct[0].code)
    print(
        json.dumps(
            {
                "apiUrl": api_url,
                "root": {"id": to_global_id("Distributor", root.pk), "code": root.code, "userId": user(48)},
                "firstDirect": {"id": to_global_id("Distributor", direct[0].pk), "code": direct[0].code},
                "applicant": {"id": to_global_id("Distributor", applicant.pk), "code": applicant.code},
                "directCount": len(direct),
                "order": order,
            }
        )
    )


def deliver_order(installation, *, ref: str) -> dict[str, str]:
    """Saleor's captured ORDER_FULLY_PAID delivery, re-dated to now (so it falls in the
    overview's period) with `ref` as its referral code and a buyer outside the network, stored
    and processed as the webhook endpoint does (tasks run in-process here)."""
    from django.utils import timezone

    from saleor_distribution.webhooks.actions import store_delivery

    captured = json.loads(CAPTURED_ORDER.read_text())
    payload = json.loads(captured["body"])
    now = timezone.now().isoformat()
    payload["issuedAt"] = now
    order = payload["order"]
    order["created"] = order["updatedAt"] = now
    order["metadata"] = [{"key": "distribution.ref", "value": ref}]
    order["user"] = {"id": "VXNlcjo5MDA=", "email": "buyer@example.com", "metadata": []}
    order["userEmail"] = "buyer@example.com"
    store_delivery(
        installation=installation, event=captured["event"], body=json.dumps(payload).encode(),
        headers={}, saleor_object_id=order["id"], issued_at=timezone.now(),
    )
    return {"id": order["id"], "number": str(order["number"]), "currency": order["total"]["gross"]["currency"]}


if __name__ == "__main__":
    main(*sys.argv[1:4])
