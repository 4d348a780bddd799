"""Customer binding (关系绑定) under every combination of the binding policy."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from saleor_distribution.core.audit import Actor
from saleor_distribution.core.models import AuditEvent
from saleor_distribution.network import actions, fetch
from saleor_distribution.network.error_codes import NetworkErrorCode
from saleor_distribution.network.models import (
    BindingSource,
    CustomerBinding,
    TouchModel,
)
from tests.fixtures.network import STAFF_ID, error_codes, make_installation, network_state, refused

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
BUYER = "VXNlcjo0OA=="
EMAIL = "chen.xiaoyu@example.com"


@pytest.fixture
def alice(make_distributor):
    return make_distributor(code="ALICE1")


@pytest.fixture
def bob(make_distributor):
    return make_distributor(code="BOB123")


def policy(installation, **changes):
    return actions.update_policy(installation, actor=Actor.staff(STAFF_ID), **changes)


def bind(installation, distributor, *, at, customer=BUYER, email=EMAIL, new=True,
         source=BindingSource.INVITE):
    return actions.bind_customer(
        installation, distributor=distributor, customer_saleor_id=customer, customer_email=email,
        source=source, is_new_customer=new, at=at,
    )


def open_rows(installation):
    return list(
        CustomerBinding.objects.filter(installation=installation, ended_at__isnull=True)
        .values_list("customer_saleor_id", "distributor__code")
    )


def test_first_binding_records_source_code_and_window(installation, alice):
    policy(installation, binding_days=30, binding_protection_days=7)

    result = bind(installation, alice, at=T0, source=BindingSource.REFERRAL_LINK)

    assert result.outcome == "bound"
    row = CustomerBinding.objects.get()
    assert row == result.binding
    assert (row.customer_saleor_id, row.customer_email, row.distributor_id) == (
        BUYER, EMAIL, alice.pk
    )
    assert (row.source, row.code, row.bound_at) == ("referral_link", "ALICE1", T0)
    assert row.expires_at == T0 + timedelta(days=30)
    assert row.protected_until == T0 + timedelta(days=7)
    assert (row.ended_at, row.end_reason) == (None, "")


def test_a_permanent_binding_never_expires(installation, alice):
    result = bind(installation, alice, at=T0)  # defaults: permanent, first touch, no protection

    assert (result.binding.expires_at, result.binding.protected_until) == (None, None)
    far = T0 + timedelta(days=3650)
    assert fetch.current_binding(installation, saleor_user_id=BUYER, email=None, at=far) == (
        result.binding
    )


def test_binding_again_to_the_same_distributor_changes_nothing(installation, alice):
    policy(installation, binding_touch=TouchModel.LAST_TOUCH, binding_days=30)
    first = bind(installation, alice, at=T0)
    before = network_state(installation)

    again = bind(installation, alice, at=T0 + timedelta(days=2), new=False)

    assert again.outcome == "unchanged"
    assert again.binding == first.binding
    assert network_state(installation) == before


@pytest.mark.parametrize(
    ("touch", "days", "protection", "elapsed", "expected"),
    [
        # first touch: a binding in force keeps the customer, whatever the protection
        (TouchModel.FIRST_TOUCH, 30, 0, 1, NetworkErrorCode.ALREADY_BOUND),
        (TouchModel.FIRST_TOUCH, 30, 7, 29, NetworkErrorCode.ALREADY_BOUND),
        (TouchModel.FIRST_TOUCH, None, 0, 3650, NetworkErrorCode.ALREADY_BOUND),
        (TouchModel.FIRST_TOUCH, 30, 0, 30, "replaced_expired"),  # expired at that instant
        (TouchModel.FIRST_TOUCH, 30, 7, 45, "replaced_expired"),
        # last touch: a newer code wins once the protection period is over
        (TouchModel.LAST_TOUCH, 30, 7, 1, NetworkErrorCode.BINDING_PROTECTED),
        (TouchModel.LAST_TOUCH, None, 7, 6, NetworkErrorCode.BINDING_PROTECTED),
        (TouchModel.LAST_TOUCH, 30, 7, 7, "rebound"),  # protection over at that instant
        (TouchModel.LAST_TOUCH, None, 7, 8, "rebound"),
        (TouchModel.LAST_TOUCH, 30, 0, 0, "rebound"),
        (TouchModel.LAST_TOUCH, 30, 7, 31, "replaced_expired"),
    ],
)
def test_binding_policy_matrix(installation, alice, bob, touch, days, protection, elapsed,
                               expected):
    policy(installation, binding_touch=touch, binding_days=days,
           binding_protection_days=protection)
    first = bind(installation, alice, at=T0).binding
    at = T0 + timedelta(days=elapsed)

    if isinstance(expected, NetworkErrorCode):
        with refused(installation, "customer", expected):
            bind(installation, bob, at=at)
        return
    result = bind(installation, bob, at=at)

    assert result.outcome == expected
    first.refresh_from_db()
    assert (first.ended_at, first.end_reason) == (
        at, "expired" if expected == "replaced_expired" else "rebound"
    )
    assert open_rows(installation) == [(BUYER, "BOB123")]
    assert result.binding.bound_at == at
    assert result.binding.expires_at == (at + timedelta(days=days) if days else None)
    assert fetch.current_binding(installation, saleor_user_id=BUYER, email=None, at=at) == (
        result.binding
    )
    # History answers "who was the customer bound to, then?"
    just_before = at - timedelta(seconds=1)
    then = fetch.current_binding(installation, saleor_user_id=BUYER, email=None, at=just_before)
    first_ends = T0 + timedelta(days=days) if days else at
    assert then == (first if T0 <= just_before < first_ends else None)


@pytest.mark.parametrize(
    ("is_new", "has_binding", "expected"),
    [
        (True, False, "bound"),
        (False, False, NetworkErrorCode.NOT_NEW_CUSTOMER),
        (None, False, NetworkErrorCode.NOT_NEW_CUSTOMER),  # unknown is not new
        (False, True, "unchanged"),  # already bound to the same distributor
    ],
)
def test_new_customers_only(installation, alice, is_new, has_binding, expected):
    policy(installation, bind_new_customers_only=True)
    if has_binding:
        bind(installation, alice, at=T0, new=True)

    if isinstance(expected, NetworkErrorCode):
        with refused(installation, "customer", expected):
            bind(installation, alice, at=T0, new=is_new)
    else:
        assert bind(installation, alice, at=T0, new=is_new).outcome == expected


def test_new_customers_only_also_guards_a_last_touch_rebinding(installation, alice, bob):
    policy(installation, bind_new_customers_only=True, binding_touch=TouchModel.LAST_TOUCH)
    bind(installation, alice, at=T0, new=True)

    with refused(installation, "customer", NetworkErrorCode.NOT_NEW_CUSTOMER):
        bind(installation, bob, at=T0 + timedelta(days=1), new=False)


def test_a_distributor_cannot_bind_to_their_own_code(installation, make_distributor):
    me = make_distributor(saleor_user_id=BUYER, email=EMAIL, code="MYSELF")

    for customer, email in ((BUYER, "someone@example.com"), ("", EMAIL.upper())):
        with refused(installation, "distributor", NetworkErrorCode.SELF_BINDING):
            bind(installation, me, at=T0, customer=customer, email=email)


def test_an_inactive_distributor_cannot_bind(installation, alice):
    actions.suspend(alice, actor=Actor.staff(STAFF_ID))

    with refused(installation, "distributor", NetworkErrorCode.DISTRIBUTOR_NOT_ACTIVE):
        bind(installation, alice, at=T0)


def test_a_customer_needs_an_id_or_an_email(installation, alice):
    with pytest.raises(ValidationError) as caught:
        bind(installation, alice, at=T0, customer="", email="  ")

    assert error_codes(caught.value) == {"customer": [NetworkErrorCode.CUSTOMER_REQUIRED.value]}
    assert CustomerBinding.objects.count() == 0


def test_a_guest_is_one_customer_per_email_in_any_case(installation, alice, bob):
    first = bind(installation, alice, at=T0, customer="", email="Chen.Xiaoyu@Example.com")

    again = bind(installation, alice, at=T0, customer="", email="chen.xiaoyu@example.com ")
    with pytest.raises(ValidationError):
        bind(installation, bob, at=T0, customer="", email="CHEN.XIAOYU@example.com")

    assert first.binding.customer_email == "chen.xiaoyu@example.com"
    assert again.outcome == "unchanged"
    assert open_rows(installation) == [("", "ALICE1")]


def test_a_guest_binding_counts_once_the_customer_has_an_account(installation, alice, bob):
    bind(installation, alice, at=T0, customer="", email=EMAIL)

    # First touch: the guest's binding keeps the (now registered) customer.
    with pytest.raises(ValidationError) as caught:
        bind(installation, bob, at=T0 + timedelta(hours=1))

    assert error_codes(caught.value) == {"customer": [NetworkErrorCode.ALREADY_BOUND.value]}
    assert fetch.current_binding(
        installation, saleor_user_id=BUYER, email=EMAIL, at=T0 + timedelta(hours=1)
    ).distributor == alice


def test_bindings_never_cross_installations(installation, other_installation, alice):
    bind(installation, alice, at=T0)

    assert fetch.current_binding(other_installation, saleor_user_id=BUYER, email=EMAIL,
                                 at=T0) is None


def test_staff_rebind_over_the_policy_and_unbind(installation, alice, bob):
    policy(installation, binding_protection_days=30, binding_days=90)
    first = bind(installation, alice, at=T0).binding
    staff = Actor.staff(STAFF_ID, "admin@example.com")

    rebound = actions.staff_bind_customer(installation, distributor=bob, customer_saleor_id=BUYER,
                                          customer_email=EMAIL, actor=staff, reason="complaint")
    first.refresh_from_db()
    assert first.end_reason == "staff"
    assert (rebound.source, rebound.distributor, rebound.code) == ("staff", bob, "BOB123")
    assert rebound.expires_at == rebound.bound_at + timedelta(days=90)

    unbound = actions.staff_bind_customer(installation, distributor=None,
                                          customer_saleor_id=BUYER, customer_email=EMAIL,
                                          actor=staff)
    assert unbound is None
    assert open_rows(installation) == []
    events = list(AuditEvent.objects.filter(action__startswith="binding."))
    assert [(e.action, e.subject_id, e.before.get("distributor"), e.after.get("distributor"),
             e.reason) for e in events] == [
        ("binding.staff_bind", str(rebound.pk), alice.pk, bob.pk, "complaint"),
        ("binding.staff_unbind", str(rebound.pk), bob.pk, None, ""),
    ]


@pytest.mark.django_db(transaction=True)
def test_concurrent_bindings_of_one_customer_leave_exactly_one_open():
    installation = make_installation("race")
    distributors = [
        actions.add_distributor(installation, saleor_user_id=f"d{i}", email=f"d{i}@example.com")
        for i in range(6)
    ]
    barrier = threading.Barrier(len(distributors))
    outcomes: list[str] = []

    def race(distributor):
        try:
            barrier.wait()
            try:
                outcomes.append(bind(installation, distributor, at=T0).outcome)
            except ValidationError as exc:
                outcomes.append(actions.error_code(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(d,)) for d in distributors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["already_bound"] * 5 + ["bound"]
    assert CustomerBinding.objects.filter(ended_at__isnull=True).count() == 1
    assert CustomerBinding.objects.count() == 1
