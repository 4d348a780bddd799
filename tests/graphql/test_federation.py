"""Our schema is a federation subgraph that composes with Saleor's (Apollo's composition)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from saleor_distribution.graphql.management.commands.export_schema import schema_path, schema_sdl
from tests.fixtures.saleor_deliveries import saleor_sdl

FEDERATION_TOOLS = Path(__file__).resolve().parents[1] / "federation"


def compose(tmp_path, **subgraphs):
    node = shutil.which("node")
    if node is None or not (FEDERATION_TOOLS / "node_modules" / "@apollo" / "composition").is_dir():
        pytest.fail("Node and tests/federation/node_modules are needed: run ./scripts/test")
    args = []
    for name, sdl in subgraphs.items():
        file = tmp_path / f"{name}.graphql"
        file.write_text(sdl)
        args.append(f"{name}={file}")
    result = subprocess.run(
        [node, str(FEDERATION_TOOLS / "compose.mjs"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout)


def test_our_subgraph_composes_with_saleors(tmp_path):
    result = compose(
        tmp_path, saleor=saleor_sdl("federation-sdl.graphql"), distribution=schema_sdl()
    )

    assert result["errors"] == []
    assert result["ok"] is True
    supergraph = result["supergraphSdl"]
    assert "distributor: Distributor" in supergraph
    # The only hints about our subgraph: Saleor's own directives (@doc, @webhookEventsInfo)
    # are dropped, and relay's Node.id wording differs by a full stop.
    ours = [h for h in result["hints"] if '"distribution"' in h]
    assert {h.split("]")[0] + "]" for h in ours} <= {
        "[INCONSISTENT_EXECUTABLE_DIRECTIVE_PRESENCE]",
        "[INCONSISTENT_DESCRIPTION]",
    }
    assert [h for h in ours if "INCONSISTENT_DESCRIPTION" in h and "Node.id" not in h] == []


def test_a_clashing_type_makes_composition_fail(tmp_path):
    # The test can fail: a type reusing Saleor's `Money` name with another shape breaks it.
    clashing = schema_sdl() + "\ntype Money @shareable { amount: String! }\n"
    clashing = clashing.replace(
        'import: ["@key", "@shareable"]', 'import: ["@key", "@shareable"]', 1
    )

    result = compose(tmp_path, saleor=saleor_sdl("federation-sdl.graphql"), distribution=clashing)

    assert result["ok"] is False
    assert any("Money" in error for error in result["errors"])


def test_exported_schema_file_is_current():
    assert schema_path().read_text() == schema_sdl(), (
        "graphql/schema.graphql is stale: run `saleor-distribution manage export_schema`"
    )


def test_service_sdl_is_served(client):
    response = client.post(
        "/graphql/", data={"query": "{ _service { sdl } }"}, content_type="application/json"
    )

    assert response.status_code == 200
    sdl = response.json()["data"]["_service"]["sdl"]
    assert 'type User @key(fields: "id")' in sdl
    assert "distributorCard(code: String!" in sdl
    assert "_entities" not in sdl  # the federation fields are the router's, not in the SDL
