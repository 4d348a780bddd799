"""The ledger's entry point and its use cases: idempotency, balances, refusals."""

from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from saleor_distribution.core.models import AuditEvent
from saleor_distribution.core.money import CurrencyMismatch, Money, quantize
from saleor_distribution.ledger import actions as ledger
from saleor_distribution.ledger.actions import IdempotencyConflict, Posting
from saleor_distribution.ledger.fetch import accounts_out_of_balance
from saleor_distribution.ledger.models import Account, Bucket, EntryCode, LedgerEntry
from tests.fixtures.engine import balances

D = Decimal


def usd(amount: str) -> Money:
    return Money(D(amount), "USD")


@pytest.fixture
def alice(make_seller):
    return make_seller("ALICE")


@pytest.fixture
def funded(installation, alice):
    """ALICE with 100.00 USD available (a staff adjustment)."""
    account = Account.objects.create(installation=installation, distributor=alice, currency="USD")
    ledger.adjust_balance(
        account,
        usd("100.00"),
        bucket=Bucket.AVAILABLE,
        reason="opening balance",
        staff_user_id="VXNlcjox",
        idempotency_key="adj:opening",
    )
    account.refresh_from_db()
    return account


def accrual(alice, key="k1", amount="1.50", **changes):
    fields = {
        "distributor_id": alice.pk,
        "bucket": Bucket.PENDING,
        "amount": usd(amount),
        "code": EntryCode.COMMISSION_ACCRUED,
        "idempotency_key": key,
        "reference_type": "commission",
        "reference_id": "7",
    }
    return Posting(**(fields | changes))


def test_post_creates_the_account_writes_entries_and_cached_totals(installation, alice):
    result = ledger.post(installation.pk, [accrual(alice), accrual(alice, "k2", "2.25")])

    assert result.created is True
    assert balances(alice) == {"pending": D("3.75")}  # 1.50 + 2.25
    assert LedgerEntry.objects.count() == 2


def test_posting_the_same_key_and_contents_again_returns_the_entries_and_changes_nothing(
    installation, alice
):
    first = ledger.post(installation.pk, [accrual(alice)])

    again = ledger.post(installation.pk, [accrual(alice)])

    assert again.created is False
    assert [e.pk for e in again.entries] == [e.pk for e in first.entries]
    assert balances(alice) == {"pending": D("1.50")}
    assert LedgerEntry.objects.count() == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"amount": "1.51"},
        {"bucket": Bucket.FROZEN},
        {"code": EntryCode.ADJUSTMENT},
        {"reference_id": "8"},
    ],
)
def test_the_same_key_with_other_contents_is_a_loud_conflict(installation, alice, changes):
    ledger.post(installation.pk, [accrual(alice)])

    with pytest.raises(IdempotencyConflict):
        ledger.post(installation.pk, [accrual(alice, **changes)])

    assert balances(alice) == {"pending": D("1.50")}
    assert LedgerEntry.objects.count() == 1


def test_a_batch_of_which_only_part_exists_is_a_conflict(installation, alice):
    ledger.post(installation.pk, [accrual(alice)])

    with pytest.raises(IdempotencyConflict):
        ledger.post(installation.pk, [accrual(alice), accrual(alice, "k2")])

    assert LedgerEntry.objects.count() == 1


def test_amounts_must_be_in_the_currency_minor_unit(installation, alice):
    with pytest.raises(ValueError, match="not quantized"):
        ledger.post(installation.pk, [accrual(alice, amount="1.505")])
    with pytest.raises(ValueError, match="not quantized"):
        ledger.post(installation.pk, [replace(accrual(alice), amount=Money(D("1.5"), "JPY"))])
    assert LedgerEntry.objects.count() == 0
    assert Account.objects.count() == 0


def test_money_rounds_down_to_the_currency_digits_and_refuses_mixing():
    assert quantize(D("10.999"), "USD") == D("10.99")
    assert quantize(D("10.999"), "CNY") == D("10.99")
    assert quantize(D("10.999"), "JPY") == D("10")
    assert quantize(D("10.9999"), "KWD") == D("10.999")
    assert usd("1.10") + usd("2.20") == usd("3.30")
    with pytest.raises(CurrencyMismatch):
        usd("1.00") + Money(D("1"), "JPY")
    with pytest.raises(TypeError):
        Money(1.5, "USD")  # type: ignore[arg-type]


def test_hold_moves_available_to_withdrawing_and_post_or_void_resolves_it(funded, alice):
    ledger.hold_withdrawal(funded, usd("60.00"), withdrawal_id="1", idempotency_key="w1:hold")
    assert balances(alice) == {"available": D("40.00"), "withdrawing": D("60.00")}

    ledger.post_withdrawal_settlements(funded.installation_id, ledger.withdrawal_settlement(
        funded.distributor_id, usd("60.00"), EntryCode.WITHDRAWAL_PAID, withdrawal_id="1",
        idempotency_key="w1:paid",
    ))
    assert balances(alice) == {"available": D("40.00"), "paid": D("60.00")}

    ledger.hold_withdrawal(funded, usd("40.00"), withdrawal_id="2", idempotency_key="w2:hold")
    ledger.post_withdrawal_settlements(funded.installation_id, ledger.withdrawal_settlement(
        funded.distributor_id, usd("40.00"), EntryCode.WITHDRAWAL_RELEASED, withdrawal_id="2",
        idempotency_key="w2:void",
    ))
    assert balances(alice) == {"available": D("40.00"), "paid": D("60.00")}
    pair = LedgerEntry.objects.filter(idempotency_key__startswith="w1:hold").order_by("bucket")
    assert [(e.bucket, e.amount, e.code) for e in pair] == [
        ("available", D("-60.00"), EntryCode.WITHDRAWAL_HELD),
        ("withdrawing", D("60.00"), EntryCode.WITHDRAWAL_HELD),
    ]


def test_a_hold_above_the_available_balance_is_refused_and_changes_nothing(funded, alice):
    entries = LedgerEntry.objects.count()

    with pytest.raises(ValidationError) as raised:
        ledger.hold_withdrawal(funded, usd("100.01"), withdrawal_id="1", idempotency_key="w1")

    assert raised.value.error_dict["amount"][0].code == "insufficient_funds"
    assert balances(alice) == {"available": D("100.00")}
    assert LedgerEntry.objects.count() == entries


def test_a_repeated_hold_with_the_same_key_holds_once(funded, alice):
    ledger.hold_withdrawal(funded, usd("70.00"), withdrawal_id="1", idempotency_key="w1")
    again = ledger.hold_withdrawal(funded, usd("70.00"), withdrawal_id="1", idempotency_key="w1")

    assert again.created is False
    assert balances(alice) == {"available": D("30.00"), "withdrawing": D("70.00")}


def test_an_adjustment_needs_a_reason_and_the_staff_id_and_records_them(funded, alice):
    with pytest.raises(ValidationError) as raised:
        ledger.adjust_balance(
            funded,
            usd("5.00"),
            bucket=Bucket.AVAILABLE,
            reason=" ",
            staff_user_id="",
            idempotency_key="adj:2",
        )
    assert set(raised.value.error_dict) == {"reason", "staff_user_id"}

    ledger.adjust_balance(
        funded,
        usd("-5.00"),
        bucket=Bucket.AVAILABLE,
        reason="duplicate bonus",
        staff_user_id="VXNlcjoy",
        idempotency_key="adj:2",
    )

    entry = LedgerEntry.objects.get(idempotency_key="adj:2")
    assert (entry.code, entry.amount, entry.reason, entry.actor) == (
        EntryCode.ADJUSTMENT,
        D("-5.00"),
        "duplicate bonus",
        "VXNlcjoy",
    )
    assert balances(alice) == {"available": D("95.00")}


def test_an_adjustment_may_not_take_a_bucket_negative_unless_asked(funded, alice):
    with pytest.raises(ValidationError):
        ledger.adjust_balance(
            funded,
            usd("-100.01"),
            bucket=Bucket.AVAILABLE,
            reason="x",
            staff_user_id="VXNlcjoy",
            idempotency_key="adj:3",
        )
    assert balances(alice) == {"available": D("100.00")}

    ledger.adjust_balance(
        funded,
        usd("-100.01"),
        bucket=Bucket.AVAILABLE,
        reason="debt",
        staff_user_id="VXNlcjoy",
        idempotency_key="adj:3",
        allow_negative=True,
    )
    assert balances(alice) == {"available": D("-0.01")}


def test_an_account_takes_only_its_currency(funded):
    with pytest.raises(CurrencyMismatch):
        ledger.hold_withdrawal(
            funded, Money(D("5"), "JPY"), withdrawal_id="1", idempotency_key="w1"
        )
    with pytest.raises(CurrencyMismatch):
        ledger.adjust_balance(
            funded,
            Money(D("5"), "CNY"),
            bucket=Bucket.AVAILABLE,
            reason="x",
            staff_user_id="s",
            idempotency_key="adj:9",
        )
    assert accounts_out_of_balance(funded.installation) == []


def test_an_adjustment_by_distributor_opens_the_account_and_is_audited(installation, alice):
    ledger.adjust_balance(
        alice,
        Money(D("500"), "JPY"),
        bucket=Bucket.AVAILABLE,
        reason="launch bonus",
        staff_user_id="VXNlcjoy",
        idempotency_key="adj:jpy",
    )
    # The same key again: no second entry, no second audit event.
    ledger.adjust_balance(
        alice,
        Money(D("500"), "JPY"),
        bucket=Bucket.AVAILABLE,
        reason="launch bonus",
        staff_user_id="VXNlcjoy",
        idempotency_key="adj:jpy",
    )

    assert balances(alice, "JPY") == {"available": D("500")}
    event = AuditEvent.objects.get(action="ledger.balance_adjusted")
    assert (event.actor_id, event.reason, event.before, event.after["available"]) == (
        "VXNlcjoy",
        "launch bonus",
        {"available": "0.000"},
        "500.000",
    )


def test_staff_adjustments_are_audited_once_per_request_id(installation, make_distributor):
    from saleor_distribution.core.audit import Actor
    from saleor_distribution.core.models import AuditEvent

    distributor = make_distributor()
    staff = Actor.staff("VXNlcjox", "admin@example.com")

    first = ledger.adjust_balance_for_staff(
        distributor, Money(Decimal("12.30"), "CNY"), bucket=Bucket.AVAILABLE,
        reason=" goodwill ", actor=staff, request_id="req-1",
    )
    replay = ledger.adjust_balance_for_staff(
        distributor, Money(Decimal("12.30"), "CNY"), bucket=Bucket.AVAILABLE,
        reason="goodwill", actor=staff, request_id="req-1",
    )

    assert first.created is True and replay.created is False
    assert replay.entries[0].pk == first.entries[0].pk
    entry = first.entries[0]
    assert (entry.amount, entry.code, entry.reason, entry.actor, entry.idempotency_key) == (
        Decimal("12.30"), "adjustment", "goodwill", "VXNlcjox", f"adjust:{distributor.pk}:req-1"
    )
    event = AuditEvent.objects.get()
    assert (event.action, event.subject_type, event.subject_id, event.actor_id, event.reason) == (
        "ledger.adjust", "network.distributor", str(distributor.pk), "VXNlcjox", "goodwill"
    )
    assert event.before == {"currency": "CNY", "bucket": "available", "balance": "0.000"}
    assert event.after == {"currency": "CNY", "bucket": "available", "balance": "12.300",
                           "amount": "12.30", "entry": entry.pk}

    # The same request id with another amount is refused, and nothing is written.
    with pytest.raises(IdempotencyConflict):
        ledger.adjust_balance_for_staff(
            distributor, Money(Decimal("1.00"), "CNY"), bucket=Bucket.AVAILABLE,
            reason="goodwill", actor=staff, request_id="req-1",
        )
    assert LedgerEntry.objects.count() == 1 and AuditEvent.objects.count() == 1
