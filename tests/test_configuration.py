"""Settings come from the environment only, and every variable is documented."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from saleor_distribution import settings as settings_module

ROOT = Path(__file__).resolve().parents[1]


def _read_variables() -> set[str]:
    source = Path(settings_module.__file__).read_text()
    names = set(re.findall(r'env\.\w+\(\s*"([A-Z_]+)"', source))
    names |= set(re.findall(r'_required_secret\("([A-Z_]+)"\)', source))
    names |= set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', source))
    cli = (ROOT / "saleor_distribution" / "cli.py").read_text()
    names |= set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', cli))
    return names - {"DJANGO_SETTINGS_MODULE"}


def test_env_example_lists_every_variable():
    documented = set(re.findall(r"^(?:# )?([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    read = _read_variables()

    assert "DATABASE_URL" in read and "CELERY_BROKER_URL" in read
    assert read - documented == set()


@pytest.mark.parametrize("missing", ["SECRET_KEY", "SECRETS_ENCRYPTION_KEYS"])
def test_a_missing_secret_fails_at_startup(missing, tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "ENV_FILE": "/dev/null",
        "DATA_DIR": str(tmp_path),
        "SECRET_KEY": "x",
        "SECRETS_ENCRYPTION_KEYS": "VGVzdHMgb25seTogbm90IGEgcmVhbCBrZXkgISEhISE=",
    }
    del env[missing]

    result = subprocess.run(
        [sys.executable, "-m", "saleor_distribution.cli", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )

    assert result.returncode != 0
    assert f"{missing} is not set" in result.stderr


def test_init_env_writes_private_secrets_once(tmp_path):
    target = tmp_path / ".env"
    command = [sys.executable, "-m", "saleor_distribution.cli", "init-env", "--path", str(target)]

    subprocess.run(command, check=True, capture_output=True, timeout=60)
    first = target.read_text()
    subprocess.run(command, check=True, capture_output=True, timeout=60)

    assert target.read_text() == first  # never overwritten
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    values = dict(
        line.split("=", 1)
        for line in first.splitlines()
        if "=" in line and not line.startswith("#")
    )
    assert len(values["SECRET_KEY"]) >= 50
    assert len(values["SECRETS_ENCRYPTION_KEYS"]) == 44
