"""`saleor-distribution check`: is this deployment configured to work?"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from kombu.exceptions import OperationalError as KombuOperationalError

from saleor_distribution.core.secrets import SecretDecryptionError, decrypt, encrypt
from saleor_distribution.saleor import documents
from saleor_distribution.saleor.manifest import build_manifest


class Command(BaseCommand):
    help = "Check configuration: settings, database, migrations, broker, encryption, documents."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("check")
        problems: list[str] = []
        parts = urlsplit(settings.APP_URL)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problems.append(f"APP_URL is not an absolute http(s) URL: {settings.APP_URL!r}")
        elif parts.hostname in ("localhost", "127.0.0.1"):
            self.stdout.write(
                "note: APP_URL is a loopback address; a remote Saleor cannot reach it "
                "(use a public URL or a tunnel)."
            )
        try:
            if decrypt(encrypt("check")) != "check":
                problems.append("SECRETS_ENCRYPTION_KEYS do not round-trip")
        except (ValueError, TypeError, SecretDecryptionError) as exc:
            problems.append(f"SECRETS_ENCRYPTION_KEYS are not valid Fernet keys: {exc}")
        try:
            connection.ensure_connection()
            executor = MigrationExecutor(connection)
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
            if pending:
                problems.append(
                    f"{len(pending)} migrations not applied: run `saleor-distribution migrate`"
                )
        except DatabaseError as exc:
            problems.append(f"database unreachable: {exc}")
        if settings.CELERY_BROKER_URL:
            from saleor_distribution.celery import app

            try:
                with app.connection_for_write() as conn:
                    conn.ensure_connection(max_retries=1)
            except (OSError, KombuOperationalError) as exc:
                problems.append(f"Celery broker unreachable: {exc}")
        else:
            self.stdout.write("note: no CELERY_BROKER_URL; tasks run in-process.")
        try:
            build_manifest()
            for path in documents.all_document_paths():
                documents.load(path)
        except OSError as exc:
            problems.append(f"GraphQL documents missing: {exc}")
        if problems:
            raise CommandError("\n".join(problems))
        self.stdout.write(self.style.SUCCESS("Configuration OK."))
