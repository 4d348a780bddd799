"""`distribution.invite` on CUSTOMER_CREATED / CUSTOMER_METADATA_UPDATED, replayed from the
deliveries captured from a real Saleor (the buyer chen.xiaoyu was invited with "ABC123")."""

import json

import pytest

from saleor_distribution.core.audit import Actor
from saleor_distribution.network import actions
from saleor_distribution.network.models import CustomerBinding, Invitation
from saleor_distribution.webhooks.models import InboxDelivery
from tests.fixtures.network import STAFF_ID, network_state
from tests.fixtures.saleor_deliveries import load_delivery, make_delivery

BUYER = "VXNlcjo0OA=="  # chen.xiaoyu@example.com
PROMOTER = "VXNlcjo0OQ=="  # wang.fang@example.com, created by staff with code ABC123


@pytest.fixture
def promoter(captured_installation):
    return actions.add_distributor(
        captured_installation, saleor_user_id=PROMOTER, email="wang.fang@example.com",
        code="ABC123",
    )


def outcomes() -> list[tuple[str, str]]:
    return list(InboxDelivery.objects.order_by("pk").values_list("event", "outcome"))


def bindings():
    return list(
        CustomerBinding.objects.order_by("pk").values_list(
            "customer_saleor_id", "customer_email", "distributor__code", "source", "code",
            "ended_at",
        )
    )


def test_an_invited_registration_binds_the_customer(captured_installation, promoter,
                                                    post_delivery):
    response = post_delivery(load_delivery("customer_created"))

    assert response.status_code == 200
    assert outcomes() == [("CUSTOMER_CREATED", "invitation by ABC123: bound")]
    assert bindings() == [(BUYER, "chen.xiaoyu@example.com", "ABC123", "invite", "ABC123", None)]
    invitation = Invitation.objects.get()
    assert (invitation.customer_saleor_id, invitation.inviter, invitation.code) == (
        BUYER, promoter, "ABC123"
    )


def test_later_metadata_updates_with_the_same_invite_change_nothing(
    captured_installation, promoter, post_delivery
):
    post_delivery(load_delivery("customer_created"))
    state = network_state(captured_installation)

    post_delivery(load_delivery("customer_metadata_updated"))
    post_delivery(load_delivery("customer_metadata_updated__cjk_value"))
    post_delivery(load_delivery("customer_created"))  # a redelivery: deduplicated by the inbox

    assert outcomes() == [
        ("CUSTOMER_CREATED", "invitation by ABC123: bound"),
        ("CUSTOMER_METADATA_UPDATED", "invitation by ABC123: unchanged"),
        ("CUSTOMER_METADATA_UPDATED", "invitation by ABC123: unchanged"),
    ]
    assert network_state(captured_installation) == state


def test_deliveries_in_reverse_order_converge_under_new_customers_only(
    captured_installation, promoter, post_delivery
):
    # A metadata update is not proof of a new customer; the registration is.
    actions.update_policy(captured_installation, actor=Actor.staff(STAFF_ID),
                          bind_new_customers_only=True)

    post_delivery(load_delivery("customer_metadata_updated"))
    assert bindings() == []
    assert Invitation.objects.get().inviter == promoter  # the invitation still counts
    post_delivery(load_delivery("customer_created"))

    assert outcomes() == [
        ("CUSTOMER_METADATA_UPDATED", "invitation by ABC123: not_new_customer"),
        ("CUSTOMER_CREATED", "invitation by ABC123: bound"),
    ]
    assert bindings() == [(BUYER, "chen.xiaoyu@example.com", "ABC123", "invite", "ABC123", None)]
    assert Invitation.objects.count() == 1


def test_an_unknown_invite_code_is_ignored(captured_installation, post_delivery):
    state = network_state(captured_installation)

    post_delivery(load_delivery("customer_created"))

    assert outcomes() == [("CUSTOMER_CREATED", "ignored invitation: inviter_not_found")]
    assert network_state(captured_installation) == state


def test_a_customer_without_an_invite_is_only_recorded(captured_installation, promoter,
                                                       post_delivery):
    state = network_state(captured_installation)

    post_delivery(load_delivery("customer_created__staff_customer_create"))
    post_delivery(load_delivery("customer_metadata_updated__staff_customer_create"))

    assert outcomes() == [
        ("CUSTOMER_CREATED", "recorded customer: no invitation"),
        ("CUSTOMER_METADATA_UPDATED", "recorded customer: no invitation"),
    ]
    assert network_state(captured_installation) == state


def test_an_invite_from_a_suspended_distributor_is_ignored(captured_installation, promoter,
                                                           post_delivery):
    actions.suspend(promoter, actor=Actor.staff(STAFF_ID))
    state = network_state(captured_installation)

    post_delivery(load_delivery("customer_created"))

    assert outcomes() == [("CUSTOMER_CREATED", "ignored invitation: inviter_not_active")]
    assert network_state(captured_installation) == state


def self_invite(key, api_url):
    """The captured registration, but the promoter invites themself."""
    payload = json.loads(load_delivery("customer_created").body)
    payload["user"]["id"] = PROMOTER
    payload["user"]["email"] = "wang.fang@example.com"
    return make_delivery("CUSTOMER_CREATED", payload, key, api_url)


def test_a_distributor_inviting_themself_is_refused(fake_installation, fake_saleor,
                                                    signing_key, post_delivery):
    actions.add_distributor(fake_installation, saleor_user_id=PROMOTER,
                            email="wang.fang@example.com", code="ABC123")
    state = network_state(fake_installation)

    response = post_delivery(self_invite(signing_key, fake_saleor.api_url))

    assert response.status_code == 200
    assert outcomes() == [("CUSTOMER_CREATED", "ignored invitation: self_binding")]
    assert network_state(fake_installation) == state


def test_the_invited_customer_joins_under_the_inviter(captured_installation, promoter,
                                                      post_delivery):
    post_delivery(load_delivery("customer_created"))

    distributor = actions.apply(captured_installation, saleor_user_id=BUYER,
                                email="chen.xiaoyu@example.com")

    assert distributor.parent == promoter
    assert distributor.path == f"/{promoter.pk}/{distributor.pk}/"
    promoter.refresh_from_db()
    assert (promoter.team_size, promoter.direct_count) == (1, 1)
