"""Read helpers for the ledger."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Sum

from saleor_distribution.installations.models import Installation
from saleor_distribution.ledger.models import Account, Bucket, LedgerEntry
from saleor_distribution.network.models import Distributor

BUCKETS = tuple(Bucket.values)
STORED_PLACES = Decimal("0.001")


def get_account(
    installation: Installation, distributor: Distributor, currency: str
) -> Account | None:
    return Account.objects.filter(
        installation=installation, distributor=distributor, currency=currency
    ).first()


def cached_balances(account: Account) -> dict[str, Decimal]:
    return {bucket: getattr(account, bucket) for bucket in BUCKETS}


def entry_sums(account_ids: Iterable[int]) -> dict[int, dict[str, Decimal]]:
    """Σ entries per account and bucket: what the cached totals must equal."""
    sums: dict[int, dict[str, Decimal]] = {}
    for pk in account_ids:
        sums[pk] = {bucket: Decimal(0) for bucket in BUCKETS}
    rows = (
        LedgerEntry.objects.filter(account_id__in=list(sums))
        .values("account_id", "bucket")
        .annotate(total=Sum("amount"))
    )
    for row in rows:
        # Exact on PostgreSQL; SQLite sums NUMERIC columns as floats, so round to the
        # column's 3 places (far coarser than a float's error, far finer than any currency).
        sums[row["account_id"]][row["bucket"]] = row["total"].quantize(STORED_PLACES)
    return sums


def accounts_out_of_balance(installation: Installation) -> list[int]:
    """Accounts whose cached totals differ from the sums of their entries (should be none)."""
    accounts = list(Account.objects.filter(installation=installation))
    sums = entry_sums(a.pk for a in accounts)
    return [a.pk for a in accounts if cached_balances(a) != sums[a.pk]]
