"""Bounded query counts for list pages: a connection prefetches what its nodes will read,
once per page, whoever built the page (`paginate` does not know the node type)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import prefetch_related_objects
from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode


def selects(info: Any, path: Iterable[str]) -> bool:
    """Does the query select `path` (e.g. ("node", "events")) under the current field?"""
    wanted = list(path)
    nodes: list[Any] = list(info.field_nodes)
    for name in wanted:
        found: list[Any] = []
        for node in nodes:
            found.extend(_fields(info, node.selection_set, name, hops=0))
        if not found:
            return False
        nodes = found
    return True


def _fields(info: Any, selection_set: Any, name: str, hops: int) -> list[FieldNode]:
    if selection_set is None or hops > 20:
        return []
    result: list[FieldNode] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value == name:
                result.append(selection)
        elif isinstance(selection, InlineFragmentNode):
            result.extend(_fields(info, selection.selection_set, name, hops + 1))
        elif isinstance(selection, FragmentSpreadNode):
            fragment = info.fragments.get(selection.name.value)
            if fragment is not None:
                result.extend(_fields(info, fragment.selection_set, name, hops + 1))
    return result


def prefetch_edges(root: Any, lookups: Iterable[str]) -> Any:
    """Prefetch `lookups` on the nodes of a connection's edges (one query per lookup)."""
    nodes = [edge.node for edge in root.edges]
    lookups = list(lookups)
    if nodes and lookups:
        prefetch_related_objects(nodes, *lookups)
    return root.edges
