"""State changes of the network: distributors joining, and their place in the tree."""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from saleor_distribution.installations.models import Installation
from saleor_distribution.network.fetch import normalise_code
from saleor_distribution.network.models import Distributor, DistributorStatus, Grade

# Crockford-style alphabet: no 0/O, 1/I/L, U, so a code read aloud or off a poster is unambiguous.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 7
MAX_CODE_ATTEMPTS = 10


def generate_code(length: int = CODE_LENGTH) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def add_distributor(
    installation: Installation,
    *,
    saleor_user_id: str,
    email: str,
    parent: Distributor | None = None,
    code: str | None = None,
    status: str = DistributorStatus.ACTIVE,
    grade: Grade | None = None,
    display_name: str = "",
) -> Distributor:
    """Insert a distributor under `parent` (or as a root), with a unique referral code."""
    assert parent is None or parent.installation_id == installation.pk
    now = timezone.now()
    for _ in range(MAX_CODE_ATTEMPTS):
        candidate = normalise_code(code) if code else generate_code()
        try:
            with transaction.atomic():
                distributor = Distributor.objects.create(
                    installation=installation,
                    saleor_user_id=saleor_user_id,
                    email=email,
                    display_name=display_name,
                    code=candidate,
                    status=status,
                    grade=grade,
                    parent=parent,
                    depth=(parent.depth + 1) if parent else 0,
                    joined_at=now,
                    approved_at=now if status == DistributorStatus.ACTIVE else None,
                )
                distributor.path = f"{parent.path if parent else '/'}{distributor.pk}/"
                Distributor.objects.filter(pk=distributor.pk).update(path=distributor.path)
                return distributor
        except IntegrityError:
            if code or Distributor.objects.filter(
                installation=installation, saleor_user_id=saleor_user_id
            ).exists():
                raise
    raise RuntimeError("could not find a free referral code")
