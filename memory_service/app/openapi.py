"""The OpenAPI spec clients read: a bearer security scheme (the Authorize button in /docs) on
every /v1 route, and the schemas of bodies a route reads by hand (POST /v1/interactions)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import TypeAdapter

from schemas.interactions import InteractionIn, LiveInteractionIn

BEARER = {
    "type": "http",
    "scheme": "bearer",
    "description": "An API key (`memory-service keys create --tenant NAME`), sent as `Authorization: Bearer <key>`.",
}


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def build_openapi(app: FastAPI) -> dict[str, Any]:
    spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    components = spec.setdefault("components", {})
    components.setdefault("securitySchemes", {})["bearerAuth"] = BEARER
    schemas = components.setdefault("schemas", {})
    for model in (InteractionIn, LiveInteractionIn):
        schema = TypeAdapter(model).json_schema(ref_template="#/components/schemas/{model}", mode="validation")
        for name, definition in schema.pop("$defs", {}).items():
            schemas.setdefault(name, definition)
        schemas[model.__name__] = schema
    for path, operations in spec.get("paths", {}).items():
        if path.startswith("/v1/"):
            for operation in operations.values():
                operation.setdefault("security", [{"bearerAuth": []}])
    return spec
