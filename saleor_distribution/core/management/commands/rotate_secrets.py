"""Re-encrypt every secret at rest with the newest key of SECRETS_ENCRYPTION_KEYS.

Rotation: prepend a new key to SECRETS_ENCRYPTION_KEYS (keep the old ones after it), deploy,
run this command, then drop the old keys.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from saleor_distribution.core.secrets import EncryptedTextField


class Command(BaseCommand):
    help = "Re-encrypt stored secrets with the newest encryption key."

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        for model in apps.get_models():
            fields = [f for f in model._meta.get_fields() if isinstance(f, EncryptedTextField)]
            for field in fields:
                column = field.attname
                with transaction.atomic():
                    # Reading decrypts with any configured key; writing encrypts with the first.
                    rows = model._base_manager.select_for_update().exclude(**{column: None})
                    for pk, secret in rows.values_list("pk", column).iterator():
                        model._base_manager.filter(pk=pk).update(**{column: secret})
                        total += 1
        self.stdout.write(f"Re-encrypted {total} secrets with the newest key.")
