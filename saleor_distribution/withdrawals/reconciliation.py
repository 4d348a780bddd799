"""Reconciliation of payouts: for each withdrawal, our state, the provider's (asked with the
payout number) and the ledger's, and every way they disagree.

`reconcile_payouts` builds the report (the API and the management command call it),
`write_csv` exports it, `store_report` keeps a run and its disagreements, and `run_daily`
(the beat task) does all three for every installation over the last two days plus every
unfinished payout. No row lock is held while a provider is asked.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import IO

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from saleor_distribution.installations.models import Installation, InstallationStatus
from saleor_distribution.withdrawals import fetch
from saleor_distribution.withdrawals.calculations import (
    NOT_APPLICABLE,
    NOT_SENT,
    QUERY_FAILED,
    disagreements,
)
from saleor_distribution.withdrawals.models import (
    FINAL_STATUSES,
    ReconciliationDisagreement,
    ReconciliationRun,
    Withdrawal,
)
from saleor_distribution.withdrawals.providers import build_provider, provider_class
from saleor_distribution.withdrawals.providers.base import PayoutError, PayoutProvider

logger = logging.getLogger(__name__)

DAILY_WINDOW = timedelta(days=2)
MAX_LINES = 100_000
CSV_COLUMNS = (
    "withdrawal_id",
    "payout_number",
    "channel",
    "currency",
    "amount",
    "net_amount",
    "our_status",
    "provider_status",
    "provider_state",
    "provider_amount",
    "ledger_state",
    "agrees",
    "problems",
)


@dataclass(frozen=True)
class ReconciliationLine:
    withdrawal_id: int
    payout_number: str
    channel: str
    currency: str
    amount: Decimal
    net_amount: Decimal
    our_status: str
    provider_status: str
    provider_state: str
    provider_amount: Decimal | None
    ledger_state: str
    problems: tuple[str, ...]

    @property
    def agrees(self) -> bool:
        return not self.problems


@dataclass
class ReconciliationReport:
    installation_id: int
    period_start: datetime | None
    period_end: datetime | None
    generated_at: datetime
    lines: list[ReconciliationLine] = field(default_factory=list)

    @property
    def disagreements(self) -> list[ReconciliationLine]:
        return [line for line in self.lines if not line.agrees]


def _provider_view(
    provider: PayoutProvider | None, withdrawal: Withdrawal
) -> tuple[str, str, Decimal | None]:
    if not provider_class(withdrawal.channel).supports_query:
        return NOT_APPLICABLE, "", None
    if not withdrawal.submit_attempts:
        return NOT_SENT, "", None
    if provider is None:
        return QUERY_FAILED, "", None
    try:
        result = provider.query(withdrawal.payout_number)
    except PayoutError as error:
        return QUERY_FAILED, error.code, None
    return (
        str(result.status),
        result.provider_state,
        result.amount.amount if result.amount else None,
    )


def reconcile_payouts(
    installation: Installation,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    include_unfinished: bool = True,
    query_provider: bool = True,
) -> ReconciliationReport:
    """Every withdrawal requested in [since, until) (and, with `include_unfinished`, every
    one not final yet), each with our status, the provider's and the ledger's."""
    now = timezone.now()
    period = Q()
    if since is not None:
        period &= Q(requested_at__gte=since)
    if until is not None:
        period &= Q(requested_at__lt=until)
    selection = period
    if include_unfinished and (since is not None or until is not None):
        # (An empty Q() OR'ed with another is that other: without a period, all are taken.)
        selection = period | ~Q(status__in=FINAL_STATUSES)
    withdrawals = list(
        Withdrawal.objects.filter(selection, installation=installation).order_by("pk")[:MAX_LINES]
    )
    traces = fetch.ledger_traces(w.pk for w in withdrawals)
    providers: dict[str, PayoutProvider | None] = {}
    report = ReconciliationReport(installation.pk, since, until, now)
    for withdrawal in withdrawals:
        if not query_provider:
            provider_status, provider_state, provider_amount = NOT_APPLICABLE, "", None
        else:
            if withdrawal.channel not in providers:
                config = fetch.get_provider_config(
                    installation, withdrawal.channel, active_only=False
                )
                providers[withdrawal.channel] = build_provider(config) if config else None
            provider_status, provider_state, provider_amount = _provider_view(
                providers[withdrawal.channel], withdrawal
            )
        ledger_state = traces[withdrawal.pk].state(withdrawal.amount)
        problems = disagreements(
            our_status=withdrawal.status,
            provider_status=provider_status,
            ledger_state=ledger_state,
            net_amount=withdrawal.net_amount,
            provider_amount=provider_amount,
            currency=withdrawal.currency,
        )
        report.lines.append(
            ReconciliationLine(
                withdrawal_id=withdrawal.pk,
                payout_number=withdrawal.payout_number,
                channel=withdrawal.channel,
                currency=withdrawal.currency,
                amount=withdrawal.amount,
                net_amount=withdrawal.net_amount,
                our_status=withdrawal.status,
                provider_status=provider_status,
                provider_state=provider_state,
                provider_amount=provider_amount,
                ledger_state=ledger_state,
                problems=tuple(problems),
            )
        )
    return report


def write_csv(
    report: ReconciliationReport, stream: IO[str], *, only_disagreements: bool = False
) -> int:
    """The report as CSV (one row per payout); returns the number of rows written."""
    writer = csv.writer(stream)
    writer.writerow(CSV_COLUMNS)
    rows = report.disagreements if only_disagreements else report.lines
    for line in rows:
        writer.writerow(
            (
                line.withdrawal_id,
                line.payout_number,
                line.channel,
                line.currency,
                line.amount,
                line.net_amount,
                line.our_status,
                line.provider_status,
                line.provider_state,
                "" if line.provider_amount is None else line.provider_amount,
                line.ledger_state,
                "yes" if line.agrees else "no",
                "; ".join(line.problems),
            )
        )
    return len(rows)


def store_report(report: ReconciliationReport) -> ReconciliationRun:
    """Keep a run and its disagreements, and log each disagreement."""
    with transaction.atomic(durable=True):
        run = ReconciliationRun.objects.create(
            installation_id=report.installation_id,
            started_at=report.generated_at,
            finished_at=timezone.now(),
            period_start=report.period_start,
            period_end=report.period_end,
            checked=len(report.lines),
            disagreements=len(report.disagreements),
        )
        ReconciliationDisagreement.objects.bulk_create(
            [
                ReconciliationDisagreement(
                    run=run,
                    withdrawal_id=line.withdrawal_id,
                    our_status=line.our_status,
                    provider_status=line.provider_status,
                    ledger_state=line.ledger_state,
                    problems=list(line.problems),
                )
                for line in report.disagreements
            ]
        )
    for line in report.disagreements:
        logger.error(
            "Payout disagreement",
            extra={
                "installation_id": report.installation_id,
                "withdrawal_id": line.withdrawal_id,
                "our_status": line.our_status,
                "provider_status": line.provider_status,
                "ledger_state": line.ledger_state,
                "problems": list(line.problems),
            },
        )
    return run


def run_daily(installations: Iterable[Installation] | None = None) -> list[ReconciliationRun]:
    now = timezone.now()
    runs = []
    for installation in installations or Installation.objects.filter(
        status=InstallationStatus.ACTIVE
    ):
        report = reconcile_payouts(installation, since=now - DAILY_WINDOW, until=now)
        runs.append(store_report(report))
    return runs
