"""The network tree: inserts, ancestors, teams, moving subtrees, cycle refusal."""

import pytest

from saleor_distribution.core.models import AuditEvent
from saleor_distribution.network import actions, fetch
from saleor_distribution.network.error_codes import NetworkErrorCode
from saleor_distribution.network.models import Distributor
from tests.fixtures.network import STAFF_ID, assert_tree_consistent, network_state, refused


@pytest.fixture
def sample_tree(make_distributor):
    """R ─┬─ A ─┬─ A1 ── A11
          │     └─ A2
          └─ B ─── B1
    """
    r = make_distributor(code="ROOT")
    a = make_distributor(parent=r, code="AAAA")
    a1 = make_distributor(parent=a, code="AAA1")
    a11 = make_distributor(parent=a1, code="AA11")
    a2 = make_distributor(parent=a, code="AAA2")
    b = make_distributor(parent=r, code="BBBB")
    b1 = make_distributor(parent=b, code="BBB1")
    return {"R": r, "A": a, "A1": a1, "A11": a11, "A2": a2, "B": b, "B1": b1}


def fresh(nodes: dict[str, Distributor]) -> dict[str, Distributor]:
    by_pk = Distributor.objects.in_bulk([n.pk for n in nodes.values()])
    return {name: by_pk[n.pk] for name, n in nodes.items()}


def names_of(nodes: dict[str, Distributor], distributors: list[Distributor]) -> list[str]:
    by_pk = {n.pk: name for name, n in nodes.items()}
    return [by_pk[d.pk] for d in distributors]


def test_insert_sets_path_depth_and_every_ancestor_counter(sample_tree):
    t = fresh(sample_tree)

    assert t["A11"].path == f"/{t['R'].pk}/{t['A'].pk}/{t['A1'].pk}/{t['A11'].pk}/"
    assert [t[n].depth for n in ("R", "A", "A1", "A11", "A2", "B", "B1")] == [0, 1, 2, 3, 2, 1, 2]
    assert t["A11"].parent_id == t["A1"].pk
    assert {n: (t[n].team_size, t[n].direct_count) for n in t} == {
        "R": (6, 2), "A": (3, 2), "A1": (1, 1), "A11": (0, 0), "A2": (0, 0), "B": (1, 1),
        "B1": (0, 0),
    }
    assert fetch.team_counts_by_depth(t["R"]) == {1: 2, 2: 3, 3: 1}
    assert fetch.team_counts_by_depth(t["A"]) == {1: 2, 2: 1}
    assert fetch.team_counts_by_depth(t["A11"]) == {}
    assert fetch.team_size(t["R"]) == 6
    assert fetch.team_count_at_depth(t["R"], 2) == 3
    assert fetch.team_count_at_depth(t["R"], 4) == 0


def test_ancestors_are_nearest_first_in_one_query(sample_tree, django_assert_num_queries):
    a11 = Distributor.objects.get(pk=sample_tree["A11"].pk)

    with django_assert_num_queries(1):
        upline = fetch.ancestors(a11)

    assert names_of(sample_tree, upline) == ["A1", "A", "R"]


def test_ancestors_of_a_root_need_no_query(sample_tree, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert fetch.ancestors(sample_tree["R"]) == []


def test_ancestors_of_a_deep_chain_in_one_query(make_chain, django_assert_num_queries):
    chain = make_chain(60)
    last = Distributor.objects.get(pk=chain[-1].pk)

    with django_assert_num_queries(1):
        upline = fetch.ancestors(last)

    assert [d.pk for d in upline] == [d.pk for d in reversed(chain[:-1])]


def test_insert_under_a_stale_parent_instance_uses_the_parent_as_it_is_now(
    sample_tree, make_distributor, staff
):
    stale_a1 = sample_tree["A1"]  # loaded before the move below
    actions.move_subtree(sample_tree["A"], sample_tree["B1"], actor=staff)

    child = make_distributor(parent=stale_a1)

    t = fresh(sample_tree)
    assert names_of(t, fetch.ancestors(child)) == ["A1", "A", "B1", "B", "R"]
    assert child.depth == 5
    assert t["B1"].team_size == 5
    assert_tree_consistent(child.installation)


def test_direct_team_pages_in_join_order(make_distributor):
    root = make_distributor()
    children = [make_distributor(parent=root) for _ in range(25)]
    make_distributor(parent=children[0])  # a grandchild is not in the direct team

    first = fetch.direct_team(root, first=20)
    second = fetch.direct_team(root, first=20, after=first.end_cursor)

    assert [d.pk for d in first.items] == [c.pk for c in children[:20]]
    assert first.has_next_page is True
    assert first.end_cursor == children[19].pk
    assert [d.pk for d in second.items] == [c.pk for c in children[20:]]
    assert second.has_next_page is False
    assert second.end_cursor == children[24].pk


def test_team_at_depth_pages_only_that_level_of_that_subtree(sample_tree, make_distributor):
    outsider_root = make_distributor()
    make_distributor(parent=make_distributor(parent=outsider_root))  # depth 2 elsewhere
    t = fresh(sample_tree)

    page = fetch.team_at_depth(t["R"], 2, first=2)
    rest = fetch.team_at_depth(t["R"], 2, first=2, after=page.end_cursor)

    assert names_of(t, page.items) == ["A1", "A2"]
    assert page.has_next_page is True
    assert names_of(t, rest.items) == ["B1"]
    assert rest.has_next_page is False
    assert names_of(t, fetch.team_at_depth(t["A"], 2).items) == ["A11"]
    assert fetch.team_at_depth(t["B1"], 1).items == []


def test_move_subtree_rewrites_every_descendant_and_the_counters(sample_tree, staff):
    actions.move_subtree(sample_tree["A"], sample_tree["B1"], actor=staff, reason="team merge")

    t = fresh(sample_tree)
    # Ancestors written out by hand from the tree after the move:
    # R ── B ── B1 ── A ─┬─ A1 ── A11
    #                    └─ A2
    expected_upline = {
        "R": [], "B": ["R"], "B1": ["B", "R"], "A": ["B1", "B", "R"],
        "A1": ["A", "B1", "B", "R"], "A2": ["A", "B1", "B", "R"],
        "A11": ["A1", "A", "B1", "B", "R"],
    }
    assert {n: names_of(t, fetch.ancestors(t[n])) for n in t} == expected_upline
    assert {n: t[n].depth for n in t} == {n: len(up) for n, up in expected_upline.items()}
    assert t["A"].parent_id == t["B1"].pk
    assert {n: (t[n].team_size, t[n].direct_count) for n in t} == {
        "R": (6, 1), "B": (5, 1), "B1": (4, 1), "A": (3, 2), "A1": (1, 1), "A11": (0, 0),
        "A2": (0, 0),
    }
    assert fetch.team_counts_by_depth(t["R"]) == {1: 1, 2: 1, 3: 1, 4: 2, 5: 1}
    assert fetch.team_counts_by_depth(t["B"]) == {1: 1, 2: 1, 3: 2, 4: 1}
    assert fetch.team_counts_by_depth(t["B1"]) == {1: 1, 2: 2, 3: 1}
    assert fetch.team_counts_by_depth(t["A"]) == {1: 2, 2: 1}
    assert_tree_consistent(t["R"].installation)
    event = AuditEvent.objects.get()
    assert (event.actor_type, event.actor_id, event.action, event.reason) == (
        "staff", STAFF_ID, "distributor.move", "team merge"
    )
    assert (event.subject_type, event.subject_id) == ("network.distributor", str(t["A"].pk))
    assert event.before == {
        "parent": t["R"].pk, "path": f"/{t['R'].pk}/{t['A'].pk}/", "depth": 1
    }
    assert event.after == {"parent": t["B1"].pk, "path": t["A"].path, "depth": 3}


def test_move_subtree_to_the_top_makes_a_root(sample_tree, staff):
    actions.move_subtree(sample_tree["A1"], None, actor=staff)

    t = fresh(sample_tree)
    assert (t["A1"].parent_id, t["A1"].path, t["A1"].depth) == (None, f"/{t['A1'].pk}/", 0)
    assert names_of(t, fetch.ancestors(t["A11"])) == ["A1"]
    assert (t["R"].team_size, t["A"].team_size, t["A"].direct_count) == (4, 1, 1)
    assert fetch.team_counts_by_depth(t["R"]) == {1: 2, 2: 2}
    assert_tree_consistent(t["R"].installation)


def test_move_under_the_current_parent_changes_nothing(sample_tree, staff, installation):
    before = network_state(installation)

    moved = actions.move_subtree(sample_tree["A1"], sample_tree["A"], actor=staff)

    assert moved.parent_id == sample_tree["A"].pk
    assert network_state(installation) == before


def test_moving_a_distributor_under_itself_is_refused(sample_tree, staff, installation):

    with refused(installation, "new_parent", NetworkErrorCode.CYCLE):
        actions.move_subtree(sample_tree["A"], sample_tree["A"], actor=staff)


@pytest.mark.parametrize("length", [2, 3, 50])
def test_a_move_closing_a_cycle_is_refused(make_chain, staff, installation, length):
    # The top of a chain of `length` distributors under its last one would close a cycle of
    # exactly `length` edges.
    chain = make_chain(length)

    with refused(installation, "new_parent", NetworkErrorCode.CYCLE):
        actions.move_subtree(chain[0], chain[-1], actor=staff)


@pytest.mark.parametrize("length", [2, 3, 50])
def test_a_cycle_is_refused_from_the_middle_of_a_longer_chain(make_chain, staff, installation,
                                                              length):
    chain = make_chain(length + 4)
    top, bottom = chain[2], chain[2 + length - 1]

    with refused(installation, "new_parent", NetworkErrorCode.CYCLE):
        actions.move_subtree(top, bottom, actor=staff)


def test_a_cycle_is_refused_even_with_stale_instances(make_chain, staff, installation):
    # B was loaded when it was a root; it has since been moved under A's descendant.
    a, a_child = make_chain(2)
    b = actions.add_distributor(installation, saleor_user_id="b", email="b@example.com")
    actions.move_subtree(b, a_child, actor=staff)
    stale_b = b  # its path still says it is a root

    with refused(installation, "new_parent", NetworkErrorCode.CYCLE):
        actions.move_subtree(a, stale_b, actor=staff)


def test_a_long_chain_moves_and_keeps_every_ancestor_right(make_chain, make_distributor, staff):
    chain = make_chain(50)
    other_root = make_distributor()
    other_child = make_distributor(parent=other_root)

    actions.move_subtree(chain[10], other_child, actor=staff)

    moved = Distributor.objects.in_bulk([d.pk for d in chain])
    for index in range(10, 50):
        expected = [d.pk for d in reversed(chain[10:index])] + [other_child.pk, other_root.pk]
        assert [d.pk for d in fetch.ancestors(moved[chain[index].pk])] == expected
        assert moved[chain[index].pk].depth == index - 10 + 2
    assert Distributor.objects.get(pk=chain[9].pk).team_size == 0
    assert Distributor.objects.get(pk=chain[0].pk).team_size == 9
    assert Distributor.objects.get(pk=other_root.pk).team_size == 41
    assert_tree_consistent(other_root.installation)


def test_moving_under_another_installation_is_refused(
    sample_tree, make_distributor, other_installation, staff, installation
):
    foreign = make_distributor(installation=other_installation)

    with refused(installation, "new_parent", NetworkErrorCode.OTHER_INSTALLATION):
        actions.move_subtree(sample_tree["A"], foreign, actor=staff)


def test_ancestors_load_the_chain_fields_and_the_rest_on_demand(
    sample_tree, django_assert_num_queries
):
    a11 = Distributor.objects.get(pk=sample_tree["A11"].pk)

    with django_assert_num_queries(1):
        parent = fetch.ancestors(a11)[0]
        assert (parent.code, parent.status, parent.grade_id, parent.depth) == ("AAA1", "active",
                                                                              None, 2)
    with django_assert_num_queries(1):
        assert parent.joined_at == sample_tree["A1"].joined_at
    with django_assert_num_queries(1):
        whole = fetch.ancestors(a11, fields=None)
        assert [d.team_size for d in whole] == [1, 3, 6]


def test_inserts_and_moves_beyond_the_longest_path_are_refused(make_chain, staff, installation):
    # A real 2048-character path takes hundreds of levels; a path padded with the node's own
    # id stands in for one here.
    top, _ = make_chain(2)
    other = actions.add_distributor(installation, saleor_user_id="o", email="o@example.com")
    segment = f"{other.pk}/"
    padded = "/" + segment * (2047 // len(segment))  # within a segment of 2048 characters
    Distributor.objects.filter(pk=other.pk).update(path=padded)

    with refused(installation, "parent", NetworkErrorCode.TOO_DEEP):
        actions.add_distributor(installation, saleor_user_id="x", email="x@example.com",
                                parent=other)
    with refused(installation, "new_parent", NetworkErrorCode.TOO_DEEP):
        actions.move_subtree(top, other, actor=staff)
