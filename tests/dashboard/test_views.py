"""The Django service hands out the built extension under /dashboard/ (no Node at run time)."""

from __future__ import annotations

from pathlib import Path

import pytest

INDEX = (
    b'<!doctype html><div id="root"></div>'
    b'<script src="/dashboard/assets/index-abc123.js"></script>'
)
SCRIPT = b"console.log('distribution');"


@pytest.fixture
def build(tmp_path: Path, settings):  # type: ignore[no-untyped-def]
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_bytes(INDEX)
    (tmp_path / "assets" / "index-abc123.js").write_bytes(SCRIPT)
    (tmp_path.parent / "secret.txt").write_text("outside the build")
    settings.DASHBOARD_BUILD_DIR = tmp_path
    return tmp_path


@pytest.mark.parametrize(
    "url",
    [
        "/dashboard/",
        "/dashboard/overview",
        "/dashboard/distributors/RGlzdHJpYnV0b3I6MQ==",
        "/dashboard/withdrawals?saleorApiUrl=https%3A%2F%2Fshop%2Fgraphql%2F&id=QXBwOjE%3D",
        "/dashboard/widgets/order?orderId=T3JkZXI6MQ%3D%3D",
        "/dashboard/widgets/customer?customerId=VXNlcjo0OA%3D%3D",
    ],
)
def test_app_routes_answer_the_single_page_app(client, build, url):
    response = client.get(url)

    assert response.status_code == 200
    assert response.content == INDEX
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Cache-Control"] == "no-cache"
    # The dashboard embeds these pages in an iframe from another origin.
    assert "X-Frame-Options" not in response


def test_hashed_assets_are_served_with_a_long_cache(client, build):
    response = client.get("/dashboard/assets/index-abc123.js")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == SCRIPT
    assert response["Content-Type"] == "text/javascript"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"


def test_a_missing_file_is_a_404_not_the_app(client, build):
    response = client.get("/dashboard/assets/missing-0000.js")

    assert response.status_code == 404


def test_paths_outside_the_build_are_not_served(client, build):
    response = client.get("/dashboard/../secret.txt")
    encoded = client.get("/dashboard/%2E%2E/secret.txt")

    assert response.status_code == 404
    assert b"outside the build" not in response.content
    assert encoded.status_code == 404


def test_only_reads_are_allowed(client, build):
    response = client.post("/dashboard/overview")

    assert response.status_code == 405


def test_an_unbuilt_extension_says_how_to_build_it(client, settings, tmp_path):
    settings.DASHBOARD_BUILD_DIR = tmp_path / "nothing"

    response = client.get("/dashboard/overview")

    assert response.status_code == 503
    assert b"npm run build" in response.content
