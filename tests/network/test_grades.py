"""Grades (分销等级): staff create, change and delete them (validated, audited); progress
towards the next grade; the automatic upgrade (never down, to the highest grade met)."""

import threading
from decimal import Decimal

import psycopg
import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saleor_distribution.commissions import actions as commission_actions
from saleor_distribution.commissions.models import PlanVersion
from saleor_distribution.core.audit import Actor
from saleor_distribution.core.models import AuditEvent
from saleor_distribution.network import actions, grades
from saleor_distribution.network.models import Distributor, DistributorStatus, Grade
from saleor_distribution.reports.models import DistributorSales
from tests.fixtures.network import network_state
from tests.harness import wait_until

STAFF = Actor.staff("VXNlcjoy", "admin@example.com")


def grade_rows(installation):
    return list(Grade.objects.filter(installation=installation).order_by("pk").values())


def audit_rows(installation):
    return list(
        AuditEvent.objects.filter(installation=installation)
        .order_by("pk")
        .values_list("action", "subject_id", "actor_type", "before", "after")
    )


def refusal(caught):
    return {field: [e.code for e in errors] for field, errors in caught.value.error_dict.items()}


def set_sales(distributor, amount, currency="CNY"):
    DistributorSales.objects.update_or_create(
        installation_id=distributor.installation_id, distributor=distributor, currency=currency,
        defaults={"amount": Decimal(amount), "order_count": 1},
    )


@pytest.fixture
def gold(installation):
    return grades.create_grade(
        installation, actor=STAFF, name="Gold", rank=2, min_sales_amount=Decimal("1000"),
        min_sales_currency="CNY", min_direct_count=3, auto_upgrade=True,
    )


# --- staff actions ----------------------------------------------------------------------------


def test_create_a_grade_stores_its_targets_and_audits(installation):
    grade = grades.create_grade(
        installation, actor=STAFF, name="  Silver ", rank=1, min_sales_amount=Decimal("500.5"),
        min_sales_currency="CNY", min_team_size=10, auto_upgrade=True,
    )

    stored = Grade.objects.get()
    assert (stored.name, stored.rank, stored.min_sales_amount, stored.min_sales_currency,
            stored.min_direct_count, stored.min_team_size, stored.auto_upgrade) == (
        "Silver", 1, Decimal("500.500"), "CNY", None, 10, True
    )
    assert audit_rows(installation) == [
        ("grade.create", str(grade.pk), "staff", {}, {
            "name": "Silver", "rank": 1, "min_sales_amount": "500.5", "min_sales_currency": "CNY",
            "min_direct_count": None, "min_team_size": 10, "auto_upgrade": True,
        }),
    ]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"name": "", "rank": 5}, {"name": ["invalid_grade"]}),
        ({"name": "x" * 65, "rank": 5}, {"name": ["invalid_grade"]}),
        ({"name": "New", "rank": -1}, {"rank": ["invalid_grade"]}),
        ({"name": "Gold", "rank": 5}, {"name": ["grade_name_taken"]}),
        ({"name": "New", "rank": 2}, {"rank": ["grade_rank_taken"]}),
        ({"name": "New", "rank": 5, "min_sales_amount": Decimal("-1"),
          "min_sales_currency": "CNY"}, {"min_sales_amount": ["invalid_grade_target"]}),
        ({"name": "New", "rank": 5, "min_sales_amount": Decimal("10")},
         {"min_sales_currency": ["invalid_grade_target"]}),
        ({"name": "New", "rank": 5, "min_sales_amount": Decimal("10"),
          "min_sales_currency": "yuan"}, {"min_sales_currency": ["invalid_grade_target"]}),
        ({"name": "New", "rank": 5, "min_sales_amount": Decimal("0.0001"),
          "min_sales_currency": "CNY"}, {"min_sales_amount": ["invalid_grade_target"]}),
        ({"name": "New", "rank": 5, "min_direct_count": -3},
         {"min_direct_count": ["invalid_grade_target"]}),
        ({"name": "New", "rank": 5, "min_team_size": -1},
         {"min_team_size": ["invalid_grade_target"]}),
    ],
)
def test_bad_grades_are_refused_and_change_nothing(installation, gold, values, expected):
    before = (grade_rows(installation), audit_rows(installation))

    with pytest.raises(ValidationError) as caught:
        grades.create_grade(installation, actor=STAFF, **values)

    assert refusal(caught) == expected
    assert (grade_rows(installation), audit_rows(installation)) == before


def test_names_and_ranks_are_unique_per_installation_only(installation, other_installation, gold):
    other = grades.create_grade(other_installation, actor=STAFF, name="Gold", rank=2)

    assert (other.name, other.rank) == ("Gold", 2)


def test_update_changes_only_what_is_given_and_audits_before_and_after(installation, gold):
    updated = grades.update_grade(gold, actor=STAFF, min_direct_count=None, min_team_size=50)

    stored = Grade.objects.get(pk=gold.pk)
    assert (stored.name, stored.min_sales_amount, stored.min_direct_count,
            stored.min_team_size) == ("Gold", Decimal("1000.000"), None, 50)
    assert updated.min_team_size == 50
    (_, (action, subject, actor, before, after)) = audit_rows(installation)
    assert (action, subject, actor) == ("grade.update", str(gold.pk), "staff")
    assert (before["min_direct_count"], before["min_team_size"]) == (3, None)
    assert (after["min_direct_count"], after["min_team_size"]) == (None, 50)


def test_an_update_that_changes_nothing_is_not_audited(installation, gold):
    grades.update_grade(gold, actor=STAFF, name="Gold", rank=2)

    assert [row[0] for row in audit_rows(installation)] == ["grade.create"]


def test_update_to_a_taken_rank_is_refused(installation, gold):
    silver = grades.create_grade(installation, actor=STAFF, name="Silver", rank=1)
    before = (grade_rows(installation), audit_rows(installation))

    with pytest.raises(ValidationError) as caught:
        grades.update_grade(silver, actor=STAFF, rank=2, name="Gold")

    assert refusal(caught) == {"name": ["grade_name_taken"]}
    assert (grade_rows(installation), audit_rows(installation)) == before


def test_delete_an_unused_grade(installation, gold):
    grades.delete_grade(gold, actor=STAFF)

    assert grade_rows(installation) == []
    assert [row[:3] for row in audit_rows(installation)][-1] == (
        "grade.delete", str(gold.pk), "staff"
    )


def test_a_grade_held_by_a_distributor_cannot_be_deleted(installation, gold, make_seller):
    make_seller("HOLD01", grade=gold)
    before = (grade_rows(installation), audit_rows(installation))

    with pytest.raises(ValidationError) as caught:
        grades.delete_grade(gold, actor=STAFF)

    assert refusal(caught) == {"id": ["grade_in_use"]}
    assert "1 distributor(s)" in caught.value.error_dict["id"][0].message
    assert (grade_rows(installation), audit_rows(installation)) == before


def test_a_grade_a_commission_plan_rates_cannot_be_deleted(installation, gold):
    commission_actions.create_plan_version(
        installation, levels=1, level_rates=["0.10"], grade_rates={gold.pk: ["0.20"]},
        activate=True,
    )
    commission_actions.create_plan_version(installation, levels=1, level_rates=["0.10"],
                                           activate=True)
    before = grade_rows(installation)

    with pytest.raises(ValidationError) as caught:
        grades.delete_grade(gold, actor=STAFF)

    assert refusal(caught) == {"id": ["grade_in_use"]}
    assert caught.value.error_dict["id"][0].message == (
        "Commission plan version(s) 1 set rates for this grade."
    )
    assert grade_rows(installation) == before


def test_the_migration_renumbers_duplicate_ranks_keeping_their_order(
    installation, other_installation
):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("saleor_distribution.network.migrations.0004_grade_upgrade_targets")
    # Given duplicate ranks, as before the constraint (dropped in this test's transaction).
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE network_grade DROP CONSTRAINT network_grade_unique_rank")
    made = {}
    for name, rank, inst in [("a", 1, installation), ("b", 1, installation),
                             ("c", 2, installation), ("d", 5, installation),
                             ("e", 1, other_installation), ("f", 3, other_installation)]:
        made[name] = Grade.objects.create(installation=inst, name=name, rank=rank).pk

    migration.renumber_duplicate_ranks(apps, None)

    ranks = dict(Grade.objects.values_list("name", "rank"))
    assert ranks == {"a": 1, "b": 2, "c": 3, "d": 5, "e": 1, "f": 3}


# --- progress ---------------------------------------------------------------------------------


def test_progress_towards_the_next_grade(installation, gold, make_seller):
    silver = grades.create_grade(installation, actor=STAFF, name="Silver", rank=1,
                                 min_team_size=2)
    seller = make_seller("SELL01", grade=silver)
    make_seller("KID001", parent=seller)
    seller.refresh_from_db()

    progress = grades.grade_progress(
        seller, list(Grade.objects.order_by("rank")), {"CNY": Decimal("250.00")}
    )

    assert progress is not None and progress.grade.pk == gold.pk
    assert progress.targets == (
        grades.TargetProgress("sales", Decimal("1000.000"), Decimal("250.00"), False, "CNY"),
        grades.TargetProgress("direct_count", 3, 1, False),
    )
    assert progress.met is False


def test_without_a_grade_the_next_is_the_lowest_and_at_the_top_there_is_none(
    installation, gold, make_seller
):
    silver = grades.create_grade(installation, actor=STAFF, name="Silver", rank=1)
    newcomer = make_seller("NEW001")
    top = make_seller("TOP001", grade=gold)
    every = list(Grade.objects.all())

    assert grades.grade_progress(newcomer, every, {}).grade.pk == silver.pk
    assert grades.grade_progress(newcomer, every, {}).targets == ()
    assert grades.grade_progress(top, every, {}) is None


# --- automatic upgrade ------------------------------------------------------------------------


def silver_star_and_near(installation, make_seller, tag):
    """Silver (rank 1: one direct recruit), beside `gold`; STAR<tag> meets Gold's targets
    (three recruits, 1000.00 CNY of sales), NEAR<tag> only Silver's (one recruit)."""
    silver = grades.create_grade(installation, actor=STAFF, name="Silver", rank=1,
                                 min_direct_count=1, auto_upgrade=True)
    star = make_seller(f"STAR{tag}")
    for n in range(3):
        make_seller(f"KS{tag}{n:02d}", parent=star)
    set_sales(star, "1000.00")
    near = make_seller(f"NEAR{tag}")
    make_seller(f"KN{tag}01", parent=near)
    return silver, star, near


def test_upgrade_moves_qualifying_distributors_to_the_highest_grade_met(
    installation, gold, make_seller
):
    silver, star, near = silver_star_and_near(installation, make_seller, "01")
    set_sales(near, "999.99")
    set_sales(near, "5000.00", currency="USD")  # another currency counts for nothing
    suspended = make_seller("SUSP01", status=DistributorStatus.SUSPENDED)
    make_seller("KIDS99", parent=suspended)
    AuditEvent.objects.all().delete()

    assert grades.upgrade_grades() == 2

    held = dict(Distributor.objects.values_list("code", "grade_id"))
    assert (held["STAR01"], held["NEAR01"], held["SUSP01"]) == (gold.pk, silver.pk, None)
    assert sorted(audit_rows(installation)) == sorted([
        ("distributor.auto_upgrade", str(star.pk), "system", {"grade": None},
         {"grade": gold.pk}),
        ("distributor.auto_upgrade", str(near.pk), "system", {"grade": None},
         {"grade": silver.pk}),
    ])
    # A second run finds nothing to do.
    assert grades.upgrade_grades() == 0


def test_upgrade_never_lowers_and_skips_grades_staff_give_by_hand(
    installation, gold, make_seller
):
    diamond = grades.create_grade(installation, actor=STAFF, name="Diamond", rank=9,
                                  min_direct_count=0, auto_upgrade=False)
    vip = grades.create_grade(installation, actor=STAFF, name="VIP", rank=5)
    chosen = make_seller("VIP001", grade=vip)
    set_sales(chosen, "99999")
    for n in range(3):
        make_seller(f"KIDV{n:02d}", parent=chosen)
    before = network_state(installation)

    assert grades.upgrade_grades() == 0

    assert network_state(installation) == before
    assert Distributor.objects.get(pk=chosen.pk).grade_id == vip.pk
    assert diamond.pk not in set(Distributor.objects.values_list("grade_id", flat=True))


def test_upgrade_can_be_limited_to_some_distributors(installation, make_seller):
    starter = grades.create_grade(installation, actor=STAFF, name="Starter", rank=1,
                                  min_direct_count=0, auto_upgrade=True)
    first, second = make_seller("ONE001"), make_seller("TWO001")

    assert grades.upgrade_grades(installation, distributor_ids=[second.pk]) == 1

    held = dict(Distributor.objects.values_list("code", "grade_id"))
    assert held == {"ONE001": None, "TWO001": starter.pk}
    assert first.pk


def test_upgrade_works_in_bounded_batches(installation, make_seller):
    starter = grades.create_grade(installation, actor=STAFF, name="Starter", rank=1,
                                  min_direct_count=0, auto_upgrade=True)
    for n in range(7):
        make_seller(f"BAT{n:03d}")

    assert grades.upgrade_grades(batch_size=3) == 7
    assert set(Distributor.objects.values_list("grade_id", flat=True)) == {starter.pk}


def test_the_beat_runs_the_upgrade_every_ten_minutes(installation, make_seller):
    from django.conf import settings as django_settings

    from saleor_distribution.celery import app
    from saleor_distribution.network import tasks

    entry = django_settings.CELERY_BEAT_SCHEDULE["network-upgrade-grades"]
    assert entry == {"task": "saleor_distribution.network.tasks.upgrade_grades",
                     "schedule": 600.0}
    assert app.tasks[entry["task"]].name == tasks.upgrade_grades.name == entry["task"]
    starter = grades.create_grade(installation, actor=STAFF, name="Starter", rank=1,
                                  min_team_size=0, auto_upgrade=True)
    seller = make_seller("BEAT01")

    assert tasks.upgrade_grades.apply().get() == 1
    assert Distributor.objects.get(pk=seller.pk).grade_id == starter.pk


# Random grades (rank, targets, auto) and distributors (grade, counters, sales).
target = st.none() | st.integers(min_value=0, max_value=4)
grade_spec = st.tuples(target, target, st.none() | st.integers(min_value=0, max_value=300),
                       st.booleans())
seller_spec = st.tuples(st.none() | st.integers(min_value=0, max_value=5),
                        st.integers(min_value=0, max_value=5),
                        st.integers(min_value=0, max_value=5),
                        st.integers(min_value=0, max_value=300),
                        st.sampled_from([DistributorStatus.ACTIVE, DistributorStatus.SUSPENDED]))


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    grade_specs=st.lists(grade_spec, min_size=1, max_size=5),
    seller_specs=st.lists(seller_spec, min_size=1, max_size=12),
)
def test_upgrade_never_lowers_a_rank_and_leaves_no_one_below_a_grade_they_meet(
    installation, grade_specs, seller_specs
):
    with transaction.atomic():
        made = []
        for rank, (direct, team, sales, auto) in enumerate(grade_specs):
            made.append(grades.create_grade(
                installation, actor=STAFF, name=f"G{rank}", rank=rank * 10,
                min_direct_count=direct, min_team_size=team,
                min_sales_amount=Decimal(sales or 0), min_sales_currency="CNY" if sales else "",
                auto_upgrade=auto,
            ))
        for n, (grade_index, direct, team, sales, status) in enumerate(seller_specs):
            seller = actions.add_distributor(
                installation, saleor_user_id=f"user-{n}", email=f"u{n}@example.com",
                status=DistributorStatus.ACTIVE,
                grade=made[grade_index % len(made)] if grade_index is not None else None,
            )
            # Counters as if the team were there (the upgrade reads only the counters).
            Distributor.objects.filter(pk=seller.pk).update(
                direct_count=direct, team_size=direct + team, status=status
            )
            if sales:
                set_sales(seller, sales)
        ranks = {g.pk: g.rank for g in made}
        before = {d.pk: (d.grade_id, d.status) for d in Distributor.objects.all()}

        grades.upgrade_grades(installation)

        for row in Distributor.objects.all():
            old_grade, status = before[row.pk]
            old_rank = ranks[old_grade] if old_grade else -1
            new_rank = ranks[row.grade_id] if row.grade_id else -1
            assert new_rank >= old_rank
            if status != DistributorStatus.ACTIVE:
                assert row.grade_id == old_grade
                continue
            sales_cny = {s.currency: s.amount for s in DistributorSales.objects.filter(
                distributor=row)}
            for grade in made:
                if not (grade.auto_upgrade and grade.has_targets) or grade.rank <= new_rank:
                    continue
                progress = grades.target_progress(
                    grade, sales=sales_cny, direct_count=row.direct_count,
                    team_size=row.team_size,
                )
                assert not all(t.met for t in progress), (row.code, grade.name)
        transaction.set_rollback(True)


def test_setting_a_grade_deleted_meanwhile_is_refused_and_changes_nothing(
    installation, gold, make_seller
):
    # Staff opened the set-grade dialog; meanwhile another staff member deleted the grade.
    seller = make_seller("LATE01")
    stale = Grade.objects.get(pk=gold.pk)
    grades.delete_grade(gold, actor=STAFF)
    before = audit_rows(installation)

    with pytest.raises(ValidationError) as caught:
        actions.set_grade(seller, stale, actor=STAFF)

    assert refusal(caught) == {"grade": ["invalid_grade"]}
    seller.refresh_from_db()
    assert seller.grade_id is None
    assert audit_rows(installation) == before


def while_staff_delete(grade, action):
    """What `action()` returns (or raises) when it runs while a staff member deletes `grade`
    as `delete_grade` does (the row locked, then deleted), their transaction still open
    until `action` waits for it."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["returned"] = action()
        except ValidationError as exc:
            outcome["refused"] = {
                field: [e.code for e in errors] for field, errors in exc.error_dict.items()
            }
        except BaseException as exc:  # reported by the test's thread
            outcome["error"] = exc
        finally:
            connection.close()

    with psycopg.connect(**connection.get_connection_params()) as staff:
        staff.execute("SELECT id FROM network_grade WHERE id = %s FOR UPDATE", [grade.pk])
        staff.execute("DELETE FROM network_grade WHERE id = %s", [grade.pk])
        runner = threading.Thread(target=run)
        runner.start()
        assert wait_until(lambda: waiting_for_locks() == 1, timeout=10), "action not waiting"
        staff.commit()
    runner.join(timeout=30)
    return outcome


def waiting_for_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_an_upgrade_run_while_staff_delete_a_grade_goes_on_without_that_grade(
    installation, gold, make_seller
):
    silver, _, _ = silver_star_and_near(installation, make_seller, "02")

    # The run read Gold among the grades; nobody holds it yet, so staff may delete it.
    outcome = while_staff_delete(gold, lambda: grades.upgrade_grades(installation))

    assert outcome == {"returned": 2}
    held = dict(Distributor.objects.values_list("code", "grade_id"))
    assert (held["STAR02"], held["NEAR02"]) == (silver.pk, silver.pk)


@pytest.mark.django_db(transaction=True)
def test_a_plan_version_rating_a_grade_staff_are_deleting_is_refused(installation, gold):
    outcome = while_staff_delete(
        gold,
        lambda: commission_actions.create_plan_version(
            installation, levels=1, level_rates=["0.10"], grade_rates={gold.pk: ["0.20"]},
            staff_user_id="VXNlcjo1",
        ),
    )

    assert outcome == {"refused": {"grade_rates": ["unknown_grade"]}}
    assert not PlanVersion.objects.filter(installation=installation).exists()
