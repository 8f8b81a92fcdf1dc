"""`make openapi`: the API's OpenAPI document, generated from the handlers' Powertools resolvers.

Each HTTP function has its own resolver; this merges their paths and schemas, says how callers
authenticate, and documents the error responses every route shares (SPEC section 3's error shape),
which the resolvers' own validation answer (422) does not describe. `docs/openapi.json` is the
committed result; a test fails when it is stale.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

from tools.local_stack.template import ROOT, Template

DOCUMENT = ROOT / "docs" / "openapi.json"
ADS_ROUTES = {
    ("get", "/missions/{mission_id}/eligibility"),
    ("post", "/missions/{mission_id}/registrations"),
    ("post", "/missions/{mission_id}/auto-creation/opt-out"),
    ("get", "/missions/{mission_id}/roi-recommendation"),
}
CREATED = {("post", "/missions/{mission_id}/registrations"), ("put", "/admin/missions/{mission_id}")}
ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "examples": ["MISSION_NOT_OPEN"]},
                "message": {"type": "string"},
                "blockers": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/Blocker"},
                    "description": "R3/R4 only",
                },
                "fields": {"type": "array", "items": {"type": "object"}, "description": "validation errors only"},
            },
        }
    },
}
BLOCKER = {
    "type": "object",
    "required": ["code", "title", "steps"],
    "properties": {
        "code": {"type": "string"},
        "title": {"type": "string"},
        "steps": {"type": "array", "items": {"type": "string"}},
    },
}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _resolver_document(path: Path) -> dict[str, Any]:
    spec = importlib.util.spec_from_file_location(f"openapi_{path.parent.name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    document: dict[str, Any] = json.loads(module.app.get_openapi_json_schema(title="part", version="0"))
    return document


def build() -> dict[str, Any]:
    template = Template()
    operator_paths = {route.path for route in template.http_routes() if route.operator_only}
    functions = sorted({route.function for route in template.http_routes()})
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {"Error": ERROR, "Blocker": BLOCKER}
    for name in functions:
        part = _resolver_document(ROOT / "functions" / name / "app.py")
        paths.update(part["paths"])
        for schema, body in part.get("components", {}).get("schemas", {}).items():
            if schema not in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
                schemas.setdefault(schema, body)
    for path, operations in paths.items():
        for method, operation in operations.items():
            responses = operation["responses"]
            responses.pop("422", None)
            if (method, path) in CREATED:
                responses["201"] = {**responses["200"], "description": "Created"}
            responses["400"] = _error("Bad input: VALIDATION_FAILED (with fields) or a rule's code")
            responses["404"] = _error("MISSION_NOT_FOUND, REGISTRATION_NOT_FOUND or NOT_FOUND")
            responses["413"] = _error("PAYLOAD_TOO_LARGE: the body is over 16 KiB")
            responses["415"] = _error("UNSUPPORTED_MEDIA_TYPE: the body is not application/json")
            if path in operator_paths:
                operation["security"] = [{"iam": []}]
                responses["403"] = _error("FORBIDDEN: an operator credential is required")
            else:
                operation["security"] = [{"sellerJwt": []}]
                responses["401"] = _error("UNAUTHORIZED: a valid seller token is required")
            if (method, path) in ADS_ROUTES:
                responses["503"] = {
                    **_error("ADS_PLATFORM_UNAVAILABLE: try again after Retry-After seconds"),
                    "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                }
            if (method, path) == ("post", "/missions/{mission_id}/registrations"):
                responses["409"] = _error("MISSION_NOT_OPEN (R1)")
                responses["422"] = _error("REGISTRATION_BLOCKED, with every blocker and its steps (R3, R4)")
            operation["responses"] = dict(sorted(responses.items()))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "LIVE GMV Max Mission service",
            "version": "1.0.0",
            "description": "Claim the mission, read the auto-created LIVE GMV Max campaign, follow progress and "
            "rewards (sellers); configure missions and ROI benchmarks, read the report (operators).",
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {
                "sellerJwt": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "The seller is the token's sub.",
                },
                "iam": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "AWS Signature Version 4 (IAM); locally an operator token (role=admin).",
                },
            },
        },
    }


def render() -> str:
    return json.dumps(build(), indent=2, sort_keys=False) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        if not DOCUMENT.exists() or DOCUMENT.read_text() != render():
            sys.exit("docs/openapi.json is stale: run `make openapi` and commit it")
        print("docs/openapi.json is up to date")
    else:
        DOCUMENT.parent.mkdir(exist_ok=True)
        DOCUMENT.write_text(render())
        print(f"wrote {DOCUMENT.relative_to(ROOT)}")
