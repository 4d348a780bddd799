"""Real parallel transactions on PostgreSQL (threads, one connection each): no lost update,
and available never goes below zero through concurrent withdrawals (invariant 4)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from saleor_distribution.commissions import actions as commission_actions
from saleor_distribution.core.money import Money
from saleor_distribution.installations.models import Installation
from saleor_distribution.ledger import actions as ledger
from saleor_distribution.ledger.fetch import accounts_out_of_balance
from saleor_distribution.ledger.models import Account, Bucket, LedgerEntry
from saleor_distribution.network import actions as network_actions
from saleor_distribution.network.models import Distributor
from saleor_distribution.saleor import payloads
from saleor_distribution.webhooks.actions import dedupe_key, process_delivery
from saleor_distribution.webhooks.models import InboxDelivery
from tests.fakes.saleor import APP_ID
from tests.fixtures.engine import adapted, balances, dump
from tests.fixtures.saleor_deliveries import CAPTURED_API_URL

D = Decimal
pytestmark = pytest.mark.django_db(transaction=True)


def run_in_threads(jobs: list[Callable[[], object]]) -> list[object]:
    """Start every job at once (a barrier), each in its own thread and connection; return
    what each returned or raised."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def run(index: int, job: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = job()
        except Exception as exc:  # collected and asserted on by the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return results


@pytest.fixture
def inst(captured_jwks):
    return Installation.objects.create(
        saleor_api_url=CAPTURED_API_URL,
        app_id=APP_ID,
        auth_token="t",
        jwks=captured_jwks,
        jwks_fetched_at=timezone.now(),
    )


def test_fifty_parallel_holds_never_hold_more_than_the_balance(inst):
    alice = network_actions.add_distributor(
        inst, saleor_user_id="u-a", email="a@example.com", code="ALICE"
    )
    account = Account.objects.create(installation=inst, distributor=alice, currency="USD")
    ledger.adjust_balance(
        account,
        Money(D("100.00"), "USD"),
        bucket=Bucket.AVAILABLE,
        reason="opening",
        staff_user_id="s",
        idempotency_key="adj:open",
    )

    def hold(n: int) -> Callable[[], object]:
        return lambda: ledger.hold_withdrawal(
            account, Money(D("3.00"), "USD"), withdrawal_id=str(n), idempotency_key=f"w{n}"
        )

    results = run_in_threads([hold(n) for n in range(50)])

    held = [r for r in results if isinstance(r, ledger.PostResult)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    # 33 x 3.00 = 99.00 fits in 100.00; the 34th would need 102.00.
    assert (len(held), len(refused)) == (33, 17)
    assert balances(alice) == {"available": D("1.00"), "withdrawing": D("99.00")}
    assert accounts_out_of_balance(inst) == []


def test_parallel_deliveries_and_adjustments_on_the_same_accounts_lose_nothing(inst):
    # Given UP01 ← REF42 and the default plan (order #23: L1 11.10, L2 5.55)
    up1 = network_actions.add_distributor(
        inst, saleor_user_id="u-up", email="u@example.com", code="UP01"
    )
    ref42 = network_actions.add_distributor(
        inst, saleor_user_id="u-r", email="r@example.com", code="REF42", parent=up1
    )
    commission_actions.active_plan_version(inst)
    # Each of 12 orders arrives in the inbox twice, as ORDER_CREATED and ORDER_FULLY_PAID
    # with the same snapshot (two rows: the inbox deduplicates per event).
    deliveries = [
        InboxDelivery.objects.create(
            installation=inst, event=event, body=body, dedupe_key=dedupe_key(event, body.encode())
        ).pk
        for n in range(12)
        for body in [dump(adapted("order_created", id=f"T3JkZXI6{n}", number=str(n)))]
        for event in ("ORDER_CREATED", "ORDER_FULLY_PAID")
    ]

    def sync(delivery_id: int) -> Callable[[], object]:
        return lambda: process_delivery(delivery_id)

    def adjust(n: int, who: Distributor) -> Callable[[], object]:
        def run() -> object:
            account = ledger.open_account(inst.pk, who.pk, "USD")
            return ledger.adjust_balance(
                account,
                Money(D("1.25"), "USD"),
                bucket=Bucket.AVAILABLE,
                reason="bonus",
                staff_user_id="s",
                idempotency_key=f"bonus:{who.pk}:{n}",
            )

        return run

    # When the 24 deliveries are processed and 16 adjustments made, all at once
    jobs = [sync(pk) for pk in deliveries]
    jobs += [adjust(n, ref42) for n in range(8)] + [adjust(n, up1) for n in range(8)]
    results = run_in_threads(jobs)

    # Then nothing failed, each order was applied once, and nothing was lost:
    # REF42 frozen 12 x 11.10 = 133.20, available 8 x 1.25 = 10.00;
    # UP01 frozen 12 x 5.55 = 66.60, available 10.00.
    assert [r for r in results if isinstance(r, Exception)] == []
    assert sum(1 for r in results if str(r).startswith("reconciled")) == 12
    assert sum(1 for r in results if str(r).startswith("ignored")) == 12
    assert balances(ref42) == {"frozen": D("133.20"), "available": D("10.00")}
    assert balances(up1) == {"frozen": D("66.60"), "available": D("10.00")}
    assert LedgerEntry.objects.filter(account__distributor=ref42).count() == 12 * 2 + 8
    assert accounts_out_of_balance(inst) == []


def test_settlement_racing_refunds_converges(inst):
    # Given UP01 ← REF42 and 10 copies of order #23, paid and fulfilled, matured
    up1 = network_actions.add_distributor(
        inst, saleor_user_id="u-up", email="u@example.com", code="UP01"
    )
    ref42 = network_actions.add_distributor(
        inst, saleor_user_id="u-r", email="r@example.com", code="REF42", parent=up1
    )

    def apply(name: str, n: int) -> str:
        event = payloads.parse_event(
            payloads.OrderEvent, dump(adapted(name, id=f"T3JkZXI6{n}", number=str(n)))
        )
        return commission_actions.reconcile_order(inst, event.order, issued_at=event.issued_at)

    for n in range(10):
        apply("order_fulfilled", n)
    later = timezone.now() + timedelta(days=365)

    # When the partial refunds (one Tee of two) race two settlement runs
    jobs: list[Callable[[], object]] = [(lambda n=n: apply("order_refunded", n)) for n in range(10)]
    jobs += [lambda: commission_actions.settle_matured_commissions(now=later)] * 2
    results = run_in_threads(jobs)
    commission_actions.settle_matured_commissions(now=later)  # what was skipped while locked

    # Then, whichever came first (a reversal in frozen, or a clawback in available), every
    # order ends at Tee half + Plimsolls: REF42 10 x (1.80 + 7.50) = 93.00,
    # UP01 10 x (0.90 + 3.75) = 46.50, all available.
    assert [r for r in results if isinstance(r, Exception)] == []
    assert balances(ref42) == {"available": D("93.00")}
    assert balances(up1) == {"available": D("46.50")}
    assert accounts_out_of_balance(inst) == []
