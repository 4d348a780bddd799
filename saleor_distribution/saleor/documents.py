"""GraphQL documents this app sends to Saleor, kept as files in the top-level `graphql/`.

A document names the fragments it spreads (`...OrderSnapshot`); each fragment lives in
`graphql/fragments/<Name>.graphql`. `load()` returns the document with every fragment it
needs, transitively, appended, which is the form Saleor expects for a manifest subscription
and for a query. CI validates every loaded document against Saleor's schema.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.conf import settings
from graphql.language import Visitor

from graphql import FragmentSpreadNode, parse, visit

MAX_FRAGMENT_DEPTH = 32


def documents_dir() -> Path:
    return Path(settings.GRAPHQL_DOCUMENTS_DIR)


class _SpreadCollector(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_args: object) -> None:
        self.names.add(node.name.value)


def _spreads(text: str) -> set[str]:
    collector = _SpreadCollector()
    visit(parse(text), collector)
    return collector.names


@lru_cache(maxsize=128)
def load(relative_path: str) -> str:
    """The document at `graphql/<relative_path>`, with its fragments appended."""
    root = documents_dir()
    text = (root / relative_path).read_text(encoding="utf-8").strip()
    included: dict[str, str] = {}
    pending = _spreads(text)
    for _ in range(MAX_FRAGMENT_DEPTH):
        pending -= included.keys()
        if not pending:
            break
        for name in sorted(pending):
            fragment = (root / "fragments" / f"{name}.graphql").read_text(encoding="utf-8").strip()
            included[name] = fragment
        pending = set().union(*(_spreads(f) for f in included.values()))
    else:
        raise ValueError(f"fragments nest deeper than {MAX_FRAGMENT_DEPTH} in {relative_path}")
    return "\n\n".join([text, *(included[name] for name in sorted(included))]) + "\n"


def all_document_paths() -> list[str]:
    """Every document the app sends (subscriptions, queries, mutations), relative paths."""
    root = documents_dir()
    return sorted(
        str(path.relative_to(root))
        for folder in ("subscriptions", "queries", "mutations")
        for path in (root / folder).glob("*.graphql")
    )
