"""The dashboard extension's files, under /dashboard/.

Hashed assets (`/dashboard/assets/...`) are cached for a year; every other path is the
single-page app's `index.html` (never cached), which routes on the client: the app page
(`/dashboard/overview`, `/dashboard/distributors/...`) and the widgets
(`/dashboard/widgets/order`, `/dashboard/widgets/customer`).
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_safe

ASSET_MAX_AGE_SECONDS = 365 * 24 * 3600


def build_dir() -> Path:
    return Path(settings.DASHBOARD_BUILD_DIR).resolve()


def _file_in_build(root: Path, path: str) -> Path | None:
    candidate = (root / path).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate


@require_safe
def dashboard_view(request: HttpRequest, path: str = "") -> HttpResponseBase:
    root = build_dir()
    index = root / "index.html"
    if not index.is_file():
        return HttpResponse(
            "The dashboard extension is not built. Run ./scripts/run, or "
            "`npm ci && npm run build` in dashboard-extension/.",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    if path and "." in path.rsplit("/", 1)[-1]:
        # A file (script, stylesheet, font): serve it or 404, never the app in its place.
        found = _file_in_build(root, path)
        if found is None:
            raise Http404("no such file in the dashboard build")
        content_type = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        file_response = FileResponse(found.open("rb"), content_type=content_type)
        if path.startswith("assets/"):
            file_response["Cache-Control"] = f"public, max-age={ASSET_MAX_AGE_SECONDS}, immutable"
        return file_response
    page = HttpResponse(index.read_bytes(), content_type="text/html; charset=utf-8")
    page["Cache-Control"] = "no-cache"
    return page
