"""HTTP adapters for Saleor's side of the contract: manifest, registration, webhooks.

Views only do I/O: they read the request, call the protocol and domain functions, and
turn the result into the answer Saleor expects.
"""

from __future__ import annotations

import json
import logging

from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from saleor_distribution.core.secrets import Secret
from saleor_distribution.installations.actions import register_installation
from saleor_distribution.installations.error_codes import InstallationErrorCode
from saleor_distribution.saleor.manifest import build_manifest
from saleor_distribution.saleor.webhook_verification import (
    DeliveryRejected,
    check_size,
    verify_delivery,
)
from saleor_distribution.webhooks.actions import store_delivery

logger = logging.getLogger(__name__)

REGISTRATION_STATUS = {
    InstallationErrorCode.INVALID_REQUEST.value: 400,
    InstallationErrorCode.NOT_ALLOWED.value: 403,
    InstallationErrorCode.INVALID_TOKEN.value: 403,
    InstallationErrorCode.WRONG_APP.value: 403,
    InstallationErrorCode.SALEOR_UNREACHABLE.value: 502,
}


def _error(status: int, code: str, message: str) -> JsonResponse:
    # Saleor shows `error.message` to the staff member installing the app.
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


@require_GET
def manifest_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse(build_manifest(), json_dumps_params={"ensure_ascii": False})


@csrf_exempt
@require_POST
def register_view(request: HttpRequest) -> JsonResponse:
    saleor_api_url = request.headers.get("Saleor-Api-Url", "")
    try:
        data = json.loads(request.body)
    except ValueError:
        return _error(400, InstallationErrorCode.INVALID_REQUEST.value, "The body is not JSON")
    token = data.get("auth_token") if isinstance(data, dict) else None
    if not isinstance(token, str) or not token or not saleor_api_url:
        return _error(
            400,
            InstallationErrorCode.INVALID_REQUEST.value,
            "auth_token and the Saleor-Api-Url header are required",
        )
    try:
        register_installation(
            saleor_api_url=saleor_api_url,
            auth_token=Secret(token),
            saleor_domain=request.headers.get("Saleor-Domain", ""),
        )
    except ValidationError as exc:
        errors = next(iter(exc.error_dict.values()))
        error = errors[0]
        code = error.code or InstallationErrorCode.INVALID_REQUEST.value
        return _error(REGISTRATION_STATUS.get(code, 400), code, " ".join(error.messages))
    return JsonResponse({"success": True})


@csrf_exempt
@require_POST
def webhook_view(request: HttpRequest, event_slug: str) -> JsonResponse:
    try:
        check_size(request.headers.get("Content-Length"))
        body = request.body
        verified = verify_delivery(
            event_slug=event_slug,
            saleor_event=request.headers.get("Saleor-Event"),
            saleor_api_url=request.headers.get("Saleor-Api-Url"),
            signature=request.headers.get("Saleor-Signature"),
            body=body,
        )
    except DeliveryRejected as rejection:
        return _error(rejection.status, rejection.code, rejection.message)
    stored = store_delivery(
        installation=verified.installation,
        event=verified.event,
        body=body,
        headers=dict(request.headers),
        saleor_object_id=verified.envelope.object_id,
        issued_at=verified.envelope.issued_at,
    )
    return JsonResponse(
        {"status": "accepted" if stored.created else "duplicate", "delivery": stored.delivery_id}
    )
