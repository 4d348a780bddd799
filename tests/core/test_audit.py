"""The shared audit trail."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from saleor_distribution.core import audit
from saleor_distribution.core.audit import Actor
from saleor_distribution.core.models import AuditEvent
from saleor_distribution.network.models import NetworkPolicy


def test_record_stores_who_what_when_before_and_after(installation):
    policy = NetworkPolicy.objects.create(installation=installation)
    before = audit.snapshot(policy, ("joining_mode", "join_spend_threshold_amount", "installation"))

    event = audit.record(
        installation, actor=Actor.staff("VXNlcjoy", "admin@example.com"), action="policy.test",
        subject=policy, before=before,
        after={"joining_mode": "approval", "at": datetime(2026, 11, 26, tzinfo=UTC),
               "amount": Decimal("1.50")},
        reason="why not",
    )

    stored = AuditEvent.objects.get()
    assert stored == event
    assert (stored.installation, stored.actor_type, stored.actor_id, stored.actor_email) == (
        installation, "staff", "VXNlcjoy", "admin@example.com"
    )
    assert (stored.action, stored.subject_type, stored.subject_id, stored.reason) == (
        "policy.test", "network.networkpolicy", str(policy.pk), "why not"
    )
    assert stored.before == {"joining_mode": "open", "join_spend_threshold_amount": "0",
                             "installation": installation.pk}
    assert stored.after == {"joining_mode": "approval", "at": "2026-11-26T00:00:00+00:00",
                            "amount": "1.50"}
    assert stored.occurred_at is not None


def test_a_staff_actor_needs_an_id():
    with pytest.raises(AssertionError):
        Actor.staff("")
    assert Actor.system() == Actor("system", "", "")
