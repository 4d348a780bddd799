"""The audit trail shared by every domain: `record(...)` writes one `AuditEvent`.

Call it inside the transaction that makes the change, after the change, with the values that
matter before and after (`snapshot` turns a model instance into them).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models

from saleor_distribution.core.models import ActorType, AuditEvent
from saleor_distribution.installations.models import Installation


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff user (by Saleor global id), a customer, an app, or the system."""

    type: str
    id: str = ""
    email: str = ""

    @classmethod
    def staff(cls, saleor_user_id: str, email: str = "") -> Actor:
        assert saleor_user_id, "a staff action needs the staff user's id"
        return cls(ActorType.STAFF, saleor_user_id, email)

    @classmethod
    def customer(cls, saleor_user_id: str, email: str = "") -> Actor:
        return cls(ActorType.CUSTOMER, saleor_user_id, email)

    @classmethod
    def app(cls, app_id: str) -> Actor:
        return cls(ActorType.APP, app_id)

    @classmethod
    def system(cls) -> Actor:
        return cls(ActorType.SYSTEM)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of `instance` as JSON-ready values (foreign keys by id)."""
    values: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        attname = getattr(field, "attname", name)
        values[name] = _json_value(getattr(instance, attname))
    return values


def record(
    installation: Installation | int,
    *,
    actor: Actor,
    action: str,
    subject: models.Model,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    installation_id = installation if isinstance(installation, int) else installation.pk
    return AuditEvent.objects.create(
        installation_id=installation_id,
        actor_type=actor.type,
        actor_id=actor.id,
        actor_email=actor.email,
        action=action,
        subject_type=subject._meta.label_lower,
        subject_id=str(subject.pk),
        before={k: _json_value(v) for k, v in (before or {}).items()},
        after={k: _json_value(v) for k, v in (after or {}).items()},
        reason=reason,
    )
