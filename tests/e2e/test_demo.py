"""`make demo` is honest: its scripted mega campaign ends, seller by seller, as the rules say."""

from __future__ import annotations

import io

from tests.e2e.conftest import Stack
from tools.demo.scenario import GROUPS, Demo


def test_the_demo_campaign_ends_as_the_rules_say(stack: Stack) -> None:
    output = io.StringIO()
    demo = Demo(stack.api, stack.sandbox, out=output)

    all_matched = demo.run()

    wrong = [o for o in demo.outcomes if (o["status"], o["reward"]) != (o["expected_status"], o["expected_reward"])]
    letters = stack.control("GET", "/_local/dead-letters")["dead_letters"] if wrong else {}
    assert wrong == [] and all_matched, f"dead letters: {letters}"
    assert len(demo.outcomes) == sum(g.size for g in GROUPS) >= 50
    assert {g.name for g in GROUPS} == {o["group"] for o in demo.outcomes}
    assert "Operator report" in output.getvalue()
