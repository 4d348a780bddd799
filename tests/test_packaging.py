"""The built package works outside the source checkout: a wheel carries the GraphQL
documents the app sends to Saleor (they live in the top-level `graphql/`)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from saleor_distribution.saleor import documents, manifest

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[1]
# Top-level folders a wheel is not built from.
NOT_PACKAGED = (
    ".git",
    ".venv",
    "node_modules",
    "dashboard-extension",
    "tests",
    "bench",
    "docs",
    "data",
    "build",
)

# Run from the unpacked wheel, away from the checkout: the manifest's subscriptions and
# every document, as the installed app reads them.
INSTALLED_APP = """
import json, django
django.setup()
import saleor_distribution
from django.conf import settings
from saleor_distribution.saleor import documents, manifest
print(json.dumps({
    "package": saleor_distribution.__file__,
    "documents_dir": str(settings.GRAPHQL_DOCUMENTS_DIR),
    "documents": {path: documents.load(path) for path in documents.all_document_paths()},
    "manifest": manifest.build_manifest("https://distribution.example.com"),
}))
"""


def test_an_installed_wheel_sends_the_same_documents_as_the_checkout(tmp_path: Path) -> None:
    # Built from a copy: an in-tree build leaves a build/ folder in the checkout.
    source = tmp_path / "source"
    shutil.copytree(
        REPO_ROOT,
        source,
        ignore=shutil.ignore_patterns(*NOT_PACKAGED, "__pycache__", "*.egg-info"),
    )
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), "."],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("saleor_distribution-*.whl")
    installed = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(installed)

    environment = {
        **os.environ,
        # The unpacked wheel first: it shadows the editable install of the checkout.
        "PYTHONPATH": str(installed),
        "DJANGO_SETTINGS_MODULE": "saleor_distribution.settings",
        "ENV_FILE": "/dev/null",
        "SECRET_KEY": "packaging-test",
        "SECRETS_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DATA_DIR": str(tmp_path / "data"),
    }
    environment.pop("GRAPHQL_DOCUMENTS_DIR", None)
    ran = subprocess.run(
        [sys.executable, "-c", INSTALLED_APP],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
    seen = json.loads(ran.stdout)

    assert seen["package"].startswith(str(installed))
    assert seen["documents_dir"] == str(installed / "saleor_distribution" / "graphql_documents")
    paths = documents.all_document_paths()
    assert paths, "the checkout has documents"
    assert seen["documents"] == {path: documents.load(path) for path in paths}
    expected = manifest.build_manifest("https://distribution.example.com")
    assert seen["manifest"]["webhooks"] == expected["webhooks"]
