"""`make openapi`: the API's OpenAPI document, merged by Powertools from the HTTP functions' resolvers.

Every route declares its own answers and security on its decorator (live_mission.api.documented);
nothing is patched in here but one thing: Powertools adds to every validated route a 422 answer in
its own validation shape, which this service never gives (it answers 400 VALIDATION_FAILED in the
contract error shape). Where a route declares a 422 of its own (a blocked claim) it stays.
`docs/openapi.json` is the committed result; a test fails when it is stale.
"""

from __future__ import annotations

import json
import sys
import warnings
from typing import Any

from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge

from live_mission.api import SECURITY_SCHEMES
from tools.local_stack.template import ROOT, Template

DOCUMENT = ROOT / "docs" / "openapi.json"
_LIBRARY_VALIDATION = "#/components/schemas/HTTPValidationError"


def build() -> dict[str, Any]:
    merge = OpenAPIMerge(
        title="LIVE GMV Max Mission service",
        version="1.0.0",
        description="Claim the mission, preview and read the auto-created LIVE GMV Max campaign, follow progress "
        "and rewards (sellers); configure missions and ROI benchmarks, read the report (operators).",
        security_schemes=SECURITY_SCHEMES,
        on_conflict="error",
    )
    for function in sorted({route.function for route in Template().http_routes()}):
        merge.add_file(ROOT / "functions" / function / "app.py", resolver_name="app")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a handler that fails to load must fail the build, not vanish
        document = json.loads(merge.get_openapi_json_schema())
    for operations in document["paths"].values():
        for operation in operations.values():
            answer = operation["responses"].get("422", {})
            if (
                answer.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
                == _LIBRARY_VALIDATION
            ):
                del operation["responses"]["422"]
    schemas = document.get("components", {}).get("schemas", {})
    for library_only in ("HTTPValidationError", "ValidationError"):
        schemas.pop(library_only, None)
    document["paths"] = dict(sorted(document["paths"].items()))
    return document


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
