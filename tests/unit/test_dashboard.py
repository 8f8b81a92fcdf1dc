"""The operations dashboard in template.yaml shows every metric the code emits and nothing else (names from
one enum, live_mission.observability.Metric); a metric with a dimension is shown by a SEARCH over exactly
that dimension, so each of its values is a series of its own."""

from __future__ import annotations

import json
import re
from typing import Any

from live_mission.observability import DIMENSIONS, Metric
from tools.local_stack.template import Template

NAMESPACE = "LiveGmvMaxMission"
_SEARCH = re.compile(r"SEARCH\('\{(?P<schema>[^}]*)\} MetricName=\"(?P<name>\w+)\"")


def _lines() -> list[list[Any]]:
    body = Template().resources["OperationsDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    widgets = json.loads(re.sub(r"\$\{[^}]+\}", "x", body))["widgets"]
    return [line for widget in widgets for line in widget["properties"]["metrics"]]


def _shown() -> dict[str, set[str]]:
    """Each metric of the service's namespace on the dashboard, with the dimensions it is shown by."""
    shown: dict[str, set[str]] = {}
    previous: list[str] = []
    for line in _lines():
        if isinstance(line[0], dict):
            found = _SEARCH.search(line[0]["expression"])
            assert found is not None, line
            schema = found["schema"].split(",")
            if schema[0] == NAMESPACE:
                shown[found["name"]] = set(schema[1:])
            continue
        names = [p for p in line if isinstance(p, str)]
        names = [
            prev if name == "." else name for name, prev in zip(names, previous + names[len(previous) :], strict=False)
        ]
        previous = names
        if names[0] == NAMESPACE:
            shown[names[1]] = set(names[2::2])
    return shown


def test_the_dashboard_shows_every_metric_the_code_emits_and_only_those() -> None:
    assert set(_shown()) == {m.value for m in Metric}


def test_a_metric_with_a_dimension_is_shown_by_that_dimension() -> None:
    for metric, dimensions in _shown().items():
        expected = {"service", DIMENSIONS[Metric(metric)]} if Metric(metric) in DIMENSIONS else {"service"}
        assert dimensions == expected, metric


def test_the_alarm_on_ads_failures_watches_an_emitted_metric() -> None:
    alarm = Template().resources["AdsPlatformFailingAlarm"]["Properties"]
    assert alarm["Namespace"] == NAMESPACE and alarm["MetricName"] in {m.value for m in Metric}
    assert Metric(alarm["MetricName"]) not in DIMENSIONS  # its one series is the service's
