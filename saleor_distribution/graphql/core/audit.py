"""The audit log in the API: who did what to which object, when, before and after."""

from __future__ import annotations

from typing import Any

import graphene
from django.db.models import QuerySet

from saleor_distribution.core.models import AuditEvent as AuditEventModel
from saleor_distribution.graphql.core.connection import CountableConnection, SortKey, paginate


class JSONString(graphene.JSONString):
    # Saleor's scalar of the same name, undescribed as Saleor's is, so the two compose.
    class Meta:
        description = None


class AuditEvent(graphene.ObjectType):
    """One audited change, e.g. `distributor.approve` or `ledger.adjust`. The target is the
    object changed: its type ("network.distributor") and primary key."""

    id = graphene.ID(required=True)
    actor = graphene.String(required=True, description="The actor's email, else their id.")
    actor_type = graphene.String(required=True, description="staff, customer, app or system.")
    actor_id = graphene.String(required=True, description="Saleor's id of the user or app.")
    action = graphene.String(required=True)
    target_type = graphene.String(required=True)
    target_id = graphene.String(required=True)
    before = JSONString()
    after = JSONString()
    reason = graphene.String(required=True)
    at = graphene.DateTime(required=True)

    @staticmethod
    def resolve_id(root: AuditEventModel, info: Any) -> str:
        from graphql_relay import to_global_id

        return to_global_id("AuditEvent", root.pk)

    @staticmethod
    def resolve_actor(root: AuditEventModel, info: Any) -> str:
        return root.actor_email or root.actor_id or root.actor_type

    @staticmethod
    def resolve_target_type(root: AuditEventModel, info: Any) -> str:
        return root.subject_type

    @staticmethod
    def resolve_target_id(root: AuditEventModel, info: Any) -> str:
        return root.subject_id

    @staticmethod
    def resolve_at(root: AuditEventModel, info: Any) -> Any:
        return root.occurred_at


class AuditEventCountableConnection(CountableConnection):
    class Meta:
        node = AuditEvent


class AuditEventFilterInput(graphene.InputObjectType):
    target_type = graphene.String(description='e.g. "network.distributor".')
    target_id = graphene.String(description="The target's primary key.")
    action = graphene.String(description='e.g. "ledger.adjust".')
    actor_id = graphene.String()


NEWEST_FIRST = SortKey(("occurred_at", "pk"), descending=True)


def filter_audit_events(
    rows: QuerySet[AuditEventModel], filter: dict[str, Any] | None
) -> QuerySet[AuditEventModel]:
    for name, column in (
        ("target_type", "subject_type"),
        ("target_id", "subject_id"),
        ("action", "action"),
        ("actor_id", "actor_id"),
    ):
        if filter and filter.get(name) is not None:
            rows = rows.filter(**{column: filter[name]})
    return rows


def resolve_audit_events(
    info: Any, *, first: int | None, after: str | None, filter: dict[str, Any] | None
) -> Any:
    rows = AuditEventModel.objects.filter(installation=info.context.viewer.installation)
    return paginate(
        filter_audit_events(rows, filter), AuditEventCountableConnection, sort=NEWEST_FIRST,
        first=first, after=after,
    )
