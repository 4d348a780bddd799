from __future__ import annotations

from typing import Any

import graphene
from django.db.models import QuerySet

from saleor_distribution.graphql.core.types import global_id_pk
from saleor_distribution.graphql.network.enums import DistributorStatusEnum
from saleor_distribution.network import fetch
from saleor_distribution.network.models import Distributor

MAX_SEARCH_LENGTH = 254


class DistributorFilterInput(graphene.InputObjectType):
    status = graphene.List(graphene.NonNull(DistributorStatusEnum))
    grade = graphene.ID(description="A grade's id.")
    parent = graphene.ID(description="Direct recruits of this distributor.")


def filter_distributors(
    rows: QuerySet[Distributor], filter: dict[str, Any] | None
) -> QuerySet[Distributor]:
    """Filters of the staff list. An id that names nothing of this installation matches
    no distributor (not an error: the list is simply empty)."""
    if not filter:
        return rows
    if filter.get("status"):
        rows = rows.filter(status__in=[status.value for status in filter["status"]])
    if filter.get("grade") is not None:
        grade = global_id_pk(filter["grade"], "Grade")
        rows = rows.filter(grade_id=grade) if grade is not None else rows.none()
    if filter.get("parent") is not None:
        parent = global_id_pk(filter["parent"], "Distributor")
        rows = rows.filter(parent_id=parent) if parent is not None else rows.none()
    return rows


def search_distributors(rows: QuerySet[Distributor], search: str | None) -> QuerySet[Distributor]:
    """By referral code (its beginning), email or display name (any part)."""
    return fetch.search(rows, (search or "")[:MAX_SEARCH_LENGTH])
