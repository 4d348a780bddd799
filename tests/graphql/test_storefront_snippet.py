"""The storefront guide's JavaScript (docs/storefront/referral.mjs) really works: its GraphQL
documents are valid against Saleor's schema and ours, and it reads a distributor from the
running app with a customer's token."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone
from graphql import build_schema, parse, validate

from saleor_distribution.core.secrets import Secret
from saleor_distribution.graphql.management.commands.export_schema import schema_sdl
from saleor_distribution.installations.models import Installation
from saleor_distribution.network.actions import add_distributor
from saleor_distribution.network.models import Grade
from tests.fakes.saleor import APP_ID, mint_token
from tests.fixtures.saleor_deliveries import saleor_sdl

SNIPPET = Path(__file__).resolve().parents[2] / "docs" / "storefront" / "referral.mjs"


def node(script: str) -> str:
    executable = shutil.which("node")
    if executable is None:
        pytest.fail("Node is needed for the storefront snippet tests")
    result = subprocess.run(
        [executable, "--input-type=module", "-e", script],
        capture_output=True, text=True, timeout=60, check=True,
    )
    return result.stdout


def snippet_documents() -> dict[str, str]:
    out = node(
        f"import * as m from {json.dumps(SNIPPET.as_uri())};"
        "console.log(JSON.stringify({saleor: m.UPDATE_CHECKOUT_METADATA, app: m.MY_DISTRIBUTOR}));"
    )
    return json.loads(out)


def test_the_checkout_mutation_is_valid_against_saleors_schema():
    schema = build_schema(saleor_sdl("schema.graphql"))

    errors = validate(schema, parse(snippet_documents()["saleor"]))

    assert [e.message for e in errors] == []


def test_the_distributor_query_is_valid_against_our_schema():
    sdl = schema_sdl().replace("extend schema", "schema", 1)
    # Strip the federation link so graphql-core can build the subgraph on its own.
    sdl = "\n".join(line for line in sdl.splitlines() if "@link(" not in line)
    schema = build_schema(sdl.replace("schema\n", "", 1), assume_valid_sdl=True)

    errors = validate(schema, parse(snippet_documents()["app"]))

    assert [e.message for e in errors] == []


@pytest.mark.django_db(transaction=True)
def test_the_snippet_reads_the_signed_in_distributor_from_the_app(live_server, fake_saleor):
    installation = Installation.objects.create(
        saleor_api_url=fake_saleor.api_url,
        app_id=APP_ID,
        auth_token=Secret("token-for-the-snippet-test"),
        jwks=fake_saleor.jwks(),
        jwks_fetched_at=timezone.now(),
    )
    Grade.objects.create(installation=installation, name="金牌", rank=1, min_direct_count=2)
    add_distributor(
        installation, saleor_user_id="VXNlcjo0OA==", email="chen.xiaoyu@example.com",
        code="CHEN234", display_name="陈小雨",
    )
    token = mint_token(fake_saleor, user_id="VXNlcjo0OA==")
    arguments = {
        "appGraphqlUrl": f"{live_server.url}/graphql/",
        "saleorApiUrl": fake_saleor.api_url,
        "accessToken": token,
    }

    out = node(
        f"import {{ fetchMyDistributor }} from {json.dumps(SNIPPET.as_uri())};"
        f"console.log(JSON.stringify(await fetchMyDistributor({json.dumps(arguments)})));"
    )

    assert json.loads(out) == {
        "code": "CHEN234", "status": "ACTIVE", "displayName": "陈小雨", "grade": None,
        "nextGrade": {"grade": {"name": "金牌"}, "met": False, "targets": [
            {"target": "DIRECT_COUNT", "met": False, "requiredSales": None,
             "currentSales": None, "requiredCount": 2, "currentCount": 0},
        ]},
    }
