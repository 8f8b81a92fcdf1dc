"""The committed OpenAPI document is the one the code generates (CI fails when it is stale)."""

from tools.openapi import DOCUMENT, build, render


def test_docs_openapi_json_is_up_to_date() -> None:
    assert DOCUMENT.read_text() == render(), "docs/openapi.json is stale: run `make openapi` and commit it"


def test_every_contract_route_is_documented_with_its_security() -> None:
    document = build()
    routes = {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}
    assert routes == {
        ("GET", "/missions"),
        ("GET", "/missions/{mission_id}/eligibility"),
        ("GET", "/missions/{mission_id}/campaign-preview"),
        ("POST", "/missions/{mission_id}/registrations"),
        ("GET", "/missions/{mission_id}/registration"),
        ("POST", "/missions/{mission_id}/auto-creation/opt-out"),
        ("GET", "/missions/{mission_id}/progress"),
        ("GET", "/missions/{mission_id}/roi-recommendation"),
        ("GET", "/rewards"),
        ("PUT", "/admin/missions/{mission_id}"),
        ("GET", "/admin/missions/{mission_id}/report"),
        ("PUT", "/admin/roi-benchmarks/{country}/{industry}/{timing}"),
    }
    for path, operations in document["paths"].items():
        for operation in operations.values():
            expected = "iam" if path.startswith("/admin/") else "sellerJwt"
            assert operation["security"] == [{expected: []}]
            assert operation["responses"]["400"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorBody"
            }
            assert "HTTPValidationError" not in str(operation["responses"])


def test_docs_events_schemas_are_up_to_date() -> None:
    from tools.event_schemas import stale

    assert stale() == [], "docs/events is stale: run `make docs` and commit it"


def test_the_event_schemas_are_valid_json_schemas() -> None:
    import json

    import jsonschema

    from tools.event_schemas import DIRECTORY

    for path in DIRECTORY.glob("*.schema.json"):
        jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text()))
