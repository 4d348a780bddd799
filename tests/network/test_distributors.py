"""Distributors: joining under each mode, referral codes, status transitions, grades."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from saleor_distribution.core.audit import Actor
from saleor_distribution.core.models import AuditEvent
from saleor_distribution.network import actions, calculations, fetch
from saleor_distribution.network.error_codes import NetworkErrorCode
from saleor_distribution.network.models import (
    BindingSource,
    Distributor,
    DistributorStatus,
    Grade,
    Invitation,
    JoiningMode,
)
from tests.fixtures.network import STAFF_ID, error_codes, network_state, refused

BUYER = "VXNlcjo0OA=="


def set_policy(installation, staff, **changes):
    return actions.update_policy(installation, actor=staff, **changes)


# --- joining ----------------------------------------------------------------------------------


def test_open_programme_makes_an_applicant_active_at_once(installation):
    before = timezone.now()

    distributor = actions.apply(installation, saleor_user_id=BUYER, email="chen@example.com",
                                display_name="小雨")

    assert distributor.status == DistributorStatus.ACTIVE
    assert distributor.parent_id is None
    assert (distributor.path, distributor.depth) == (f"/{distributor.pk}/", 0)
    assert distributor.display_name == "小雨"
    assert before <= distributor.joined_at <= timezone.now()
    assert distributor.approved_at == distributor.joined_at
    assert len(distributor.code) == actions.CODE_LENGTH
    assert set(distributor.code) <= set(calculations.CODE_ALPHABET)
    assert fetch.get_by_code(installation, distributor.code.lower()) == distributor
    assert fetch.get_for_user(installation, BUYER) == distributor


def test_approval_programme_keeps_applicants_waiting(installation, staff):
    set_policy(installation, staff, joining_mode=JoiningMode.APPROVAL)

    distributor = actions.apply(installation, saleor_user_id=BUYER, email="chen@example.com")

    assert distributor.status == DistributorStatus.APPLIED
    assert distributor.approved_at is None


@pytest.mark.parametrize(
    ("spend", "joins"),
    [
        ({"CNY": Decimal("99.99")}, False),
        ({"CNY": Decimal("100.00")}, True),
        ({"CNY": Decimal("250.50")}, True),
        ({"USD": Decimal("1000")}, False),  # other currencies do not count
        (None, False),
    ],
)
def test_spend_threshold_programme(installation, staff, spend, joins):
    set_policy(installation, staff, joining_mode=JoiningMode.SPEND_THRESHOLD,
               join_spend_threshold_amount=Decimal("100.00"), join_spend_threshold_currency="CNY")

    if joins:
        distributor = actions.apply(installation, saleor_user_id=BUYER, email="c@example.com",
                                    paid_spend=spend)
        assert distributor.status == DistributorStatus.ACTIVE
    else:
        with refused(installation, "paid_spend", NetworkErrorCode.SPEND_THRESHOLD_NOT_MET):
            actions.apply(installation, saleor_user_id=BUYER, email="c@example.com",
                          paid_spend=spend)


def test_parent_is_the_inviter_code_given_with_the_application(installation, make_distributor):
    inviter = make_distributor(code="ABC123")

    distributor = actions.apply(installation, saleor_user_id=BUYER, email="c@example.com",
                                inviter_code="abc123")

    assert distributor.parent_id == inviter.pk
    assert distributor.path == f"/{inviter.pk}/{distributor.pk}/"
    assert Distributor.objects.get(pk=inviter.pk).team_size == 1


def test_parent_is_the_recorded_inviter(installation, make_distributor):
    inviter = make_distributor(code="ABC123")
    actions.accept_invite(installation, customer_saleor_id=BUYER, customer_email="c@example.com",
                          code="ABC123", is_new_customer=True)
    # A later binding to someone else does not change who invited the customer.
    other = make_distributor(code="OTHER1")
    actions.staff_bind_customer(installation, distributor=other, customer_saleor_id=BUYER,
                                customer_email="c@example.com", actor=Actor.system())

    distributor = actions.apply(installation, saleor_user_id=BUYER, email="c@example.com")

    assert distributor.parent_id == inviter.pk


def test_parent_is_the_bound_distributor_without_an_invitation(installation, make_distributor):
    bound_to = make_distributor(code="BOUND1")
    actions.bind_customer(installation, distributor=bound_to, customer_saleor_id=BUYER,
                          customer_email="c@example.com", source=BindingSource.REFERRAL_LINK)

    distributor = actions.apply(installation, saleor_user_id=BUYER, email="c@example.com")

    assert distributor.parent_id == bound_to.pk


def test_parent_is_the_default_sponsor_when_nobody_invited(installation, make_distributor, staff):
    sponsor = make_distributor(code="SPONSOR")
    set_policy(installation, staff, default_sponsor=sponsor)

    distributor = actions.apply(installation, saleor_user_id=BUYER, email="c@example.com")

    assert distributor.parent_id == sponsor.pk


def test_inactive_recorded_inviter_falls_back_to_the_default_sponsor(
    installation, make_distributor, staff
):
    inviter = make_distributor(code="ABC123")
    sponsor = make_distributor(code="SPONSOR")
    Invitation.objects.create(installation=installation, customer_saleor_id=BUYER,
                              inviter=inviter, code="ABC123", source=BindingSource.INVITE)
    actions.suspend(inviter, actor=staff)
    set_policy(installation, staff, default_sponsor=sponsor)

    distributor = actions.apply(installation, saleor_user_id=BUYER, email="c@example.com")

    assert distributor.parent_id == sponsor.pk


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("NOPE99", NetworkErrorCode.INVITER_NOT_FOUND),
        ("ABC123", NetworkErrorCode.INVITER_NOT_ACTIVE),
    ],
)
def test_an_unusable_inviter_code_is_refused(installation, make_distributor, staff, code, expected):
    inviter = make_distributor(code="ABC123")
    actions.suspend(inviter, actor=staff)

    with refused(installation, "inviter_code", expected):
        actions.apply(installation, saleor_user_id=BUYER, email="c@example.com",
                      inviter_code=code)


def test_applying_twice_is_refused(installation):
    actions.apply(installation, saleor_user_id=BUYER, email="c@example.com")

    with refused(installation, "saleor_user_id", NetworkErrorCode.ALREADY_DISTRIBUTOR):
        actions.apply(installation, saleor_user_id=BUYER, email="c@example.com")


def test_a_rejected_applicant_may_apply_again(installation, staff):
    set_policy(installation, staff, joining_mode=JoiningMode.APPROVAL)
    first = actions.apply(installation, saleor_user_id=BUYER, email="c@example.com")
    actions.reject(first, actor=staff, reason="incomplete profile")
    set_policy(installation, staff, joining_mode=JoiningMode.OPEN)

    again = actions.apply(installation, saleor_user_id=BUYER, email="c@example.com")

    assert (again.pk, again.code, again.status) == (first.pk, first.code, "active")
    assert again.status_reason == ""
    assert again.approved_at == again.status_changed_at
    event = AuditEvent.objects.filter(action="distributor.reapply").get()
    assert (event.actor_type, event.actor_id) == ("customer", BUYER)
    assert (event.before["status"], event.after["status"]) == ("rejected", "active")


def test_the_same_customer_in_two_installations_is_two_distributors(
    installation, other_installation
):
    a = actions.apply(installation, saleor_user_id=BUYER, email="c@example.com")
    b = actions.apply(other_installation, saleor_user_id=BUYER, email="c@example.com")

    assert a.pk != b.pk
    assert fetch.get_for_user(installation, BUYER) == a
    assert fetch.get_for_user(other_installation, BUYER) == b
    assert fetch.get_by_code(other_installation, a.code) in (None, b)


# --- codes ------------------------------------------------------------------------------------


def test_a_chosen_code_is_stored_upper_case_and_found_in_any_case(installation):
    distributor = actions.add_distributor(installation, saleor_user_id="u1", email="a@example.com",
                                          code=" vip2024 ")

    assert distributor.code == "VIP2024"
    assert fetch.get_by_code(installation, "Vip2024") == distributor
    assert fetch.get_by_code(installation, "") is None
    assert fetch.get_by_code(installation, "   ") is None


@pytest.mark.parametrize("code", ["ab1", "TOO-LONG-CODE", "ABC 123", "小雨1234", "A" * 17])
def test_a_malformed_code_is_refused(installation, code):

    with refused(installation, "code", NetworkErrorCode.CODE_INVALID):
        actions.add_distributor(installation, saleor_user_id="u1", email="a@example.com",
                                code=code)


def test_a_taken_code_is_refused_case_insensitively(installation, make_distributor):
    make_distributor(code="ABC123")

    with refused(installation, "code", NetworkErrorCode.CODE_TAKEN):
        actions.add_distributor(installation, saleor_user_id="u2", email="b@example.com",
                                code="abc123")


def test_the_same_code_may_exist_in_another_installation(
    installation, other_installation, make_distributor
):
    a = make_distributor(code="ABC123")
    b = make_distributor(code="ABC123", installation=other_installation)

    assert fetch.get_by_code(installation, "ABC123") == a
    assert fetch.get_by_code(other_installation, "ABC123") == b


def test_staff_change_a_code(installation, make_distributor, staff):
    distributor = make_distributor(code="OLD123")

    changed = actions.change_code(distributor, "new456", actor=staff)

    assert changed.code == "NEW456"
    assert fetch.get_by_code(installation, "OLD123") is None
    event = AuditEvent.objects.get(action="distributor.change_code")
    assert (event.before, event.after) == ({"code": "OLD123"}, {"code": "NEW456"})


def test_changing_to_a_taken_code_is_refused(installation, make_distributor, staff):
    make_distributor(code="TAKEN1")
    distributor = make_distributor(code="MINE12")

    with refused(installation, "code", NetworkErrorCode.CODE_TAKEN):
        actions.change_code(distributor, "taken1", actor=staff)


def test_encode_code_is_unique_and_unambiguous():
    codes = {calculations.encode_code(n, 5) for n in range(20_000)}

    assert len(codes) == 20_000
    assert calculations.encode_code(0, 5) == "22222"
    assert calculations.encode_code(29, 2) == "2Z"
    assert not set("".join(codes)) & set("01ILOU")


# --- status -----------------------------------------------------------------------------------


@pytest.fixture
def applicant(installation, staff):
    actions.update_policy(installation, actor=staff, joining_mode=JoiningMode.APPROVAL)
    return actions.apply(installation, saleor_user_id=BUYER, email="c@example.com")


def test_approve_an_application(applicant, staff):
    approved = actions.approve(applicant, actor=staff)

    assert approved.status == DistributorStatus.ACTIVE
    assert approved.approved_at == approved.status_changed_at
    assert approved.approved_at > applicant.joined_at
    event = AuditEvent.objects.get(action="distributor.approve")
    assert (event.actor_type, event.actor_id, event.actor_email) == (
        "staff", STAFF_ID, "admin@example.com"
    )
    assert (event.subject_type, event.subject_id) == ("network.distributor", str(applicant.pk))
    assert event.before == {
        "status": "applied", "status_changed_at": applicant.status_changed_at.isoformat(),
        "approved_at": None, "suspended_at": None, "rejected_at": None, "status_reason": "",
    }
    assert event.after == {
        "status": "active", "status_changed_at": approved.status_changed_at.isoformat(),
        "approved_at": approved.approved_at.isoformat(), "suspended_at": None,
        "rejected_at": None, "status_reason": "",
    }


def test_reject_an_application_with_a_reason(applicant, staff):
    rejected = actions.reject(applicant, actor=staff, reason="not a real shop")

    assert rejected.status == DistributorStatus.REJECTED
    assert rejected.rejected_at == rejected.status_changed_at
    assert rejected.status_reason == "not a real shop"
    assert rejected.approved_at is None
    assert AuditEvent.objects.get(action="distributor.reject").reason == "not a real shop"


def test_suspend_and_reinstate(applicant, staff):
    active = actions.approve(applicant, actor=staff)
    approved_at = active.approved_at

    suspended = actions.suspend(active, actor=staff, reason="spam")
    assert (suspended.status, suspended.status_reason) == ("suspended", "spam")
    assert suspended.suspended_at == suspended.status_changed_at

    reinstated = actions.reinstate(suspended, actor=staff)
    assert (reinstated.status, reinstated.status_reason) == ("active", "")
    assert reinstated.approved_at == approved_at  # the first approval is kept
    assert reinstated.suspended_at == suspended.suspended_at
    assert list(AuditEvent.objects.values_list("action", flat=True)) == [
        "network_policy.update", "distributor.approve", "distributor.suspend",
        "distributor.reinstate",
    ]


def test_reinstate_a_rejected_applicant(applicant, staff):
    rejected = actions.reject(applicant, actor=staff)

    reinstated = actions.reinstate(rejected, actor=staff, reason="appeal accepted")

    assert reinstated.status == DistributorStatus.ACTIVE
    assert reinstated.approved_at == reinstated.status_changed_at


@pytest.mark.parametrize(
    ("setup", "action"),
    [
        ([], "suspend"),  # applied → suspended
        ([], "reinstate"),  # applied is not suspended
        (["approve"], "approve"),  # active → active
        (["approve"], "reject"),  # active → rejected
        (["approve"], "reinstate"),
        (["approve", "suspend"], "suspend"),
        (["approve", "suspend"], "approve"),
        (["reject"], "reject"),
        (["reject"], "suspend"),
        (["reject"], "approve"),
    ],
)
def test_invalid_transitions_are_refused(installation, applicant, staff, setup, action):
    distributor = applicant
    for step in setup:
        distributor = getattr(actions, step)(distributor, actor=staff)

    with refused(installation, "status", NetworkErrorCode.INVALID_TRANSITION):
        getattr(actions, action)(distributor, actor=staff)


def test_a_transition_checks_the_stored_status_not_the_instance(applicant, staff):
    stale = Distributor.objects.get(pk=applicant.pk)
    actions.approve(applicant, actor=staff)

    with pytest.raises(ValidationError):
        actions.reject(stale, actor=staff)  # the instance still says "applied"

    assert Distributor.objects.get(pk=applicant.pk).status == DistributorStatus.ACTIVE


# --- grades -----------------------------------------------------------------------------------


def test_staff_set_and_clear_a_grade(installation, make_distributor, staff):
    gold = Grade.objects.create(installation=installation, name="Gold", rank=2)
    distributor = make_distributor()

    graded = actions.set_grade(distributor, gold, actor=staff, reason="top seller")
    cleared = actions.set_grade(graded, None, actor=staff)

    assert graded.grade == gold
    assert cleared.grade is None
    events = list(AuditEvent.objects.filter(action="distributor.set_grade"))
    assert [(e.before, e.after, e.reason) for e in events] == [
        ({"grade": None}, {"grade": gold.pk}, "top seller"),
        ({"grade": gold.pk}, {"grade": None}, ""),
    ]


def test_setting_the_same_grade_again_writes_nothing(installation, make_distributor, staff):
    gold = Grade.objects.create(installation=installation, name="Gold", rank=2)
    distributor = actions.set_grade(make_distributor(), gold, actor=staff)
    before = network_state(installation)

    actions.set_grade(distributor, gold, actor=staff)

    assert network_state(installation) == before


def test_a_grade_of_another_installation_is_refused(
    installation, other_installation, make_distributor, staff
):
    foreign = Grade.objects.create(installation=other_installation, name="Gold", rank=2)
    distributor = make_distributor()

    with refused(installation, "grade", NetworkErrorCode.INVALID_GRADE):
        actions.set_grade(distributor, foreign, actor=staff)


def test_join_times_are_the_given_ones(installation):
    joined = timezone.now() - timedelta(days=30)

    distributor = actions.add_distributor(installation, saleor_user_id="u1", email="a@example.com",
                                          status=DistributorStatus.APPLIED, joined_at=joined)

    assert (distributor.joined_at, distributor.approved_at) == (joined, None)
    assert distributor.status_changed_at == joined


def test_approving_a_stale_application_does_not_reinstate_a_rejection(applicant, staff):
    stale = Distributor.objects.get(pk=applicant.pk)
    actions.reject(applicant, actor=staff)

    with pytest.raises(ValidationError) as caught:
        actions.approve(stale, actor=staff)  # the instance still says "applied"

    assert error_codes(caught.value) == {"status": [NetworkErrorCode.INVALID_TRANSITION.value]}
    assert Distributor.objects.get(pk=applicant.pk).status == DistributorStatus.REJECTED
