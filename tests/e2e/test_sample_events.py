"""Every function and every trigger in template.yaml has a sample event in events/, and `make invoke` runs
each one successfully against the walkthrough's world; a broken event is refused with a reason."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import Stack
from tests.support import free_port
from tools.invoke import DIRECT_INVOCATIONS, main
from tools.local_stack import walkthrough
from tools.local_stack.template import Template

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted(path.name for path in (ROOT / "events").glob("*.json"))


def test_every_function_and_trigger_has_a_sample() -> None:
    expected = {f"{f.name}.{trigger}.json" for f in Template().functions() for trigger in f.events}
    expected |= {f"{name}.{trigger}.json" for name, (trigger, _) in DIRECT_INVOCATIONS.items()}
    assert set(SAMPLES) == expected


@pytest.fixture(scope="module")
def walkthrough_world(stack: Stack) -> Stack:
    walkthrough.seed(stack.api, stack.sandbox)
    return stack


@pytest.mark.parametrize("sample", SAMPLES)
def test_each_sample_succeeds_through_make_invoke(
    walkthrough_world: Stack, sample: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("API_PORT", walkthrough_world.api.rsplit(":", 1)[1])
    walkthrough_world.set_clock(walkthrough.NOW)

    code = main([sample.split(".")[0], str(ROOT / "events" / sample)])

    assert code == 0, capsys.readouterr().err[-2000:]
    assert capsys.readouterr().err.strip().endswith(": ok")


def _make_invoke(function: str, event: str) -> subprocess.CompletedProcess[str]:
    """`make invoke` as a developer runs it, with no stack on its port."""
    return subprocess.run(  # noqa: S603 - make, with our own arguments
        ["make", "--no-print-directory", "invoke", f"FUNCTION={function}", f"EVENT={event}"],  # noqa: S607
        cwd=ROOT,
        env={**os.environ, "API_PORT": str(free_port()), "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_make_invoke_needs_no_running_stack() -> None:
    run = _make_invoke("scheduled_retry", "events/scheduled_retry.EveryMinute.json")
    assert run.returncode == 0, run.stderr[-2000:]
    assert "starting one with the walkthrough's world" in run.stderr
    assert '"sweeps_started"' in run.stdout


@pytest.mark.parametrize(
    ("function", "event", "reason"),
    [
        ("registration_changes", "events/registration.Register.json", "fits no trigger of registration_changes"),
        ("registration", "events/nothing-here.json", "cannot read events/nothing-here.json"),
        ("no_such_function", "events/registration.Register.json", "no function 'no_such_function'"),
    ],
)
def test_a_broken_invocation_exits_non_zero_with_one_line_reason(function: str, event: str, reason: str) -> None:
    run = _make_invoke(function, event)
    assert run.returncode != 0
    assert reason in run.stderr
    assert "Traceback" not in run.stderr
