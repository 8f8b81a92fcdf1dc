"""`make bench`: five figures, each beside its ideal, measured in this run on this machine; a sixth on its own.

(a) Each function's cold-start init (the handler module and the adapters it builds), in CPU time, as a
    ratio to the framework floor (Powertools' resolver with validation, Logger, Metrics, two boto3
    clients), alternating fresh interpreters.
(b) DynamoDB and Ads calls per seller through the app's whole flow (eligibility, preview, claim) to the voucher,
    beside the least any design could do, counted on the local stack: moto counts every AWS request (the Ads
    quota's counters among them), the sandbox every Ads call.
(c) A burst at TikTok's Basic tier with the app's quota half spent elsewhere: BENCH_BURST_SELLERS (300)
    sellers through eligibility, preview and claim, an opt-out in the middle (tools/bench/burst.py).
(d) Dollars per million sellers: (b)'s calls, Lambda invocations and durations at AWS's public prices,
    and where each function's Lambda time goes (on the CPU, waiting for this machine's CPU, waiting for
    DynamoDB or the Ads platform).
(e) The retry sweep after an Ads outage: BENCH_SWEEP_DUE (2,000) registrations due at once, drained at the
    Ads quota (tools/bench/sweep.py).

(f) A mega campaign of a million sellers on a simulated clock at TikTok's tiers, the fleet's own quota code
    against a platform keeping the tier's limits (tools/bench/mega.py): `BENCH_ONLY=mega make bench` only,
    its last line `mega: sellers=... tier=... created_before_start=... claim_wait_p99_s=... ads_calls_per_seller=...`.

`BENCH=quick make bench` runs (b) and (d) only. `BENCH_ONLY=cold|burst|sweep` runs that figure with (b) and (d).
Otherwise the last line is always
`bench: dynamodb_calls=<n> minimum=<m> ads_calls=<k> usd_per_million=<x>` (per seller, the app's flow to the voucher).
"""

from __future__ import annotations

import json
import os
import platform
import re
import statistics
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from tests.support import CLAIM, eligible_seller, free_port, mission_body
from tools.bench.burst import burst, print_burst
from tools.bench.mega import mega
from tools.bench.sweep import SWEEP_DUE, print_sweep, sweep
from tools.local_stack.stack import LocalStack, start_local_stack
from tools.local_stack.template import ROOT, Template

SELLERS = 25
COLD_START_RUNS = 7

# Ids as long as TikTok's (19-digit shop, advertiser and identity ids) and a mission id as an operator
# would name one: DynamoDB bills a registration's every write by its size in 1 KB units, so short test ids
# would price the writes below what a real campaign pays.
MISSION = "mega-2-2-2026"
SELLER_IDS_FROM = 7_495_000_000_000_000_000
WARM_UP = [str(SELLER_IDS_FROM + 900_000 + i) for i in range(4)]


def advertiser_of(seller: str) -> str:
    return str(int(seller) - 470_000_000_000_000_000)  # 7025...: another 19-digit id


def ads_seller(seller: str) -> dict[str, Any]:
    """The seller as the Ads sandbox knows them: eligible, with ids of TikTok's length."""
    advertiser = advertiser_of(seller)
    return eligible_seller(advertiser, store_id=str(int(seller) + 1), identity_id=str(int(advertiser) + 1))


# The least any design could do per seller, and why.
MINIMUM = {
    ("eligibility + preview", "DynamoDB"): (2, "one read each: the mission and what is known of the seller"),
    ("eligibility + preview", "Ads"): (
        2,
        "the seller's account facts (R3); their campaigns, so the preview says what happens",
    ),
    ("claim", "DynamoDB"): (2, "read the mission; one conditional write (the write itself tells a repeat)"),
    ("claim", "Ads"): (0, "none: what the preview was told a moment ago (Q4)"),
    ("auto-creation", "DynamoDB"): (2, "claim the registration; record the outcome"),
    ("auto-creation", "Ads"): (1, "create it: the claim's listing is moments old (A2, A5, Q4)"),
    ("activity + reward", "DynamoDB"): (4, "record the session and the spend; read the seller's facts; grant once"),
    ("activity + reward", "Ads"): (0, "none"),
    ("seller reads", "DynamoDB"): (3, "one read each: registration, progress, rewards"),
    ("seller reads", "Ads"): (0, "none"),
}


@dataclass
class Phase:
    dynamodb: Counter[str] = field(default_factory=Counter)  # calls by action
    ads: Counter[str] = field(default_factory=Counter)
    invocations: Counter[str] = field(default_factory=Counter)  # Lambda invocations by function
    seconds: dict[str, float] = field(default_factory=dict)  # and their duration
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # of which on the CPU
    runnable_seconds: dict[str, float] = field(default_factory=dict)  # and waiting for this machine's CPU
    write_units: Counter[str] = field(default_factory=Counter)  # DynamoDB write request units, by action
    read_units: Counter[str] = field(default_factory=Counter)  # and read request units
    api_requests: int = 0
    events_out: int = 0  # events the service put on its bus (EventBridge bills each entry)
    kms: int = 0  # KMS requests: a voucher code sealed, and opened each time its seller reads it
    sqs: int = 0  # SQS requests: activity into the ingestion queue, its batches read and deleted, refusals


class _Meter:
    """What the stack did between two marks: moto counts AWS calls, the sandbox Ads calls, the
    containers Lambda invocations."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self._mark = self._now()

    def _now(self) -> tuple[Counter[str], ...]:
        functions = self.stack.lambdas.functions.items()
        emulator = self.stack.moto.ask()  # the calls and the units, in one answer
        return (
            Counter(emulator["calls"]),
            Counter(self.stack.sandbox.state.calls),
            Counter({name: f.invocations for name, f in functions}),
            Counter({name: f.seconds for name, f in functions}),
            Counter({name: f.cpu_seconds for name, f in functions}),
            Counter({name: f.runnable_seconds for name, f in functions}),
            Counter(emulator["write_units"]),
            Counter(emulator["read_units"]),
            Counter({"AmazonSQS.(delivery and polling)": self.stack.dispatcher.sqs_requests}),
        )

    def phase(self, api_requests: int) -> Phase:
        now = self._now()
        aws, ads, invocations, seconds, cpu, runnable, write_units, read_units, plumbing = (
            Counter({k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)})
            for after, before in zip(now, self._mark, strict=True)
        )
        self._mark = now
        dynamodb = Counter({k.split(".", 1)[1]: v for k, v in aws.items() if k.startswith("DynamoDB_20120810.")})
        dynamodb["(PutEvents)"] = aws["AWSEvents.PutEvents"]  # kept aside: EventBridge, not DynamoDB
        kms = sum(v for k, v in aws.items() if k.startswith("TrentService."))
        sqs = sum(v for k, v in (aws + plumbing).items() if k.startswith("AmazonSQS."))
        return Phase(
            dynamodb,
            ads,
            invocations,
            dict(seconds),
            dict(cpu),
            dict(runnable),
            write_units,
            read_units,
            api_requests,
            kms=kms,
            sqs=sqs,
        )


def _activity(stack: LocalStack, sellers: list[str]) -> list[dict[str, str]]:
    """Each seller goes LIVE for ten hours, sells enough and spends on ads, on the campaign the service created
    for them (W7: only the seller's own LIVE GMV Max spend counts): PutEvents entries."""
    with stack.sandbox.state.lock:
        created = {
            c["seller_id"]: c["campaign_id"] for c in stack.sandbox.state.campaigns.values() if c["origin"] == "AUTO"
        }
    entries = []
    for seller in sellers:
        session = {
            "session_id": f"live-{seller}",
            "seller_id": seller,
            "room_id": f"room-{seller}",
            "started_at": "2026-02-09T08:00:00+07:00",
            "ended_at": "2026-02-09T18:00:00+07:00",
            "gmv": 1_500_000,
            "currency": "IDR",
        }
        spend = {
            "report_id": f"spend-{seller}",
            "seller_id": seller,
            "advertiser_id": advertiser_of(seller),
            "campaign_id": created[seller],
            "date": "2026-02-09",
            "spend": 120_000,
            "currency": "IDR",
        }
        entries += [
            {"Source": "shop.live", "DetailType": "LiveSessionEnded", "Detail": json.dumps(session)},
            {"Source": "ads.gmvmax", "DetailType": "SpendReported", "Detail": json.dumps(spend)},
        ]
    return entries


def calls_per_seller() -> dict[str, Phase]:
    """One seller's whole way, eligibility to voucher, for SELLERS sellers; returns each phase's counts."""
    stack = start_local_stack(free_port(), free_port())
    http = requests.Session()
    api = stack.api_url

    def token(sub: str, role: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {stack.authority.issue(sub, role)}"}

    http.put(f"{api}/_local/clock", json={"now": "2026-02-09T02:00:00+07:00"})
    http.put(f"{api}/admin/missions/{MISSION}", json=mission_body(), headers=token("ops", "admin")).raise_for_status()
    sellers = [str(SELLER_IDS_FROM + i) for i in range(SELLERS)]
    for seller in [*sellers, *WARM_UP]:
        stack.sandbox.state.put_seller(seller, ads_seller(seller))
    # Containers started, as they are through a campaign: a million sellers pay for a few cold starts.
    for seller in WARM_UP:
        http.post(f"{api}/missions/{MISSION}/registrations", json=CLAIM, headers=token(seller)).raise_for_status()
        for path in ("registration", "progress"):
            http.get(f"{api}/missions/{MISSION}/{path}", headers=token(seller)).raise_for_status()
        http.get(f"{api}/rewards", headers=token(seller)).raise_for_status()
    stack.dispatcher.drain()  # their campaigns created
    # Their LIVE day over (activity is refused when dated after its receipt, W7), then back to the claims' night.
    http.put(f"{api}/_local/clock", json={"now": "2026-02-10T09:00:00+07:00"}).raise_for_status()
    http.post(f"{api}/_local/events", json={"entries": _activity(stack, WARM_UP)}).raise_for_status()
    stack.dispatcher.drain()
    http.put(f"{api}/_local/clock", json={"now": "2026-02-09T02:00:00+07:00"}).raise_for_status()

    stack.dispatcher.bus_events()  # the warm-up's events are not the sellers'
    # One container per function from here: invocations then wait for a container (unbilled) rather than
    # for each other's calls inside the one-process emulator, which answers ten containers at once ten
    # times more slowly; DynamoDB's latency does not grow so with concurrency. Work and batches are alike.
    for function in stack.lambdas.functions.values():
        function.concurrency = 1
    meter = _Meter(stack)
    phases: dict[str, Phase] = {}
    shown: dict[str, str] = {}
    with stack.dispatcher.paused():  # the app's reads before a claim: eligibility, then the campaign preview
        for seller in sellers:
            http.get(f"{api}/missions/{MISSION}/eligibility", headers=token(seller)).raise_for_status()
            preview = http.get(f"{api}/missions/{MISSION}/campaign-preview", headers=token(seller))
            preview.raise_for_status()
            shown[seller] = preview.json()["preview_id"]
        phases["eligibility + preview"] = meter.phase(api_requests=2 * SELLERS)
    with stack.dispatcher.paused():  # the claims alone, each sending the preview it was shown
        for seller in sellers:
            claim = {**CLAIM, "preview_id": shown[seller]}
            http.post(f"{api}/missions/{MISSION}/registrations", json=claim, headers=token(seller)).raise_for_status()
        phases["claim"] = meter.phase(api_requests=SELLERS)
    stack.dispatcher.drain()  # the stream delivers the inserts: auto-creation
    phases["auto-creation"] = meter.phase(api_requests=0)
    created = sum(1 for c in stack.sandbox.state.campaigns.values() if c["origin"] == "AUTO") - len(WARM_UP)
    assert created == SELLERS, f"expected {SELLERS} campaigns, found {created}"

    # The campaign runs: each seller goes LIVE for ten hours, sells enough and spends on ads.
    http.put(f"{api}/_local/clock", json={"now": "2026-02-10T09:00:00+07:00"}).raise_for_status()
    entries = _activity(stack, sellers)
    with stack.dispatcher.paused():
        http.post(f"{api}/_local/events", json={"entries": entries}).raise_for_status()
        meter.phase(api_requests=0)  # putting the upstream events is the publishers' cost, not ours
    stack.dispatcher.drain()
    phases["activity + reward"] = meter.phase(api_requests=0)

    rewarded = 0
    for seller in sellers:
        for path in ("registration", "progress"):
            http.get(f"{api}/missions/{MISSION}/{path}", headers=token(seller)).raise_for_status()
        rewards = http.get(f"{api}/rewards", headers=token(seller))
        rewards.raise_for_status()
        rewarded += len(rewards.json()["rewards"])
    assert rewarded == SELLERS, f"expected {SELLERS} vouchers, found {rewarded}"
    phases["seller reads"] = meter.phase(api_requests=3 * SELLERS)
    phases["seller reads"].events_out = sum(
        1 for e in stack.dispatcher.bus_events() if e["source"] == "live-gmv-max-mission"
    )
    stack.stop()
    return phases


def print_calls(phases: dict[str, Phase]) -> dict[str, float]:
    """Prints the table; returns the whole way's calls per seller and their minimum."""
    print(
        f"\n(b) Calls per seller, the app's flow to the voucher ({SELLERS} sellers, every step succeeding the first "
        "time)\n"
    )
    print(f"{'phase':<22}{'system':<10}{'measured':>9}{'minimum':>9}   by action (per seller)")
    totals = Counter[str]()
    for name, phase in phases.items():
        dynamodb = Counter({k: v for k, v in phase.dynamodb.items() if not k.startswith("(")})
        for system, counts in (("DynamoDB", dynamodb), ("Ads", phase.ads)):
            minimum, why = MINIMUM[(name, system)]
            per_seller = sum(counts.values()) / SELLERS
            totals[system] += sum(counts.values())
            totals[f"{system} minimum"] += minimum * SELLERS
            detail = ", ".join(f"{k} {v / SELLERS:g}" for k, v in sorted(counts.items())) or "-"
            print(f"{name:<22}{system:<10}{per_seller:>9.2f}{minimum:>9}   {detail}")
            print(f"{'':<41}   minimum: {why}")
    for system in ("DynamoDB", "Ads"):
        measured, least = totals[system] / SELLERS, totals[f"{system} minimum"] / SELLERS
        print(f"{'whole way':<22}{system:<10}{measured:>9.2f}{least:>9g}   ratio {measured / least:.2f}")
    return {key: value / SELLERS for key, value in totals.items()}


# AWS public on-demand prices, us-east-1 (aws.amazon.com/<service>/pricing), as of 2026.
PRICES = {
    "DynamoDB write request unit": 0.625 / 1e6,
    "DynamoDB read request unit": 0.125 / 1e6,
    "Lambda request": 0.20 / 1e6,
    "Lambda GB-second (arm64)": 0.0000133334,
    "HTTP API request": 1.00 / 1e6,
    "EventBridge custom event": 1.00 / 1e6,
    "KMS request": 0.03 / 1e4,
    "SQS request": 0.40 / 1e6,
}
MEMORY_MB = {spec.name: spec.memory_size for spec in Template().functions()}  # each function's, as deployed


def cpu_stretch(function: str) -> float:
    """Lambda gives a function CPU in proportion to its memory: one vCPU at 1,769 MB (taken as fast as a
    core here)."""
    return max(1.0, 1769 / MEMORY_MB[function])


def billed_seconds(phases: dict[str, Phase], name: str) -> float:
    """The function's invocations' duration as Lambda would bill it: their wall time here, less the time
    their process waited for this machine's CPU behind other processes (no cloud container shares its CPU
    so), with the time on the CPU stretched to its memory's share of a vCPU. Waiting for DynamoDB and the
    Ads platform counts as measured (moto answers more slowly than DynamoDB; the sandbox faster than TikTok)."""
    total = 0.0
    for phase in phases.values():
        wall, cpu = phase.seconds.get(name, 0.0), phase.cpu_seconds.get(name, 0.0)
        total += max(wall - phase.runnable_seconds.get(name, 0.0) - cpu, 0.0) + cpu * cpu_stretch(name)
    return total


def gb_seconds(phases: dict[str, Phase], name: str) -> float:
    return billed_seconds(phases, name) * MEMORY_MB[name] / 1024


def print_cost(phases: dict[str, Phase]) -> float:
    """Prints where each cent goes; returns dollars per million sellers."""
    dynamodb = sum((p.dynamodb for p in phases.values()), Counter[str]())
    invocations = sum(sum(p.invocations.values()) for p in phases.values())
    functions = {name for p in phases.values() for name in p.invocations}
    units = {
        "DynamoDB write request unit": sum(sum(p.write_units.values()) for p in phases.values()) / SELLERS,
        "DynamoDB read request unit": sum(sum(p.read_units.values()) for p in phases.values()) / SELLERS,
        "Lambda request": invocations / SELLERS,
        "Lambda GB-second (arm64)": sum(gb_seconds(phases, name) for name in functions) / SELLERS,
        "HTTP API request": sum(p.api_requests for p in phases.values()) / SELLERS,
        "EventBridge custom event": sum(p.events_out for p in phases.values()) / SELLERS,
        "KMS request": sum(p.kms for p in phases.values()) / SELLERS,
        "SQS request": sum(p.sqs for p in phases.values()) / SELLERS,
    }
    print("\n(d) Dollars per million sellers, eligibility to voucher: the calls measured above at AWS's prices\n")
    print(f"{'item':<30}{'per seller':>12}{'price (USD)':>14}{'per million sellers':>22}")
    total = 0.0
    for item, per_seller in units.items():
        dollars = per_seller * PRICES[item] * 1e6
        total += dollars
        print(f"{item:<30}{per_seller:>12.3f}{PRICES[item]:>14.10f}{f'${dollars:,.2f}':>22}")
    print(f"{'total':<30}{'':>12}{'':>14}{f'${total:,.2f}':>22}")
    for kind, label, per in (
        ("write_units", "Write units a seller, measured item by item and index by index", "a write"),
        ("read_units", "Read units a seller, measured item by item (eventually consistent unless asked)", "a read"),
    ):
        spent = sum((getattr(p, kind) for p in phases.values()), Counter[str]())
        per_action = ", ".join(
            f"{action} {units / SELLERS:.2f} ({units / max(dynamodb[action], 1):.2f} {per})"
            for action, units in sorted(spent.items())
        )
        print(f"{label}: {per_action}")
    print(
        "Lambda duration is the handlers' time here, against moto and the sandbox, as each function's memory "
        "would bill it (below).\nNot per seller: the minute schedules (about $0.10 a month), the ingestion queue's "
        "empty polls (cents a month), storage (a few KB a seller), logs and custom metrics."
    )
    print_lambda_time(phases)
    return total


def print_lambda_time(phases: dict[str, Phase]) -> None:
    """Where the Lambda time goes, by function, per invocation: its wall time here; of it, on the CPU and
    waiting for this machine's CPU (runnable); and what Lambda would bill (`billed_seconds`)."""
    print(
        f"\n{'function':<22}{'MB':>5}{'invocations':>12}{'wall ms':>9}{'CPU ms':>8}{'runnable ms':>13}"
        f"{'billed ms':>11}{'GB-s per seller':>17}"
    )
    for name in sorted({n for p in phases.values() for n in p.invocations}):
        invocations = sum(p.invocations[name] for p in phases.values())
        if invocations:
            wall, cpu, runnable = (
                sum(getattr(p, kind).get(name, 0.0) for p in phases.values())
                for kind in ("seconds", "cpu_seconds", "runnable_seconds")
            )
            billed = billed_seconds(phases, name)
            print(
                f"{name:<22}{MEMORY_MB[name]:>5}{invocations / SELLERS:>12.2f}{wall / invocations * 1000:>9.1f}"
                f"{cpu / invocations * 1000:>8.1f}{runnable / invocations * 1000:>13.1f}"
                f"{billed / invocations * 1000:>11.1f}{gb_seconds(phases, name) / SELLERS:>17.3f}"
            )


_INIT = """
import importlib.util, json, sys, time
started = time.process_time()
{body}
print(json.dumps(time.process_time() - started))
"""
_BARE = 'import boto3\nboto3.client("dynamodb")'
# The framework floor: what any handler on this stack pays before its own code.
_FLOOR = """import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
app = APIGatewayHttpResolver(enable_validation=True)
logger, metrics = Logger(), Metrics()
boto3.client("dynamodb"), boto3.client("events")"""
# The handler module, then the adapters its handler builds on the first request (per_container
# builders in live_mission.wiring): a fair match for the bare handler, which builds its client at init.
_HANDLER = """spec = importlib.util.spec_from_file_location("app", {path!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
from live_mission import wiring
for builder in {builders!r}:
    getattr(wiring, builder)()"""


def _init_seconds(body: str, env: dict[str, str]) -> float:
    """The init's CPU time (all threads) in a fresh interpreter. CPU rather than wall time: an init is
    imports and set-up, all CPU, and on a shared machine its wall time also counts whoever else ran
    (ten runs of the floor on a loaded machine here: wall time 990-1,609 ms, CPU time 725-960 ms)."""
    out = subprocess.run(  # noqa: S603 - our own interpreter running our own code
        [sys.executable, "-c", _INIT.format(body=body)], env=env, capture_output=True, text=True, check=True, cwd=ROOT
    )
    return float(json.loads(out.stdout.strip().splitlines()[-1]))


def cold_starts() -> None:
    """Each function's runs alternate with the framework floor's, so whatever else the machine does
    touches both alike and the ratio (of medians) stays fair; a bare boto3 handler is shown beside them."""
    template = Template()
    base = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": f"{ROOT / 'layers' / 'domain'}:{ROOT}",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": "bench",
    }
    bare = statistics.median(_init_seconds(_BARE, base) for _ in range(COLD_START_RUNS))
    print(
        f"\n(a) Cold-start init, CPU time, median of {COLD_START_RUNS} fresh interpreters each: the handler module "
        f"and the adapters it builds,\nbeside the framework floor (Powertools' HTTP resolver with validation, Logger, "
        f"Metrics, two boto3 clients; goal: ratio <= 1.15)\nand a bare boto3 handler ({bare * 1000:.0f} ms)\n"
    )
    print(f"{'function':<20}{'init ms':>9}{'floor ms':>9}{'ratio':>8}")
    ratios = []
    for function in template.functions():
        env = {**base, **function.environment}
        path = Path(function.code_dir) / "app.py"
        builders = sorted(set(re.findall(r"wiring\.(\w+)\(\)", path.read_text())))
        body = _HANDLER.format(path=str(path), builders=builders)
        own, floor = [], []
        for _ in range(COLD_START_RUNS):
            floor.append(_init_seconds(_FLOOR, base))
            own.append(_init_seconds(body, env))
        ratio = statistics.median(own) / statistics.median(floor)
        ratios.append(ratio)
        print(
            f"{function.name:<20}{statistics.median(own) * 1000:>9.1f}{statistics.median(floor) * 1000:>9.1f}"
            f"{ratio:>8.2f}"
        )
    print(f"{'all functions':<20}{'':>9}{'':>9}{statistics.median(ratios):>8.2f}  (median; worst {max(ratios):.2f})")


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.machine(),
    )
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    python = platform.python_version()
    return f"{os.cpu_count()} cores ({model}), {memory_gib:.0f} GiB, Python {python}, {platform.system()}"


def main() -> None:
    quick = os.environ.get("BENCH", "") == "quick"
    only = os.environ.get("BENCH_ONLY", "")  # cold, burst, sweep (with calls and cost), or mega
    print(f"Machine: {machine()}" + ("  (BENCH=quick: calls and cost only)" if quick else ""))
    if only == "mega":  # the simulation alone: it runs no stack, and its own last line
        mega()
        return
    phases = calls_per_seller()
    calls = print_calls(phases)
    dollars = print_cost(phases)
    if not quick:
        if only in ("", "cold"):
            cold_starts()
        if only in ("", "burst"):
            print_burst(burst())
        if only in ("", "sweep"):
            print_sweep(sweep(SWEEP_DUE))
    print(
        f"bench: dynamodb_calls={calls['DynamoDB']:g} minimum={calls['DynamoDB minimum']:g} "
        f"ads_calls={calls['Ads']:g} usd_per_million={dollars:.2f}"
    )


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:  # Ctrl-C ends the bench quietly
        print("\nbench stopped", file=sys.stderr)
        sys.exit(130)
