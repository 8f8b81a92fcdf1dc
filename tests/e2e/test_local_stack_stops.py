"""`make run` stops cleanly: Ctrl-C (SIGINT) or SIGTERM to its process group stops the whole stack within
5 seconds, with one line and exit 0, no traceback, no process and no temporary folder left behind.
TEST_STOP_ROUNDS (default 2) rounds of each signal; `TEST_STOP_ROUNDS=20` is the long check."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.support import free_port

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = int(os.environ.get("TEST_STOP_ROUNDS", "2"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")


def _start() -> tuple[subprocess.Popen[str], str]:
    api_port = free_port()
    env = {**os.environ, "API_PORT": str(api_port), "SANDBOX_PORT": str(free_port())}
    process = subprocess.Popen(
        [sys.executable, "-m", "tools.local_stack"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # a group of its own, as `make run` has at a terminal: signalled as a group
    )
    api = f"http://127.0.0.1:{api_port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{api}/_local/health", timeout=1).status_code == 200:
                return process, api
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    process.kill()
    raise AssertionError("the local stack did not start")


@pytest.mark.parametrize("stopping", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_the_local_stack_stops_cleanly_every_time(stopping: signal.Signals) -> None:
    for _ in range(ROUNDS):
        # Given a running stack with a container started (a request served)
        process, api = _start()
        token = requests.get(f"{api}/_local/token", params={"sub": "S1"}, timeout=10).json()["token"]
        assert requests.get(f"{api}/missions", headers={"Authorization": f"Bearer {token}"}, timeout=30).ok
        functions = requests.get(f"{api}/_local/containers", timeout=10).json()["functions"]
        children = [c["pid"] for f in functions for c in f["containers"]]
        assert children

        # When its process group is signalled
        stopped_at = time.monotonic()
        os.killpg(process.pid, stopping)
        output, _ = process.communicate(timeout=10)
        took = time.monotonic() - stopped_at

        # Then it stops within 5 seconds, saying so in one line, with exit 0 and nothing left behind
        assert process.returncode == 0 and took < 5, (process.returncode, took, output[-2000:])
        assert "Traceback" not in output and output.rstrip().splitlines()[-1] == "local stack stopped"
        assert output.split("Ctrl-C stops it.\n", 1)[1] == "local stack stopped\n", output[-2000:]
        folder = Path(re.search(r"Function logs (\S+)/logs/", output)[1])  # type: ignore[index]
        assert not folder.exists()
        assert not any(_alive(pid) for pid in children)
