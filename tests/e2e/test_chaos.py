"""A short `make chaos` (300 sellers of every kind, Ads, DynamoDB and EventBridge faults, every rule checked
against a ground truth) is part of every `make test`; `CHAOS_SELLERS=10000 make chaos` is the long one."""

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
        env={**os.environ, "CHAOS_SELLERS": os.environ.get("TEST_CHAOS_SELLERS", "300")},
        capture_output=True,
        text=True,
        timeout=1500,
    )
    last = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
    assert run.returncode == 0 and "violations=0" in last, run.stdout[-6000:] + run.stderr[-3000:]
