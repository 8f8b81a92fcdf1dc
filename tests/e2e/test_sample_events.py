"""Every function and every trigger in template.yaml has a sample event in events/, and `make invoke` runs
each one successfully against the walkthrough's world; a broken event is refused with a reason."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
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
    # It names the stack it used, shows the function's log lines as Lambda writes them, and no warning
    assert "invoking scheduled_retry on a stack of its own" in run.stderr
    assert "START RequestId: " in run.stderr and "REPORT RequestId: " in run.stderr and "Init Duration" in run.stderr
    assert "Warning" not in run.stderr and "warn" not in run.stderr.lower()
    assert '"sweeps_started"' in run.stdout


def test_make_invoke_uses_only_a_stack_of_this_checkout() -> None:
    # Given the port taken by a stack that says it runs another checkout
    class OtherStack(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps({"status": "ok", "root": "/somewhere/else"}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    server = HTTPServer(("127.0.0.1", 0), OtherStack)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        # When make invoke is run with that port, Then it refuses, saying why, and the tool's code is 2
        run = subprocess.run(
            [sys.executable, "-m", "tools.invoke", "missions", "events/missions.ListMissions.json"],
            cwd=ROOT,
            env={**os.environ, "API_PORT": str(server.server_port)},
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        server.shutdown()
    assert run.returncode == 2 and "runs another checkout (/somewhere/else)" in run.stderr


def test_through_make_a_failed_call_exits_2_after_naming_the_tools_own_code() -> None:
    run = _make_invoke("no_such_function", "events/registration.Register.json")
    assert run.returncode == 2 and "Error 2" in run.stderr.splitlines()[-1]


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
