"""Concurrent inserts and moves on PostgreSQL, in real parallel transactions: no deadlock, no
lost counter update, and the tree stays consistent with its parent pointers."""

import random
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from saleor_distribution.core.audit import Actor
from saleor_distribution.network import actions
from saleor_distribution.network.error_codes import NetworkErrorCode
from saleor_distribution.network.models import Distributor
from tests.fixtures.network import assert_tree_consistent, make_installation

STAFF = Actor.staff("VXNlcjoy")
THREADS = 6
OPS_PER_THREAD = 15


@pytest.mark.django_db(transaction=True)
def test_parallel_inserts_and_moves_keep_the_tree_consistent():
    installation = make_installation("parallel")
    nodes = []
    for i in range(30):
        parent = nodes[random.Random(i).randrange(len(nodes))] if nodes else None
        nodes.append(actions.add_distributor(installation, saleor_user_id=f"seed{i}",
                                             email=f"seed{i}@example.com", parent=parent))
    ids = [n.pk for n in nodes]
    barrier = threading.Barrier(THREADS)
    failures: list[BaseException] = []
    refusals: list[str] = []
    inserted: list[int] = []

    def work(worker: int) -> None:
        rng = random.Random(1000 + worker)
        try:
            barrier.wait()
            for op in range(OPS_PER_THREAD):
                if rng.random() < 0.5:
                    parent = Distributor(pk=rng.choice(ids), installation=installation)
                    created = actions.add_distributor(
                        installation, saleor_user_id=f"w{worker}-{op}",
                        email=f"w{worker}.{op}@example.com", parent=parent,
                    )
                    inserted.append(created.pk)
                else:
                    node = Distributor.objects.get(pk=rng.choice(ids))
                    target = Distributor.objects.get(pk=rng.choice(ids))
                    try:
                        actions.move_subtree(node, target, actor=STAFF)
                    except ValidationError as exc:
                        refusals.append(actions.error_code(exc))
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(w,)) for w in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert set(refusals) <= {NetworkErrorCode.CYCLE.value}
    assert Distributor.objects.filter(installation=installation).count() == 30 + len(inserted)
    expected = assert_tree_consistent(installation)
    roots = [pk for pk, info in expected.items() if info["depth"] == 0]
    assert sum(expected[r]["team_size"] + 1 for r in roots) == 30 + len(inserted)
