"""The operations dashboard in template.yaml shows only metrics the code emits, and every metric the code
emits is on it (names from one enum: live_mission.observability.Metric)."""

from __future__ import annotations

import json
import re

from live_mission.observability import Metric, emitted_metric_names
from tools.local_stack.template import Template

NAMESPACE = "LiveGmvMaxMission"


def _dashboard_metrics() -> set[str]:
    body = Template().resources["OperationsDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    widgets = json.loads(re.sub(r"\$\{[^}]+\}", "x", body))["widgets"]
    shown: set[str] = set()
    for widget in widgets:
        previous: list[str] = []
        for line in widget["properties"]["metrics"]:
            names = [p for p in line if isinstance(p, str)]
            names = [
                prev if name == "." else name
                for name, prev in zip(names, previous + names[len(previous) :], strict=False)
            ]
            previous = names
            if names[0] == NAMESPACE:
                shown.add(names[1])
    return shown


def test_the_dashboard_shows_only_metrics_the_code_emits() -> None:
    assert _dashboard_metrics() <= emitted_metric_names()


def test_every_plain_metric_is_on_the_dashboard() -> None:
    assert {m.value for m in Metric} <= _dashboard_metrics()


def test_the_alarm_on_ads_failures_watches_an_emitted_metric() -> None:
    alarm = Template().resources["AdsPlatformFailingAlarm"]["Properties"]
    assert alarm["Namespace"] == NAMESPACE and alarm["MetricName"] in emitted_metric_names()
