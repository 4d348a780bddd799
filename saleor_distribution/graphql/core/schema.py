from __future__ import annotations

from typing import Any

import graphene

from saleor_distribution.graphql.core.audit import (
    AuditEventCountableConnection,
    AuditEventFilterInput,
    resolve_audit_events,
)
from saleor_distribution.graphql.core.mutations import require_staff_permission

MANAGE_USERS = "MANAGE_USERS"


class CoreQueries(graphene.ObjectType):
    audit_events = graphene.Field(
        AuditEventCountableConnection,
        first=graphene.Int(),
        after=graphene.String(),
        filter=AuditEventFilterInput(),
        description="The audit log, newest first (MANAGE_USERS).",
    )

    @staticmethod
    def resolve_audit_events(
        root: Any,
        info: Any,
        first: int | None = None,
        after: str | None = None,
        filter: dict[str, Any] | None = None,
    ) -> Any:
        require_staff_permission(info, MANAGE_USERS)
        return resolve_audit_events(info, first=first, after=after, filter=filter)
