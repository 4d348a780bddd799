"""Property: any sequence of inserts and moves keeps paths, depths and counters consistent
with the parent pointers, and refuses exactly the moves that would close a cycle."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saleor_distribution.core.audit import Actor
from saleor_distribution.network import actions
from saleor_distribution.network.error_codes import NetworkErrorCode
from saleor_distribution.network.models import Distributor
from tests.fixtures.network import assert_tree_consistent, network_state

STAFF = Actor.staff("VXNlcjoy")

# A choice of node is an index taken modulo the number of nodes at that point; None means
# "no parent" (insert a root, or move to the top).
node_choice = st.integers(min_value=0, max_value=1_000)
parent_choice = st.none() | node_choice
insert = st.tuples(st.just("insert"), parent_choice)
move = st.tuples(st.just("move"), node_choice, parent_choice)
# A grown tree first (so moves carry real subtrees), then inserts and moves interleaved.
operations = st.tuples(
    st.lists(insert, min_size=3, max_size=25), st.lists(insert | move, min_size=1, max_size=30)
).map(lambda parts: parts[0] + parts[1])


def in_subtree(parents: dict[int, int | None], node: int, root: int) -> bool:
    cursor: int | None = node
    while cursor is not None:
        if cursor == root:
            return True
        cursor = parents[cursor]
    return False


@pytest.mark.django_db
@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=operations)
def test_random_inserts_and_moves_keep_the_tree_consistent(installation, ops):
    with transaction.atomic():
        parents: dict[int, int | None] = {}  # the model: parent pointers only
        order: list[int] = []
        for op in ops:
            if op[0] == "insert" or not order:
                choice = op[1] if op[0] == "insert" else None
                parent = order[choice % len(order)] if (order and choice is not None) else None
                created = actions.add_distributor(
                    installation,
                    saleor_user_id=f"user-{len(order)}",
                    email=f"user{len(order)}@example.com",
                    parent=Distributor(pk=parent, installation=installation) if parent else None,
                )
                parents[created.pk] = parent
                order.append(created.pk)
                continue
            _, node_index, parent_index = op
            node = order[node_index % len(order)]
            new_parent = order[parent_index % len(order)] if parent_index is not None else None
            node_obj = Distributor.objects.get(pk=node)
            parent_obj = Distributor.objects.get(pk=new_parent) if new_parent else None
            if new_parent is not None and in_subtree(parents, new_parent, node):
                before = network_state(installation)
                with pytest.raises(ValidationError) as caught:
                    actions.move_subtree(node_obj, parent_obj, actor=STAFF)
                [error] = caught.value.error_dict["new_parent"]
                assert error.code == NetworkErrorCode.CYCLE.value
                assert network_state(installation) == before
            else:
                actions.move_subtree(node_obj, parent_obj, actor=STAFF)
                parents[node] = new_parent

        stored = dict(
            Distributor.objects.filter(installation=installation).values_list("pk", "parent_id")
        )
        assert stored == parents
        assert_tree_consistent(installation)
        transaction.set_rollback(True)
