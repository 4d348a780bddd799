"""Installing, refreshing and removing installations."""

from __future__ import annotations

import fnmatch
import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from saleor_distribution.core.secrets import Secret
from saleor_distribution.installations import cache as recent
from saleor_distribution.installations.error_codes import InstallationErrorCode
from saleor_distribution.installations.models import Installation, InstallationStatus
from saleor_distribution.saleor.client import SaleorClient, SaleorError
from saleor_distribution.saleor.registration import (
    TokenNotConfirmed,
    app_identity,
    confirm_app_token,
)

logger = logging.getLogger(__name__)


def is_saleor_allowed(saleor_api_url: str) -> bool:
    patterns = settings.SALEOR_API_URL_ALLOWLIST
    return not patterns or any(fnmatch.fnmatchcase(saleor_api_url, p) for p in patterns)


def register_installation(
    *, saleor_api_url: str, auth_token: Secret, saleor_domain: str = ""
) -> Installation:
    """Store an installation once the named Saleor confirms the token is this app's.

    Nothing is stored unless Saleor confirms. Reinstalling into the same Saleor reactivates
    the existing row with the new token and app id.
    """
    if not saleor_api_url.startswith(("http://", "https://")):
        raise ValidationError(
            {
                "saleor_api_url": ValidationError(
                    "Saleor-Api-Url must be an absolute http(s) URL",
                    code=InstallationErrorCode.INVALID_REQUEST.value,
                )
            }
        )
    if not is_saleor_allowed(saleor_api_url):
        logger.warning(
            "Registration refused: Saleor not allowed", extra={"saleor_api_url": saleor_api_url}
        )
        raise ValidationError(
            {
                "saleor_api_url": ValidationError(
                    "This Saleor is not allowed to install the app",
                    code=InstallationErrorCode.NOT_ALLOWED.value,
                )
            }
        )
    try:
        confirmed = confirm_app_token(saleor_api_url, auth_token, settings.APP_IDENTIFIER)
    except TokenNotConfirmed as exc:
        logger.warning(
            "Registration refused: token not confirmed", extra={"saleor_api_url": saleor_api_url}
        )
        raise ValidationError(
            {
                "auth_token": ValidationError(
                    str(exc), code=InstallationErrorCode.INVALID_TOKEN.value
                )
            }
        ) from exc
    except SaleorError as exc:
        logger.warning(
            "Registration failed: Saleor unreachable", extra={"saleor_api_url": saleor_api_url}
        )
        raise ValidationError(
            {
                "saleor_api_url": ValidationError(
                    "Could not confirm the token with Saleor; try installing again",
                    code=InstallationErrorCode.SALEOR_UNREACHABLE.value,
                )
            }
        ) from exc

    now = timezone.now()
    with transaction.atomic():
        installation, created = Installation.objects.select_for_update().get_or_create(
            saleor_api_url=saleor_api_url,
            defaults={
                "saleor_domain": saleor_domain,
                "app_id": confirmed.app_id,
                "auth_token": auth_token,
                "jwks": confirmed.jwks,
                "jwks_fetched_at": now,
                "installed_at": now,
            },
        )
        if not created:
            installation.saleor_domain = saleor_domain or installation.saleor_domain
            installation.app_id = confirmed.app_id
            installation.auth_token = auth_token
            installation.jwks = confirmed.jwks
            installation.jwks_fetched_at = now
            installation.status = InstallationStatus.ACTIVE
            installation.installed_at = now
            installation.removed_at = None
            installation.removal_reason = ""
            installation.save()
    recent.forget_all()
    logger.info(
        "Installation registered",
        extra={
            "installation_id": installation.pk,
            "saleor_api_url": saleor_api_url,
            "reinstalled": not created,
        },
    )
    return installation


def mark_installation_removed(
    installation_id: int, *, reason: str, app_id: str | None = None
) -> bool:
    """Mark an installation removed (APP_DELETED, or Saleor no longer knows our token).

    With `app_id`, only that app's installation is removed, so a late APP_DELETED from a
    previous install cannot remove a reinstalled app. Returns whether anything changed.
    """
    rows = Installation.objects.filter(pk=installation_id, status=InstallationStatus.ACTIVE)
    if app_id is not None:
        rows = rows.filter(app_id=app_id)
    changed = rows.update(
        status=InstallationStatus.REMOVED, removed_at=timezone.now(), removal_reason=reason[:255]
    )
    if changed:
        recent.forget_all()
        logger.info(
            "Installation removed", extra={"installation_id": installation_id, "reason": reason}
        )
    return bool(changed)


def refetch_jwks(installation: Installation) -> dict[str, Any] | None:
    """Fetch the installation's JWKS again, at most once per JWKS_REFETCH_MIN_INTERVAL_SECONDS.

    The slot is claimed with a conditional UPDATE, so many processes seeing an unknown `kid`
    at once make one request. Returns the new JWKS, or None if rate-limited or unreachable.
    """
    now = timezone.now()
    threshold = now - timedelta(seconds=settings.JWKS_REFETCH_MIN_INTERVAL_SECONDS)
    claimed = Installation.objects.filter(
        Q(jwks_fetched_at__isnull=True) | Q(jwks_fetched_at__lt=threshold), pk=installation.pk
    ).update(jwks_fetched_at=now)
    if not claimed:
        return None
    try:
        jwks = SaleorClient(installation.saleor_api_url).fetch_jwks()
    except SaleorError:
        logger.warning("JWKS refetch failed", extra={"installation_id": installation.pk})
        return None
    Installation.objects.filter(pk=installation.pk).update(jwks=jwks)
    recent.forget_all()
    installation.jwks = jwks
    installation.jwks_fetched_at = now
    logger.info("JWKS refetched", extra={"installation_id": installation.pk})
    return jwks


def check_installation_token(installation: Installation) -> bool:
    """Ask Saleor whether our token still works; mark the installation removed if not.

    Covers Saleors older than 3.23.5, which never deliver APP_DELETED to the app.
    Returns whether the installation is still active. If Saleor cannot be asked, the
    `SaleorError` propagates and nothing changes.
    """
    identity = app_identity(SaleorClient(installation.saleor_api_url, installation.auth_token))
    if identity is None or identity[0] != installation.app_id:
        mark_installation_removed(
            installation.pk, reason="Saleor no longer recognises the app token"
        )
        return False
    return True
