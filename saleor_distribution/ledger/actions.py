"""Writing to the ledger. One entry point, `post`, and the use cases built on it.

`post` is the only code that writes entries or cached totals. Inside one transaction it
locks the affected accounts in primary-key order, applies idempotency, writes the entries
and adds them to the cached totals with `F()`. A move between buckets is a balanced pair
of entries (same code, opposite amounts). Amounts are `Money`, already quantized to the
currency's minor unit; mixing currencies on one account raises.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from saleor_distribution.core import audit
from saleor_distribution.core.audit import Actor
from saleor_distribution.core.db import insert_returning_pks
from saleor_distribution.core.money import CurrencyMismatch, Money
from saleor_distribution.ledger.error_codes import LedgerErrorCode
from saleor_distribution.ledger.lock_objects import accounts_for_update
from saleor_distribution.ledger.models import Account, Bucket, EntryCode, LedgerEntry
from saleor_distribution.network.models import Distributor

logger = logging.getLogger(__name__)

MAX_POSTINGS = 10_000


class IdempotencyConflict(Exception):
    """An idempotency key was posted again with different contents. Never silently ignored:
    it means two different business actions derived the same key (a bug), or a caller is
    retrying with changed data."""


@dataclass(frozen=True)
class Posting:
    """One entry to write: `amount` (signed) into `bucket` of the distributor's account in
    `amount.currency`."""

    distributor_id: int
    bucket: str
    amount: Money
    code: str
    idempotency_key: str
    reference_type: str = ""
    reference_id: str = ""
    reason: str = ""
    actor: str = ""

    def same_as(self, entry: LedgerEntry, account: Account) -> bool:
        return (
            account.distributor_id == self.distributor_id
            and account.currency == self.amount.currency
            and entry.bucket == self.bucket
            and entry.amount == self.amount.amount
            and entry.code == self.code
            and entry.reference_type == self.reference_type
            and entry.reference_id == self.reference_id
            and entry.reason == self.reason
            and entry.actor == self.actor
        )


@dataclass(frozen=True)
class PostResult:
    entries: list[LedgerEntry]
    created: bool  # False: every key existed with the same contents; nothing changed


def move_postings(
    *,
    distributor_id: int,
    amount: Money,
    from_bucket: str,
    to_bucket: str,
    code: str,
    key: str,
    reference_type: str = "",
    reference_id: str = "",
    reason: str = "",
    actor: str = "",
) -> list[Posting]:
    """A balanced pair moving `amount` between two buckets of one account."""
    assert from_bucket != to_bucket
    assert amount.amount > 0, "a move carries a positive amount"
    return [
        Posting(
            distributor_id=distributor_id,
            bucket=bucket,
            amount=signed,
            code=code,
            idempotency_key=f"{key}:{bucket}",
            reference_type=reference_type,
            reference_id=reference_id,
            reason=reason,
            actor=actor,
        )
        for bucket, signed in ((from_bucket, -amount), (to_bucket, amount))
    ]


def _validate(postings: Sequence[Posting]) -> None:
    assert len(postings) <= MAX_POSTINGS, "post in smaller batches"
    keys = [p.idempotency_key for p in postings]
    if len(set(keys)) != len(keys):
        raise IdempotencyConflict("the same idempotency key appears twice in one posting")
    for posting in postings:
        Bucket(posting.bucket)
        EntryCode(posting.code)
        if not posting.idempotency_key:
            raise ValueError("every entry needs an idempotency key")
        if posting.amount.amount == 0:
            raise ValueError(f"zero amount for {posting.idempotency_key}")
        if not posting.amount.is_quantized:
            raise ValueError(
                f"{posting.amount} is not quantized to the currency's minor unit "
                f"({posting.idempotency_key})"
            )


def lock_accounts(
    installation_id: int, pairs: set[tuple[int, str]]
) -> dict[tuple[int, str], Account]:
    """Get or create the accounts of (distributor id, currency) pairs, then lock them all in
    primary-key order. Must run inside a transaction."""
    found = {(a.distributor_id, a.currency): a for a in accounts_for_update(installation_id, pairs)}
    if len(found) < len(pairs):
        Account.objects.bulk_create(
            [
                Account(installation_id=installation_id, distributor_id=d, currency=c)
                for (d, c) in sorted(pairs - set(found))
            ],
            ignore_conflicts=True,
        )
        found = {
            (a.distributor_id, a.currency): a for a in accounts_for_update(installation_id, pairs)
        }
    assert set(found) == pairs
    return found


def open_account(installation_id: int, distributor_id: int, currency: str) -> Account:
    """The distributor's account in `currency`, created if it does not exist yet (safe
    when two callers open it at once)."""
    Account.objects.bulk_create(
        [
            Account(
                installation_id=installation_id, distributor_id=distributor_id, currency=currency
            )
        ],
        ignore_conflicts=True,
    )
    return Account.objects.get(
        installation_id=installation_id, distributor_id=distributor_id, currency=currency
    )


def post(
    installation_id: int,
    postings: Sequence[Posting],
    *,
    no_negative: Collection[str] = (),
    locked_accounts: dict[tuple[int, str], Account] | None = None,
    keys_are_new: bool = False,
) -> PostResult:
    """Write `postings` once.

    Same keys with the same contents: the existing entries are returned and nothing changes.
    A key that exists with different contents, or a batch of which only some keys exist,
    raises `IdempotencyConflict`. `no_negative` names buckets this posting may not take
    below zero (checked under the account locks, so concurrent posts cannot both pass).
    `locked_accounts` are accounts the caller already locked in this transaction
    (`lock_accounts`); the others are locked here. `keys_are_new` skips looking for
    existing keys when the caller derived them from state it holds locked (a replay then
    fails on the unique constraint, as an `IdempotencyConflict`, instead of being returned).
    """
    _validate(postings)
    if not postings:
        return PostResult([], created=False)
    pairs = {(p.distributor_id, p.amount.currency) for p in postings}
    # A caller that locked the accounts runs the transaction: no savepoint of our own.
    with transaction.atomic(savepoint=locked_accounts is None):
        if locked_accounts is not None and pairs <= set(locked_accounts):
            accounts = locked_accounts
        else:
            accounts = lock_accounts(installation_id, pairs)
        by_pk = {a.pk: a for a in accounts.values()}
        existing = (
            {}
            if keys_are_new
            else {
                e.idempotency_key: e
                for e in LedgerEntry.objects.filter(
                    installation_id=installation_id,
                    idempotency_key__in=[p.idempotency_key for p in postings],
                )
            }
        )
        if existing:
            return PostResult(_check_replay(postings, existing, by_pk), created=False)

        deltas: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        for posting in postings:
            account = accounts[(posting.distributor_id, posting.amount.currency)]
            deltas[account.pk][posting.bucket] += posting.amount.amount
        for account_pk, buckets in deltas.items():
            account = by_pk[account_pk]
            for bucket in no_negative:
                after = getattr(account, bucket) + buckets.get(bucket, Decimal(0))
                if after < 0:
                    raise ValidationError(
                        {
                            "amount": ValidationError(
                                "The %(bucket)s balance is %(balance)s %(currency)s: "
                                "not enough for this.",
                                code=LedgerErrorCode.INSUFFICIENT_FUNDS.value,
                                params={
                                    "bucket": bucket,
                                    "balance": getattr(account, bucket),
                                    "currency": account.currency,
                                },
                            )
                        }
                    )

        now = timezone.now()
        entries = [
            LedgerEntry(
                installation_id=installation_id,
                account=accounts[(p.distributor_id, p.amount.currency)],
                bucket=p.bucket,
                amount=p.amount.amount,
                code=p.code,
                reference_type=p.reference_type,
                reference_id=p.reference_id,
                idempotency_key=p.idempotency_key,
                reason=p.reason,
                actor=p.actor,
                created_at=now,
            )
            for p in postings
        ]
        try:
            insert_returning_pks(entries)
        except IntegrityError as exc:
            # Only reachable when the same key was posted concurrently to another account
            # (the account locks serialise everything else): different contents.
            raise IdempotencyConflict("an idempotency key was posted concurrently") from exc
        _add_to_cached_totals(deltas)
    return PostResult(entries, created=True)


def _add_to_cached_totals(deltas: dict[int, dict[str, Decimal]]) -> None:
    """One UPDATE for every account of the posting; the rows are already locked (in pk
    order), so the order this statement visits them in does not matter. Written as SQL:
    on the order sync's hot path, compiling the equivalent Case/When expression cost more
    than running the statement."""
    quote = connection.ops.quote_name
    sets: list[str] = []
    params: list[int | str] = []
    pk_column = quote(Account._meta.pk.column)
    for bucket in Bucket.values:
        changed = [
            (pk, buckets[bucket]) for pk, buckets in sorted(deltas.items()) if buckets.get(bucket)
        ]
        if not changed:
            continue
        # The bucket names are the cached-total columns (Bucket values = field names).
        column = quote(Bucket(bucket).value)
        whens = " ".join(f"WHEN {pk_column} = %s THEN CAST(%s AS NUMERIC)" for _ in changed)
        sets.append(f"{column} = {column} + CASE {whens} ELSE 0 END")
        for pk, amount in changed:
            params += [pk, str(amount)]
    if not sets:
        return
    pks = sorted(deltas)
    sql = (
        f"UPDATE {quote(Account._meta.db_table)} SET {', '.join(sets)}"  # noqa: S608
        f" WHERE {pk_column} IN ({', '.join(['%s'] * len(pks))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *pks])


def _check_replay(
    postings: Sequence[Posting], existing: dict[str, LedgerEntry], accounts: dict[int, Account]
) -> list[LedgerEntry]:
    entries = []
    for posting in postings:
        entry = existing.get(posting.idempotency_key)
        if entry is None:
            raise IdempotencyConflict(
                f"only part of a posting exists already (missing {posting.idempotency_key})"
            )
        account = accounts.get(entry.account_id)
        if account is None or not posting.same_as(entry, account):
            logger.error(
                "Idempotency key reused with different contents",
                extra={"idempotency_key": posting.idempotency_key},
            )
            raise IdempotencyConflict(f"{posting.idempotency_key} exists with different contents")
        entries.append(entry)
    return entries


def _account_money(account: Account, amount: Money) -> None:
    if amount.currency != account.currency:
        raise CurrencyMismatch(f"a {account.currency} account cannot take {amount.currency}")
    if amount.amount <= 0:
        raise ValidationError(
            {
                "amount": ValidationError(
                    "The amount must be positive.", code=LedgerErrorCode.INVALID_AMOUNT.value
                )
            }
        )


def _withdrawal_move(
    account: Account,
    amount: Money,
    *,
    withdrawal_id: str,
    idempotency_key: str,
    from_bucket: str,
    to_bucket: str,
    code: str,
    locked: bool = False,
) -> PostResult:
    _account_money(account, amount)
    return post(
        account.installation_id,
        move_postings(
            distributor_id=account.distributor_id,
            amount=amount,
            from_bucket=from_bucket,
            to_bucket=to_bucket,
            code=code,
            key=idempotency_key,
            reference_type="withdrawal",
            reference_id=withdrawal_id,
        ),
        # Checked under the account lock: concurrent withdrawals cannot both pass.
        no_negative=(from_bucket,),
        locked_accounts={(account.distributor_id, account.currency): account} if locked else None,
        keys_are_new=locked,
    )


def hold_withdrawal(
    account: Account,
    amount: Money,
    *,
    withdrawal_id: str,
    idempotency_key: str,
    locked: bool = False,
) -> PostResult:
    """Reserve funds for a withdrawal: available → withdrawing. Refuses to take available
    below zero; two concurrent holds on one account are serialised by its row lock.

    `locked`: the caller read `account` with its row lock in this transaction and derived
    the key from a withdrawal it created in it (so the key cannot exist yet): no second
    lock, no look-up of the key, no savepoint. A replay still fails on the key's unique
    constraint (`IdempotencyConflict`), never posts twice."""
    return _withdrawal_move(
        account,
        amount,
        withdrawal_id=withdrawal_id,
        idempotency_key=idempotency_key,
        from_bucket=Bucket.AVAILABLE,
        to_bucket=Bucket.WITHDRAWING,
        code=EntryCode.WITHDRAWAL_HELD,
        locked=locked,
    )


# How a withdrawal that leaves the ledger's `withdrawing` bucket settles: paid, or released
# back to available (failed, cancelled, rejected).
SETTLEMENTS = {
    EntryCode.WITHDRAWAL_PAID: Bucket.PAID,
    EntryCode.WITHDRAWAL_RELEASED: Bucket.AVAILABLE,
}


def withdrawal_settlement(
    distributor_id: int, amount: Money, code: str, *, withdrawal_id: str, idempotency_key: str
) -> list[Posting]:
    """The pair of entries that settles a held withdrawal (`code`: paid or released), for
    `post_withdrawal_settlements`."""
    if amount.amount <= 0:
        raise ValueError("a withdrawal settles a positive amount")
    return move_postings(
        distributor_id=distributor_id,
        amount=amount,
        from_bucket=Bucket.WITHDRAWING,
        to_bucket=SETTLEMENTS[EntryCode(code)],
        code=code,
        key=idempotency_key,
        reference_type="withdrawal",
        reference_id=withdrawal_id,
    )


def post_withdrawal_settlements(installation_id: int, postings: Sequence[Posting]) -> PostResult:
    """Settle held withdrawals, one or many at once (one INSERT of entries, one UPDATE of
    the cached totals): each pair of `withdrawal_settlement` moves its amount out of
    `withdrawing`, to paid or back to available.

    The caller holds the row locks of the withdrawals and moves each from an unfinished
    status to a final one in this transaction; a settlement key is only ever written with
    that move, so the keys are new (not looked up). Were one to exist, its unique
    constraint fails the whole posting (`IdempotencyConflict`): nothing is posted twice.
    `withdrawing` may not go below zero, checked under the account locks taken here (after
    the withdrawals', the one lock order)."""
    if not postings:
        return PostResult([], created=False)
    assert all(SETTLEMENTS.get(EntryCode(p.code)) for p in postings)
    accounts = lock_accounts(
        installation_id, {(p.distributor_id, p.amount.currency) for p in postings}
    )
    return post(
        installation_id,
        postings,
        no_negative=(Bucket.WITHDRAWING,),
        locked_accounts=accounts,
        keys_are_new=True,
    )


def adjust_balance(
    target: Account | Distributor,
    amount: Money,
    *,
    bucket: str,
    reason: str,
    staff_user_id: str,
    idempotency_key: str,
    allow_negative: bool = False,
    audited: bool = True,
) -> PostResult:
    """A staff correction: one signed entry with the reason and who made it, and an audit
    event (unless the caller writes a richer one itself: `audited=False`). `target` is an
    account, or a distributor (its account in the amount's currency, opened if needed). By
    default it may not take the bucket below zero (`allow_negative` for a deliberate debit)."""
    if isinstance(target, Distributor):
        account = open_account(target.installation_id, target.pk, amount.currency)
    else:
        account = target
    if amount.currency != account.currency:
        raise CurrencyMismatch(f"a {account.currency} account cannot take {amount.currency}")
    errors = {}
    if not reason.strip():
        errors["reason"] = ValidationError(
            "Say why the balance is adjusted.", code=LedgerErrorCode.REQUIRED.value
        )
    if not staff_user_id:
        errors["staff_user_id"] = ValidationError(
            "An adjustment needs the staff member's id.", code=LedgerErrorCode.REQUIRED.value
        )
    if amount.amount == 0 or not amount.is_quantized:
        errors["amount"] = ValidationError(
            "The amount must be non-zero, in the currency's minor unit.",
            code=LedgerErrorCode.INVALID_AMOUNT.value,
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        result = post(
            account.installation_id,
            [
                Posting(
                    distributor_id=account.distributor_id,
                    bucket=Bucket(bucket),
                    amount=amount,
                    code=EntryCode.ADJUSTMENT,
                    idempotency_key=idempotency_key,
                    reference_type="adjustment",
                    reason=reason.strip(),
                    actor=staff_user_id,
                )
            ],
            no_negative=() if allow_negative else (bucket,),
        )
        if result.created and audited:
            balance = getattr(Account.objects.get(pk=account.pk), bucket)
            audit.record(
                account.installation_id,
                actor=audit.Actor.staff(staff_user_id),
                action="ledger.balance_adjusted",
                subject=account,
                before={bucket: balance - amount.amount},
                after={bucket: balance, "entry": result.entries[0].pk},
                reason=reason.strip(),
            )
    return result


MAX_REQUEST_ID_LENGTH = 100


def adjust_balance_for_staff(
    distributor: Distributor,
    amount: Money,
    *,
    bucket: str,
    reason: str,
    actor: Actor,
    request_id: str,
) -> PostResult:
    """A staff member corrects a distributor's balance (the dashboard's ledger adjustment).

    The idempotency key is derived from the distributor and the caller's request id, so a
    retried request posts once, and the same id with other contents is refused
    (`IdempotencyConflict`). The entry and its audit event (on the distributor, with the
    bucket's balance before and after) are written in one transaction; a replay writes
    neither again. Refusals are `adjust_balance`'s: no reason, a zero or unquantized amount,
    a bucket taken below zero.
    """
    request_id = request_id.strip()
    if not request_id or len(request_id) > MAX_REQUEST_ID_LENGTH or not request_id.isprintable():
        raise ValidationError(
            {
                "request_id": ValidationError(
                    "A request id is 1 to 100 printable characters.",
                    code=LedgerErrorCode.REQUIRED.value,
                )
            }
        )
    with transaction.atomic():
        account = open_account(distributor.installation_id, distributor.pk, amount.currency)
        result = adjust_balance(
            account,
            amount,
            bucket=bucket,
            reason=reason,
            staff_user_id=actor.id,
            idempotency_key=f"adjust:{distributor.pk}:{request_id}",
            audited=False,  # the event below names the distributor, as auditEvents filters
        )
        if result.created:
            balance = Account.objects.values_list(bucket, flat=True).get(pk=account.pk)
            entry = result.entries[0]
            audit.record(
                distributor.installation_id,
                actor=actor,
                action="ledger.adjust",
                subject=distributor,
                before={"currency": amount.currency, "bucket": bucket,
                        "balance": balance - amount.amount},
                after={"currency": amount.currency, "bucket": bucket, "balance": balance,
                       "amount": amount.amount, "entry": entry.pk},
                reason=entry.reason,
            )
    return result
