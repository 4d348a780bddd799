"""Reconcile payouts: our state, the provider's and the ledger's, with a CSV export.

    saleor-distribution manage reconcile_payouts --installation 1 --since 2026-11-01 \
        --until 2026-12-01 --csv payouts.csv --store
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from saleor_distribution.installations.models import Installation
from saleor_distribution.withdrawals import reconciliation


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


class Command(BaseCommand):
    help = "Compare every payout with its provider and the ledger; export CSV, store the run."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--installation", type=int, required=True)
        parser.add_argument("--since", help="ISO date or datetime (requested at or after)")
        parser.add_argument("--until", help="ISO date or datetime (requested before)")
        parser.add_argument("--csv", help="write the report here ('-' for standard output)")
        parser.add_argument("--only-disagreements", action="store_true")
        parser.add_argument("--store", action="store_true", help="keep the run in the database")
        parser.add_argument(
            "--no-query", action="store_true", help="do not ask the providers (ledger only)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        installation = Installation.objects.filter(pk=options["installation"]).first()
        if installation is None:
            raise CommandError("no such installation")
        report = reconciliation.reconcile_payouts(
            installation,
            since=_when(options["since"]),
            until=_when(options["until"]),
            query_provider=not options["no_query"],
        )
        if options["csv"]:
            only = options["only_disagreements"]
            if options["csv"] == "-":
                reconciliation.write_csv(report, sys.stdout, only_disagreements=only)
            else:
                with open(options["csv"], "w", newline="", encoding="utf-8") as stream:
                    reconciliation.write_csv(report, stream, only_disagreements=only)
        if options["store"]:
            reconciliation.store_report(report)
        self.stderr.write(
            f"{len(report.lines)} payouts checked, {len(report.disagreements)} disagree."
        )
