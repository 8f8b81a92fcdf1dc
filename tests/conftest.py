"""Every suite: the environment template.yaml gives every function, where a test builds the service's
own objects outside a function (the service name and metrics namespace are set there, once)."""

import os

os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "live-gmv-max-mission")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "LiveGmvMaxMission")


# The end-to-end files that fail the Ads platform on purpose (throttles among them), on a stack of their own:
# a throttle burst rightly holds the fleet's Ads calls back for minutes of wall-clock time, which the other
# stack's tests (the demo's 56 sellers among them) must not meet.
FAILING_ADS = {
    "test_auto_creation.py",
    "test_registration.py",
    "test_truthful_under_failure.py",
    "test_campaign_lifecycle.py",
    "test_api_fuzz.py",
    "test_bad_input.py",
    "test_tokens.py",
    "test_api_docs_page.py",
}


def pytest_collection_modifyitems(items: list) -> None:  # type: ignore[type-arg]
    """Suites in parallel (`make test` runs pytest-xdist with --dist loadgroup): the end-to-end tests run on two
    local stacks, each file's tests together on one worker (a worker starts its stack once); the short chaos
    run and the stop checks start stacks of their own and get a worker each; unit and integration tests
    spread over whatever is free."""
    import pytest

    for item in items:
        path = str(item.path)
        if "/tests/e2e/" not in path:
            continue
        name = path.rsplit("/", 1)[-1]
        if name == "test_chaos.py":
            group = "chaos"
        elif name == "test_local_stack_stops.py":
            group = "stops"
        elif name in FAILING_ADS:
            group = "stack-failing-ads"
        else:
            group = "stack"
        item.add_marker(pytest.mark.xdist_group(group))
