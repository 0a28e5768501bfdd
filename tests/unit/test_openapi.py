"""The OpenAPI spec: a bearer scheme on every /v1 route (the Authorize button in /docs), none on
the public health routes, examples on the main routes, both bodies of POST /v1/interactions, and
the recall response's profile typed."""

from __future__ import annotations

from typing import Any

import pytest

from memory_service.app.main import create_app
from memory_service.config import Settings


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return create_app(Settings(database_url="postgresql://unused", redis_url="redis://unused")).openapi()


def _examples(operation: dict[str, Any], where: str) -> bool:
    if where == "request":
        content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
        return "example" in content or "examples" in content
    for code in ("200", "202"):
        content = operation.get("responses", {}).get(code, {}).get("content", {}).get("application/json", {})
        if "example" in content or "examples" in content:
            return True
    return False


def test_every_v1_route_takes_a_bearer_key_and_health_is_public(spec: dict[str, Any]) -> None:
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {**spec["components"]["securitySchemes"][
        "bearerAuth"], "type": "http", "scheme": "bearer"}  # fmt: skip
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            secured = operation.get("security") == [{"bearerAuth": []}]
            assert secured == path.startswith("/v1/"), (method, path)


def test_the_main_routes_have_request_and_response_examples(spec: dict[str, Any]) -> None:
    paths = spec["paths"]
    for path, method in [("/v1/interactions", "post"), ("/v1/interactions/{interaction_id}/utterances", "post"),
                         ("/v1/interactions/{interaction_id}/end", "post"),
                         ("/v1/customers/{customer_ref}/recall", "post"),
                         ("/v1/customers/{customer_ref}/handoff", "post"),
                         ("/v1/customers/{customer_ref}/observations/{observation_id}", "patch")]:  # fmt: skip
        assert _examples(paths[path][method], "request"), (method, path)
    for path, method in [("/v1/interactions", "post"), ("/v1/interactions/{interaction_id}", "get"),
                         ("/v1/customers/{customer_ref}/recall", "post"),
                         ("/v1/customers/{customer_ref}/profile", "get"),
                         ("/v1/customers/{customer_ref}/observations", "get"),
                         ("/v1/customers/{customer_ref}/handoff", "post"),
                         ("/v1/customers/{customer_ref}/context", "get"), ("/v1/keys/me", "get"),
                         ("/v1/customers/{customer_ref}/page-link", "post")]:  # fmt: skip
        assert _examples(paths[path][method], "response"), (method, path)


def test_ingest_takes_a_finished_or_a_live_interaction_and_recall_has_a_typed_profile(spec: dict[str, Any]) -> None:
    body = spec["paths"]["/v1/interactions"]["post"]["requestBody"]["content"]["application/json"]
    refs = {one["$ref"].rsplit("/", 1)[1] for one in body["schema"]["oneOf"]}
    assert refs == {"InteractionIn", "LiveInteractionIn"}
    schemas = spec["components"]["schemas"]
    assert refs <= set(schemas) and "status" in schemas["LiveInteractionIn"]["properties"]
    for name in ("CustomerIn", "UtteranceIn", "IdentifierIn"):  # what they refer to is there too
        assert any(key.startswith(name) for key in schemas), name
    profile = schemas["RecallResponse"]["properties"]["profile"]
    assert {"$ref": "#/components/schemas/Profile"} in profile["anyOf"]


def test_every_reference_in_the_spec_resolves(spec: dict[str, Any]) -> None:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                found.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    names = set(spec["components"]["schemas"])
    missing = {ref for ref in found if ref.rsplit("/", 1)[1] not in names}
    assert found and not missing, missing
