"""A short `make chaos` (40 sellers of every kind, Ads, DynamoDB and EventBridge faults, every rule checked
against a ground truth) is part of every `make test`; `CHAOS_SELLERS=10000 make chaos` is the long one.

Its size: the run's cost is mostly the simulated day and a half its schedules fire through (about 3,000
minute ticks, each drained), so 40 sellers (every kind at least once, several of the common ones) add
little to it. It injects no Ads throttle faults (the sandbox's rate limit still refuses what exceeds the app's
quota): a few in a row make the fleet hold back for TikTok's advised five minutes of wall-clock time, which
the long run waits out; here the end-to-end throttle tests and the unit tests of the quota prove that."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_short_chaos_run_ends_with_no_violation() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "tools.chaos"],
        cwd=ROOT,
        env={
            "CHAOS_ADS_THROTTLES": "0",
            **os.environ,
            "CHAOS_SELLERS": os.environ.get("TEST_CHAOS_SELLERS", "40"),
        },
        capture_output=True,
        text=True,
        timeout=1500,
    )
    last = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
    assert run.returncode == 0 and "violations=0" in last, run.stdout[-6000:] + run.stderr[-3000:]
