"""The retry sweep after an Ads outage (A8), through the whole local stack.

`due` sellers registered while the Ads platform could not list campaigns: each first attempt failed and
the registration waits, RETRYING, for its retry 15 minutes later. (They are registered by the service's
own code in this process, against the same emulated table and sandbox, with the stream's delivery of
them skipped: a backfill that stands for the outage, so the bench measures the sweep and nothing else.)
Then the platform answers again, the clock reaches the retries, and the minute schedule fans out one
sweep per retry index shard. Done when every seller has exactly one campaign.

The ideal is set by the quota: two Ads calls per seller (list, create) at the most of it auto-creation
may use (its ceiling: nothing else calls the Ads platform while the sweep runs).
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests

from tests.support import CLAIM, eligible_seller, mission_body
from tools.bench.burst import ADS_LIMIT, auto_campaigns, print_rows, start_fleet
from tools.local_stack.aws import CREDENTIALS

SWEEP_DUE = int(os.environ.get("BENCH_SWEEP_DUE", "20000"))
QUOTA = ADS_LIMIT  # auto-creation may use 90 % of it: 2 containers leasing at most 13 calls/s each
FLEET = ",".join(
    (
        "AutoCreationConcurrency=2",
        "RetryShards=8",
        "RegistrationConcurrency=2",
        "EligibilityConcurrency=1",
        "CampaignStatusConcurrency=1",
    )
)
AUTO_CREATION_CEILING = 0.90
START = datetime.fromisoformat("2026-02-09T02:00:00+07:00")


@dataclass
class SweepResult:
    due: int
    seconds: float
    campaigns: int
    duplicates: int
    busiest_second: int
    throttled: int
    sweeps: int
    containers: int


def _backfill(stack: object, sellers: list[str]) -> None:
    """The outage: every seller claims, then their first attempt fails (campaigns cannot be listed)."""
    os.environ.update(  # the service's code in this process: its metrics are not the bench's
        POWERTOOLS_METRICS_NAMESPACE="bench-backfill",
        POWERTOOLS_SERVICE_NAME="bench",
        POWERTOOLS_METRICS_DISABLED="true",
        POWERTOOLS_LOG_LEVEL="ERROR",
    )
    import boto3

    from live_mission.auto_creation import AutoCreator
    from live_mission.clock import FixedClock
    from live_mission.models import RegistrationRequest
    from live_mission.registration import Registrar
    from live_mission.store.dynamo import Table
    from live_mission.store.missions import MissionStore
    from live_mission.store.registrations import RegistrationStore
    from live_mission.store.seller_views import SellerViewStore
    from live_mission.store.statistics import StatisticsStore
    from live_mission.tiktok_ads import TikTokAdsClient

    client = boto3.client("dynamodb", endpoint_url=stack.moto.url, **CREDENTIALS)  # type: ignore[attr-defined,call-overload]
    table = Table(stack.lambdas.functions["registration"].spec.environment["MISSION_TABLE"], client)  # type: ignore[attr-defined]
    clock = FixedClock(START)
    missions, registrations = MissionStore(table), RegistrationStore(table, retry_shards=8)
    ads = TikTokAdsClient(stack.sandbox_url, lambda: "backfill")  # type: ignore[attr-defined]
    claims = Registrar(missions, registrations, StatisticsStore(table), ads, clock, SellerViewStore(table))
    creator = AutoCreator(missions, registrations, ads, clock)
    request = RegistrationRequest.model_validate(CLAIM)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda seller: claims.register("sweep", seller, request), sellers))
        stack.sandbox.state.add_fault("list_campaigns", "error", 10**9)  # type: ignore[attr-defined]
        list(pool.map(lambda seller: creator.attempt("sweep", seller), sellers))


def sweep(due: int) -> SweepResult:
    stack = start_fleet(QUOTA, FLEET)
    http = requests.Session()
    operator = {"Authorization": f"Bearer {stack.authority.issue('ops', 'admin')}"}
    http.put(f"{stack.api_url}/_local/clock", json={"now": START.isoformat()}).raise_for_status()
    http.put(f"{stack.api_url}/admin/missions/sweep", json=mission_body(), headers=operator).raise_for_status()
    sellers = [f"sweep-{i:06d}" for i in range(due)]
    for seller in sellers:
        stack.sandbox.state.put_seller(seller, eligible_seller(f"adv-{seller}"))
    print(f"  (backfilling {due:,} registrations whose first attempt failed in the outage)", file=sys.stderr)
    with stack.dispatcher.paused():
        _backfill(stack, sellers)
        stack.dispatcher.skip_stream_records()
    state = stack.sandbox.state
    state.add_fault("list_campaigns", "error", 0)  # the Ads platform answers again, keeping the app's quota
    with state.lock:
        state.rate_limit, state.throttled = QUOTA, 0
        state.accepted_per_second.clear()

    http.put(f"{stack.api_url}/_local/clock", json={"now": (START + timedelta(minutes=15)).isoformat()})
    started, minutes = time.monotonic(), 0
    while (count := len(auto_campaigns(stack))) < due and minutes < 24 * 60:
        stack.dispatcher.advance(60)  # the minute schedule: one sweep per shard with work due
        minutes += 1
        print(f"\r  campaigns {count:>7,}/{due:,} after {time.monotonic() - started:6.0f} s", end="", file=sys.stderr)
        time.sleep(0.5)
    stack.dispatcher.drain()
    seconds = time.monotonic() - started
    print(file=sys.stderr)
    campaigns = auto_campaigns(stack)
    report = stack.sandbox.state.rate_report()
    containers = next(len(f["containers"]) for f in stack.lambdas.report()["functions"] if f["name"] == "auto_creation")
    stack.stop()
    return SweepResult(
        due=due,
        seconds=seconds,
        campaigns=len(campaigns),
        duplicates=sum(n - 1 for n in campaigns.values()),
        busiest_second=int(report["busiest_second"]),
        throttled=int(report["throttled"]),
        sweeps=minutes,
        containers=containers,
    )


def print_sweep(result: SweepResult) -> None:
    ceiling = QUOTA * AUTO_CREATION_CEILING
    ideal = 2 * result.due / ceiling
    print(
        f"\n(e) Retry sweep: {result.due:,} registrations due after an Ads outage; quota {QUOTA}/s, "
        f"auto-creation's ceiling {ceiling:g}/s\n"
    )
    rows = [
        ("campaigns created", f"{result.campaigns:,}", f"{result.due:,} (one per seller)"),
        ("sellers with two campaigns", f"{result.duplicates}", "0"),
        ("busiest second at the Ads platform", f"{result.busiest_second}", f"<= {ceiling:g}"),
        ("Ads requests refused as too frequent", f"{result.throttled}", "0"),
        ("auto-creation containers", f"{result.containers}", "2 (8 shards' sweeps share them)"),
        (
            "recovery to the last campaign",
            f"{result.seconds:.0f} s",
            f"{ideal:.0f} s at the ceiling (ratio "
            f"{ideal / result.seconds:.2f}); {2 * result.due / QUOTA:.0f} s at the whole quota",
        ),
        (
            "a million due, projected",
            f"{1e6 * result.seconds / result.due / 3600:.1f} h",
            f"{2e6 / ceiling / 3600:.1f} h at the ceiling",
        ),
    ]
    print_rows(rows)
