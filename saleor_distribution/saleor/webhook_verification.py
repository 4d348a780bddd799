"""Deciding whether a webhook delivery is genuine, before anything is stored.

Order of checks: size, event, installation, signature (over the raw bytes), payload,
recipient, age. Each refusal carries the HTTP status Saleor will see: 4xx, so Saleor does not
retry a delivery that can never succeed. Refusals are logged without the body or signature.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from saleor_distribution.installations import cache as recent
from saleor_distribution.installations.actions import refetch_jwks
from saleor_distribution.installations.models import Installation, InstallationStatus
from saleor_distribution.saleor import jws, payloads
from saleor_distribution.saleor.events import event_from_slug

logger = logging.getLogger(__name__)


class DeliveryRejected(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class VerifiedDelivery:
    installation: Installation
    event: str
    envelope: payloads.Envelope


def check_size(content_length: str | None) -> None:
    try:
        declared = int(content_length or 0)
    except ValueError as exc:
        raise DeliveryRejected(400, "invalid_request", "Content-Length is not a number") from exc
    if declared > settings.WEBHOOK_MAX_BODY_BYTES:
        raise DeliveryRejected(413, "too_large", "The delivery is larger than the app accepts")


def verify_delivery(
    *,
    event_slug: str,
    saleor_event: str | None,
    saleor_api_url: str | None,
    signature: str | None,
    body: bytes,
) -> VerifiedDelivery:
    try:
        return _verify(event_slug, saleor_event, saleor_api_url, signature, body)
    except DeliveryRejected as rejection:
        logger.warning(
            "Webhook delivery refused",
            extra={
                "code": rejection.code,
                "status": rejection.status,
                "event": event_slug,
                "saleor_api_url": saleor_api_url,
            },
        )
        raise


def _verify(
    event_slug: str,
    saleor_event: str | None,
    saleor_api_url: str | None,
    signature: str | None,
    body: bytes,
) -> VerifiedDelivery:
    if len(body) > settings.WEBHOOK_MAX_BODY_BYTES:
        raise DeliveryRejected(413, "too_large", "The delivery is larger than the app accepts")
    event = event_from_slug(event_slug)
    if event is None:
        raise DeliveryRejected(400, "unknown_event", "Saleor has no such event")
    if saleor_event is not None and saleor_event.lower() != event_slug.lower():
        raise DeliveryRejected(400, "event_mismatch", "Saleor-Event does not match the endpoint")
    if not saleor_api_url:
        raise DeliveryRejected(400, "invalid_request", "Saleor-Api-Url is missing")
    installation = recent.get(saleor_api_url)
    if installation is not None:
        try:
            return _verify_for(installation, event, event_slug, signature, body)
        except DeliveryRejected:
            # The kept copy may be stale (a rotated key, a reinstall): decide on a fresh read.
            recent.forget_all()
    try:
        # Verification never needs the app token: leave it encrypted in the row.
        installation = Installation.objects.defer("auth_token").get(saleor_api_url=saleor_api_url)
    except Installation.DoesNotExist as exc:
        raise DeliveryRejected(
            401, "unknown_installation", "This Saleor has not installed the app"
        ) from exc
    verified = _verify_for(installation, event, event_slug, signature, body)
    recent.remember(installation)
    return verified


def _verify_for(
    installation: Installation, event: str, event_slug: str, signature: str | None, body: bytes
) -> VerifiedDelivery:
    if installation.status != InstallationStatus.ACTIVE:
        raise DeliveryRejected(410, "installation_removed", "The app was removed from this Saleor")
    if not signature:
        raise DeliveryRejected(401, "invalid_signature", "Saleor-Signature is missing")
    _verify_signature(installation, body, signature)
    try:
        envelope = payloads.parse_envelope(body)
    except payloads.PayloadError as exc:
        raise DeliveryRejected(400, "invalid_payload", "The body is not a Saleor event") from exc
    if envelope.recipient is None or envelope.recipient.id != installation.app_id:
        raise DeliveryRejected(403, "wrong_recipient", "The delivery is addressed to another app")
    max_age = settings.WEBHOOK_MAX_AGE_SECONDS
    if max_age and envelope.issued_at is not None:
        if envelope.issued_at < timezone.now() - timedelta(seconds=max_age):
            raise DeliveryRejected(400, "stale_delivery", "The delivery was issued too long ago")
    return VerifiedDelivery(installation=installation, event=event, envelope=envelope)


def _verify_signature(installation: Installation, body: bytes, signature: str) -> None:
    try:
        jws.verify_detached(body, signature, installation.jwks)
        return
    except jws.UnknownKeyError:
        # Saleor rotated its key, or the signature is from elsewhere: refetch the JWKS once
        # (rate-limited per installation) and try again.
        pass
    except jws.SignatureError as exc:
        raise DeliveryRejected(401, "invalid_signature", "The signature does not verify") from exc
    jwks = refetch_jwks(installation)
    if jwks is None:
        raise DeliveryRejected(401, "unknown_key", "The signing key is not in Saleor's JWKS")
    try:
        jws.verify_detached(body, signature, jwks)
    except jws.UnknownKeyError as exc:
        raise DeliveryRejected(
            401, "unknown_key", "The signing key is not in Saleor's JWKS"
        ) from exc
    except jws.SignatureError as exc:
        raise DeliveryRejected(401, "invalid_signature", "The signature does not verify") from exc
