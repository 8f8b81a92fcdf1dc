"""`make bench`.

1. DynamoDB and Ads calls per registration on the whole auto-creation path (the seed example: eligible,
   no campaign, created at once), beside the theoretical minimum, measured on the local stack: moto
   counts every request by action, the sandbox every Ads call.
2. Each function's cold-start init time (importing the handler and building what it builds at import),
   as a ratio to a bare handler that only imports boto3 and creates one client, both measured here, in
   fresh interpreters, median of several runs.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections import Counter
from pathlib import Path

import requests

from tests.support import CLAIM, eligible_seller, free_port, mission_body
from tools.local_stack.stack import start_local_stack
from tools.local_stack.template import ROOT, Template

SELLERS = 25
COLD_START_RUNS = 7

# The least any design could do, and why.
MINIMUM = {
    ("registration", "DynamoDB"): (2, "read the mission; one conditional write (the write itself tells a repeat)"),
    ("registration", "Ads"): (1, "the seller's account facts (R3)"),
    ("auto-creation", "DynamoDB"): (2, "claim the registration; record the outcome"),
    ("auto-creation", "Ads"): (2, "list LIVE campaigns (A2, A5); create one"),
}


def _dynamodb(calls: Counter[str]) -> Counter[str]:
    return Counter({k.split(".", 1)[1]: v for k, v in calls.items() if k.startswith("DynamoDB_20120810.")})


def calls_per_registration() -> None:
    stack = start_local_stack(free_port(), free_port())
    http = requests.Session()
    api = stack.api_url

    def token(sub: str, role: str | None = None) -> dict[str, str]:
        params = {"sub": sub, **({"role": role} if role else {})}
        return {"Authorization": f"Bearer {http.get(f'{api}/_local/token', params=params).json()['token']}"}

    http.put(f"{api}/_local/clock", json={"now": "2026-02-09T02:00:00+07:00"})
    http.put(f"{api}/admin/missions/bench", json=mission_body(), headers=token("ops", "admin")).raise_for_status()
    sellers = [f"bench-{i}" for i in range(SELLERS)]
    headers = {seller: token(seller) for seller in sellers}
    for seller in sellers:
        stack.sandbox.state.put_seller(seller, eligible_seller(f"adv-{seller}"))

    phases: dict[str, tuple[Counter[str], Counter[str]]] = {}
    with stack.dispatcher.paused():  # the registrations alone
        before_db, before_ads = Counter(stack.moto.calls), Counter(stack.sandbox.state.calls)
        for seller in sellers:
            http.post(f"{api}/missions/bench/registrations", json=CLAIM, headers=headers[seller]).raise_for_status()
        after_db, after_ads = Counter(stack.moto.calls), Counter(stack.sandbox.state.calls)
        phases["registration"] = (_dynamodb(after_db - before_db), after_ads - before_ads)
    stack.dispatcher.drain()  # the stream delivers the inserts: auto-creation
    done_db, done_ads = Counter(stack.moto.calls), Counter(stack.sandbox.state.calls)
    phases["auto-creation"] = (_dynamodb(done_db - after_db), done_ads - after_ads)
    created = sum(1 for c in stack.sandbox.state.campaigns.values() if c["origin"] == "AUTO")
    assert created == SELLERS, f"expected {SELLERS} campaigns, found {created}"

    print(f"\nCalls per registration ({SELLERS} sellers, each campaign created at the first attempt)\n")
    print(f"{'phase':<15}{'system':<10}{'measured':>10}{'minimum':>9}   by action (per registration)")
    for phase, (db, ads) in phases.items():
        for system, counts in (("DynamoDB", db), ("Ads", ads)):
            minimum, why = MINIMUM[(phase, system)]
            detail = ", ".join(f"{k} {v / SELLERS:g}" for k, v in sorted(counts.items()))
            print(f"{phase:<15}{system:<10}{sum(counts.values()) / SELLERS:>10.2f}{minimum:>9}   {detail}")
            print(f"{'':<25}{'':>10}{'':>9}   minimum: {why}")
    stack.server.shutdown()


_INIT = """
import importlib.util, json, sys, time
started = time.perf_counter()
{body}
print(json.dumps(time.perf_counter() - started))
"""
_BARE = 'import boto3\nboto3.client("dynamodb")'
_HANDLER = """spec = importlib.util.spec_from_file_location("app", {path!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)"""


def _init_seconds(body: str, env: dict[str, str]) -> float:
    runs = []
    for _ in range(COLD_START_RUNS):
        out = subprocess.run(  # noqa: S603 - our own interpreter running our own code
            [sys.executable, "-c", _INIT.format(body=body)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        runs.append(float(json.loads(out.stdout.strip().splitlines()[-1])))
    return statistics.median(runs)


def cold_starts() -> None:
    template = Template()
    base = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": f"{ROOT / 'layers' / 'domain'}:{ROOT}",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    bare = _init_seconds(_BARE, base)
    print(
        f"\nCold-start init, median of {COLD_START_RUNS} fresh interpreters "
        f"(baseline: a handler that imports boto3 and creates one client)\n"
    )
    print(f"{'function':<18}{'init ms':>9}{'ratio':>8}")
    print(f"{'bare boto3':<18}{bare * 1000:>9.1f}{1:>8.2f}")
    for function in template.functions():
        env = {**base, **function.environment}
        path = str(Path(function.code_dir) / "app.py")
        seconds = _init_seconds(_HANDLER.format(path=path), env)
        print(f"{function.name:<18}{seconds * 1000:>9.1f}{seconds / bare:>8.2f}")


if __name__ == "__main__":
    print(f"Machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    calls_per_registration()
    cold_starts()
