"""The programme's network policy: defaults on first use, validated and audited changes."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from saleor_distribution.core.audit import Actor
from saleor_distribution.core.models import AuditEvent
from saleor_distribution.network import actions, fetch
from saleor_distribution.network.error_codes import NetworkErrorCode
from saleor_distribution.network.models import JoiningMode, NetworkPolicy, TouchModel
from tests.fixtures.network import STAFF_ID, error_codes

STAFF = Actor.staff(STAFF_ID, "admin@example.com")
GOOD_URLS = {"default-channel": {"home": "https://s.example.com/",
                                 "link": "https://s.example.com/?ref={code}"}}


def test_a_policy_is_created_with_defaults_on_first_use(installation):
    policy = fetch.get_policy(installation)

    assert fetch.get_policy(installation) == policy
    assert NetworkPolicy.objects.count() == 1
    assert (policy.joining_mode, policy.binding_touch, policy.binding_days) == (
        "open", "first_touch", None
    )
    assert (policy.binding_protection_days, policy.bind_new_customers_only) == (0, False)
    assert (policy.storefront_urls, policy.default_channel, policy.default_sponsor) == (
        {}, "", None
    )
    assert (policy.click_rate_limit, policy.click_rate_window_seconds) == (10, 3600)


def test_staff_change_the_policy_and_the_change_is_audited(installation, make_distributor):
    sponsor = make_distributor(code="SPONSOR")

    policy = actions.update_policy(
        installation, actor=STAFF, joining_mode=JoiningMode.SPEND_THRESHOLD,
        join_spend_threshold_amount=Decimal("199.00"), join_spend_threshold_currency="CNY",
        binding_touch=TouchModel.LAST_TOUCH, binding_days=15, binding_protection_days=3,
        default_sponsor=sponsor, storefront_urls=GOOD_URLS, default_channel="default-channel",
    )

    policy.refresh_from_db()
    assert policy.joining_mode == "spend_threshold"
    assert policy.join_spend_threshold_amount == Decimal("199.000")
    assert (policy.binding_touch, policy.binding_days, policy.binding_protection_days) == (
        "last_touch", 15, 3
    )
    assert policy.default_sponsor == sponsor
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_id, event.subject_type) == (
        "network_policy.update", STAFF_ID, "network.networkpolicy"
    )
    changed = {k: (event.before[k], event.after[k]) for k in event.after
               if event.before[k] != event.after[k]}
    assert changed == {
        "joining_mode": ("open", "spend_threshold"),
        "join_spend_threshold_amount": ("0.000", "199.00"),
        "join_spend_threshold_currency": ("", "CNY"),
        "binding_touch": ("first_touch", "last_touch"),
        "binding_days": (None, 15),
        "binding_protection_days": (0, 3),
        "default_sponsor": (None, sponsor.pk),
        "storefront_urls": ({}, GOOD_URLS),
        "default_channel": ("", "default-channel"),
    }


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"joining_mode": "invite_only"}, {"joining_mode": "invalid_policy"}),
        ({"binding_touch": "middle_touch"}, {"binding_touch": "invalid_policy"}),
        ({"binding_days": 0}, {"binding_days": "invalid_policy"}),
        ({"binding_protection_days": -1}, {"binding_protection_days": "invalid_policy"}),
        ({"click_rate_window_seconds": 0}, {"click_rate_window_seconds": "invalid_policy"}),
        ({"join_spend_threshold_amount": Decimal("-1")},
         {"join_spend_threshold_amount": "invalid_policy"}),
        ({"joining_mode": JoiningMode.SPEND_THRESHOLD},
         {"join_spend_threshold_currency": "invalid_policy"}),
        ({"storefront_urls": {"c": {"link": "https://s.example.com/"}}},
         {"storefront_urls": "invalid_url_template"}),  # no {code}
        ({"storefront_urls": {"c": {"link": "https://s/?ref={code}&u={user}"}}},
         {"storefront_urls": "invalid_url_template"}),  # unknown placeholder
        ({"storefront_urls": {"c": {"product": "https://s/?ref={code}"}}},
         {"storefront_urls": "invalid_url_template"}),  # no {product}
        ({"storefront_urls": {"c": {"home": "javascript:alert(1)"}}},
         {"storefront_urls": "invalid_url_template"}),
        ({"storefront_urls": {"c": {"link": "https://s/?ref={code"}}},
         {"storefront_urls": "invalid_url_template"}),
        ({"storefront_urls": {"c": {"banner": "https://s/"}}},
         {"storefront_urls": "invalid_url_template"}),
        ({"storefront_urls": ["https://s/"]}, {"storefront_urls": "invalid_url_template"}),
        ({"default_channel": "missing"}, {"default_channel": "invalid_policy"}),
    ],
)
def test_invalid_policy_changes_are_refused(installation, changes, expected):
    fetch.get_policy(installation)
    before = list(NetworkPolicy.objects.values())

    with pytest.raises(ValidationError) as caught:
        actions.update_policy(installation, actor=STAFF, **changes)

    assert {f: codes[0] for f, codes in error_codes(caught.value).items()} == expected
    assert list(NetworkPolicy.objects.values()) == before
    assert AuditEvent.objects.count() == 0


def test_an_inactive_or_foreign_sponsor_is_refused(installation, other_installation,
                                                   make_distributor):
    suspended = actions.suspend(make_distributor(), actor=STAFF)
    foreign = make_distributor(installation=other_installation)

    for sponsor in (suspended, foreign):
        with pytest.raises(ValidationError) as caught:
            actions.update_policy(installation, actor=STAFF, default_sponsor=sponsor)
        assert error_codes(caught.value) == {
            "default_sponsor": [NetworkErrorCode.INVITER_NOT_ACTIVE.value]
        }
    assert fetch.get_policy(installation).default_sponsor is None


def test_a_sponsor_suspended_later_does_not_block_other_changes(installation,
                                                                make_distributor):
    sponsor = make_distributor()
    actions.update_policy(installation, actor=STAFF, default_sponsor=sponsor)
    actions.suspend(sponsor, actor=STAFF)

    policy = actions.update_policy(installation, actor=STAFF, click_rate_limit=20)

    assert (policy.click_rate_limit, policy.default_sponsor_id) == (20, sponsor.pk)


def test_policies_are_per_installation(installation, other_installation):
    actions.update_policy(installation, actor=STAFF, joining_mode=JoiningMode.APPROVAL)

    assert fetch.get_policy(other_installation).joining_mode == JoiningMode.OPEN
