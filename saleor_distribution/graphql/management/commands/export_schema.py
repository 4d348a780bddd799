"""Write the API's federation SDL to graphql/schema.graphql (checked by a test)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


def schema_sdl() -> str:
    from saleor_distribution.graphql.api import schema

    return str(schema).rstrip() + "\n"


def schema_path() -> Path:
    return Path(settings.GRAPHQL_DOCUMENTS_DIR) / "schema.graphql"


class Command(BaseCommand):
    help = "Export the GraphQL schema (federation subgraph SDL) to graphql/schema.graphql."

    def handle(self, *args: Any, **options: Any) -> None:
        path = schema_path()
        path.write_text(schema_sdl(), encoding="utf-8")
        self.stdout.write(f"Wrote {path}")
