from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape
from django.views.decorators.http import require_GET

from saleor_distribution import __version__
from saleor_distribution.saleor.manifest import manifest_url


@require_GET
def home_view(request: HttpRequest) -> HttpResponse:
    url = escape(manifest_url())
    return HttpResponse(
        "<!doctype html><meta charset=utf-8><title>saleor-distribution</title>"
        f"<h1>saleor-distribution {escape(__version__)}</h1>"
        "<p>Install this app in Saleor (Dashboard → Apps → Install external app) with the "
        f"manifest URL <code>{url}</code>.</p>"
    )


@require_GET
def health_view(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "version": __version__})
