"""`make docs` (with the OpenAPI document): JSON Schemas of every event the service consumes or emits,
generated from the pydantic models that parse or build them, into `docs/events/`.

Each schema describes the whole EventBridge entry as a rule sees it: `source`, `detail-type` and the
`detail` model. A test fails when a committed schema differs from what the models generate.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from pydantic import BaseModel

from live_mission.activity import LiveSessionEnded, SpendReported
from live_mission.campaign_lifecycle import CampaignStatusChanged
from live_mission.events import EVENTS_OUT, SOURCE
from tools.local_stack.template import ROOT

DIRECTORY = ROOT / "docs" / "events"

# Upstream systems put these on the service's bus; the rules that route them are in template.yaml.
EVENTS_IN: dict[tuple[str, str], type[BaseModel]] = {
    ("shop.live", "LiveSessionEnded"): LiveSessionEnded,
    ("ads.gmvmax", "SpendReported"): SpendReported,
    ("ads.gmvmax", "CampaignStatusChanged"): CampaignStatusChanged,
}


def _entry(source: str, detail_type: str, model: type[BaseModel], direction: str) -> dict[str, Any]:
    detail = model.model_json_schema(mode="serialization" if direction == "out" else "validation")
    definitions = detail.pop("$defs", {})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": detail_type,
        "description": f"Event {direction}: source `{source}`, detail-type `{detail_type}`.",
        "type": "object",
        "properties": {
            "source": {"const": source},
            "detail-type": {"const": detail_type},
            "detail": detail,
        },
        "required": ["source", "detail-type", "detail"],
        **({"$defs": definitions} if definitions else {}),
    }


def schemas() -> dict[str, str]:
    """File name -> content, for every event in and out."""
    found: dict[str, dict[str, Any]] = {}
    for (source, detail_type), model in EVENTS_IN.items():
        found[f"in.{detail_type}.schema.json"] = _entry(source, detail_type, model, "in")
    for detail_type, model in EVENTS_OUT.items():
        found[f"out.{detail_type}.schema.json"] = _entry(SOURCE, detail_type, model, "out")
    return {name: json.dumps(schema, indent=2) + "\n" for name, schema in sorted(found.items())}


def stale() -> list[str]:
    """The schema files that differ from the models, or are missing, or should not be there."""
    expected = schemas()
    present = {path.name for path in DIRECTORY.glob("*.schema.json")} if DIRECTORY.exists() else set()
    wrong = [
        name
        for name, text in expected.items()
        if not (DIRECTORY / name).exists() or (DIRECTORY / name).read_text() != text
    ]
    return sorted(wrong + sorted(present - expected.keys()))


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        if stale():
            sys.exit(f"docs/events is stale ({', '.join(stale())}): run `make docs` and commit it")
        print("docs/events is up to date")
    else:
        DIRECTORY.mkdir(parents=True, exist_ok=True)
        for old in DIRECTORY.glob("*.schema.json"):
            old.unlink()
        for name, text in schemas().items():
            (DIRECTORY / name).write_text(text)
        print(f"wrote {len(schemas())} schemas to {DIRECTORY.relative_to(ROOT)}")
