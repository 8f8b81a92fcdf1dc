"""Every suite: the environment template.yaml gives every function, where a test builds the service's
own objects outside a function (the service name and metrics namespace are set there, once)."""

import os

os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "live-gmv-max-mission")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "LiveGmvMaxMission")


def pytest_collection_modifyitems(items: list) -> None:  # type: ignore[type-arg]
    """Suites in parallel (`make test` runs pytest-xdist with --dist loadgroup): the end-to-end tests share one
    local stack, so they stay together on one worker; the short chaos run and the stop checks start stacks
    of their own and get a worker each; unit and integration tests spread over whatever is free."""
    import pytest

    for item in items:
        path = str(item.path)
        if "/tests/e2e/" not in path:
            continue
        if path.endswith("test_chaos.py"):
            group = "chaos"
        elif path.endswith("test_local_stack_stops.py"):
            group = "stops"
        else:
            group = "stack"
        item.add_marker(pytest.mark.xdist_group(group))
