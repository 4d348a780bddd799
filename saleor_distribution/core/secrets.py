"""Secrets at rest: Fernet encryption (via `cryptography`'s MultiFernet) and a value type
that never shows itself in logs, reprs or tracebacks.

No maintained Django package covers encrypted fields with key rotation on Django 5.2
(django-fernet-fields is unmaintained), so the field below is written here; the crypto is
entirely `cryptography`'s.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

MASK = "••••"


class Secret:
    """A secret string. `str()`/`repr()` are masked; call `reveal()` where it must be sent."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def masked(self, visible: int = 4) -> str:
        """The last `visible` characters, the rest masked, for display to staff."""
        if len(self._value) <= visible * 2:
            return MASK
        return MASK + self._value[-visible:]

    def __repr__(self) -> str:
        return f"Secret({MASK})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


@lru_cache(maxsize=4)
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def get_fernet() -> MultiFernet:
    # Keyed on the configured keys, so changed settings (tests, rotation) take effect at once.
    return _multi_fernet(tuple(settings.SECRETS_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return get_fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return get_fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretDecryptionError(
            "A stored secret cannot be decrypted with SECRETS_ENCRYPTION_KEYS; "
            "was a key removed before `rotate-secrets` ran?"
        ) from exc


class SecretDecryptionError(RuntimeError):
    pass


class EncryptedTextField(models.TextField):
    """Stores a `Secret` Fernet-encrypted; the database never holds the plain text.

    Ciphertexts are randomised, so the column cannot be filtered on.
    """

    description = "Text encrypted at rest with the configured Fernet keys"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Secret | None:
        if value is None:
            return None
        return Secret(decrypt(value))

    def to_python(self, value: Any) -> Secret | None:
        if value is None or isinstance(value, Secret):
            return value
        return Secret(str(value))

    def get_prep_value(self, value: Any) -> str | None:
        if value is None:
            return None
        plaintext = value.reveal() if isinstance(value, Secret) else str(value)
        return encrypt(plaintext)

    def value_to_string(self, obj: Any) -> str:
        # Serialisation (dumpdata) never writes the plain text.
        return MASK
