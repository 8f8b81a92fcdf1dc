"""One direction, kept by a test: handler -> use case -> ports <- adapters.

Read from the source with `ast`, so a shortcut import fails here in seconds instead of surviving review:
- the domain (every module of `live_mission` but the adapters, the wiring and the HTTP edge) imports no
  adapter, no AWS or HTTP client, and never reads the environment;
- an adapter (the DynamoDB store, the Ads HTTP client, the EventBridge publisher, the SQS delivery, the clocks)
  imports the domain's shapes and ports only, never a module whose words a seller reads;
- the HTTP edge (the resolver handlers share) and observability import no adapter; observability is a leaf;
- a handler (`functions/*/app.py`) builds nothing itself: it reaches adapters through the wiring only.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "layers" / "domain" / "live_mission"

ADAPTERS = {"store", "tiktok_ads", "eventbridge", "queues", "clock"}
COMPOSITION = {"wiring"}
EDGE = {"api", "settings"}  # the resolver handlers share; the environment, read by the wiring and the edge only
LEAVES = {"observability"}  # cross-cutting: knows nothing of the service
# What an adapter may know of the domain: the shapes it stores or sends, the ports it implements, and the rules
# of the quota it keeps. Never the words a seller reads (reasons, blockers, messages).
ADAPTER_MAY_IMPORT = {"models", "records", "ports", "ads", "ads_quota", "events", "observability", "local_time"}
CLIENT_LIBRARIES = {"boto3", "botocore", "urllib3", "requests"}


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE).with_suffix("").parts)


def _imports(path: Path) -> set[str]:
    """Every module a file imports, as an absolute dotted name (relative imports resolved inside the package)."""
    tree = ast.parse(path.read_text())
    inside = path.relative_to(PACKAGE).parent.parts if path.is_relative_to(PACKAGE) else ()
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ["live_mission", *inside[: len(inside) - node.level + 1]]
                stem = ".".join([*base, node.module] if node.module else base)
            else:
                stem = str(node.module)
            found.add(stem)
            found.update(f"{stem}.{alias.name}" for alias in node.names)
    return found


def _top(name: str) -> str:
    """`live_mission.store.dynamo` -> `store`; `boto3.dynamodb` -> `boto3`."""
    parts = name.split(".")
    return parts[1] if parts[0] == "live_mission" and len(parts) > 1 else parts[0]


def _ours(imports: set[str]) -> set[str]:
    return {_top(name) for name in imports if name.startswith("live_mission.") and _top(name) != "__init__"}


def _libraries(imports: set[str]) -> set[str]:
    return {_top(name) for name in imports if not name.startswith("live_mission")}


def _layer(module: str) -> str:
    top = module.split(".")[0]
    for layer, members in (
        ("adapter", ADAPTERS),
        ("composition", COMPOSITION),
        ("edge", EDGE),
        ("leaf", LEAVES),
    ):
        if top in members:
            return layer
    return "domain"


def violations(layer: str, imports: set[str]) -> list[str]:
    """What a module of `layer` importing `imports` breaks (empty: nothing)."""
    ours, libraries = _ours(imports), _libraries(imports)
    found = []
    if layer == "domain":
        found += [f"the domain imports {m}" for m in sorted(ours & (ADAPTERS | COMPOSITION | EDGE))]
        found += [f"the domain imports {m}" for m in sorted(libraries & (CLIENT_LIBRARIES | {"os"}))]
    elif layer == "adapter":
        found += [f"an adapter imports {m}" for m in sorted(ours - ADAPTER_MAY_IMPORT - ADAPTERS)]
    elif layer == "edge":
        found += [f"the edge imports {m}" for m in sorted(ours & ADAPTERS)]
    elif layer == "leaf":
        found += [f"a leaf imports {m}" for m in sorted(ours)]
    elif layer == "handler":
        found += [f"a handler imports {m}" for m in sorted(ours & ADAPTERS)]
        found += [f"a handler imports {m}" for m in sorted(libraries & CLIENT_LIBRARIES)]
    return found


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
HANDLERS = sorted(ROOT.glob("functions/*/app.py"))


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_module_of_the_layer_imports_only_inwards(module: str) -> None:
    # Given a module of the package, When its imports are read, Then none leads the wrong way
    assert violations(_layer(module), _imports(MODULES[module])) == []


@pytest.mark.parametrize("handler", HANDLERS, ids=lambda p: p.parent.name)
def test_a_handler_reaches_adapters_through_the_wiring_only(handler: Path) -> None:
    assert violations("handler", _imports(handler)) == []


def test_the_ports_are_in_one_module() -> None:
    protocols = {
        module
        for module, path in MODULES.items()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ClassDef) and any(ast.unparse(b) == "Protocol" for b in node.bases)
    }
    assert protocols == {"ports"}


# The shortcuts this test was written against: each one is caught by the rule that covers it.
SHORTCUTS = [
    ("domain", "live_mission.registration", "from .store.ads_quota import WINDOW_SECONDS"),
    ("edge", "live_mission.api", "from .store.dynamo import StorageBusy"),
    ("domain", "live_mission.change_feed", "from .store.registrations import registration_of"),
    ("domain", "live_mission.change_feed", "from boto3.dynamodb.types import TypeDeserializer"),
    ("domain", "live_mission.events", "import boto3"),
    ("adapter", "live_mission.store.registrations", "from ..decisions import REASONS"),
    ("leaf", "live_mission.observability", "from .eligibility import BLOCKER_CODES"),
    ("handler", "functions.reward_evaluation.app", "from live_mission.store.registrations import seller_of"),
]


@pytest.mark.parametrize(("layer", "module", "line"), SHORTCUTS)
def test_each_known_shortcut_would_fail(layer: str, module: str, line: str, tmp_path: Path) -> None:
    # Given the shortcut written into a module of its layer
    if module.startswith("live_mission."):
        place = PACKAGE.joinpath(*module.split(".")[1:]).with_suffix(".py")
        probe = place.with_name(f"_probe_{place.name}")
    else:
        probe = tmp_path / "app.py"
    probe.write_text(line + "\n")
    try:
        # When its imports are read, Then the layer's rule names it
        assert violations(layer, _imports(probe)) != []
    finally:
        if probe.is_relative_to(PACKAGE):
            probe.unlink()
