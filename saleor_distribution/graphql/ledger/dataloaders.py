from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, ClassVar

from saleor_distribution.graphql.core.dataloaders import RowLoader
from saleor_distribution.ledger.models import Account
from saleor_distribution.network.models import Distributor


class AccountsByDistributor(RowLoader[Distributor, list[Account]]):
    """Each distributor's ledger accounts (one per currency), by currency."""

    model = Distributor
    default: ClassVar[list[Account]] = []

    def batch_load(self, rows: Sequence[Distributor]) -> dict[Any, list[Account]]:
        accounts: dict[int, list[Account]] = defaultdict(list)
        for account in Account.objects.filter(
            distributor_id__in=[row.pk for row in rows]
        ).order_by("currency"):
            accounts[account.distributor_id].append(account)
        return accounts
