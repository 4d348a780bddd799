from __future__ import annotations

import graphene

from saleor_distribution.graphql.ledger.mutations.ledger_adjust import LedgerAdjust


class LedgerMutations(graphene.ObjectType):
    ledger_adjust = LedgerAdjust.Field()
