"""The retry sweep after an Ads outage (A8), through the whole local stack.

`due` sellers registered just before the Ads platform failed: each first attempt failed and
the registration waits, RETRYING, for its retry 15 minutes later. (They are registered by the service's
own code in this process, against the same emulated table and sandbox, with the stream's delivery of
them skipped: a backfill that stands for the outage, so the bench measures the sweep and nothing else.)
Then the platform answers again, the clock reaches the retries, and the minute schedule fans out one
sweep per retry index shard. Done when every seller has exactly one campaign.

The ideal is set by the quota: two Ads calls per seller (list, create) at the share of each second creations
may fill (ads_quota.SHARES: nothing else calls the Ads platform while the sweep runs).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import requests

from live_mission.ads_quota import SHARES, Purpose, allowance
from tests.support import CLAIM, eligible_seller, free_port, mission_body
from tools.bench.burst import auto_campaigns
from tools.local_stack.aws import CREDENTIALS
from tools.local_stack.stack import LocalStack, start_local_stack

SWEEP_DUE = int(os.environ.get("BENCH_SWEEP_DUE", "2000"))
# Calls a second the fleet and the platform keep. 30, not TikTok's Basic 10: two cores run the emulator, the
# sandbox and every container and reach about 40 Ads calls a second in all, so this still binds, and 2,000 due
# are drained in about three minutes (the backfill that stands for the outage takes as long again).
QUOTA = 30
FLEET = "AutoCreationConcurrency=2,RetryShards=8"
START = datetime.fromisoformat("2026-02-09T02:00:00+07:00")


def start_fleet(per_second: int, fleet: str) -> LocalStack:
    """A local stack whose fleet keeps `per_second` Ads calls a second (a minute's and a day's to match)."""
    overrides = {
        "ADS_QUOTA_PER_SECOND": str(per_second),
        "ADS_QUOTA_PER_MINUTE": str(per_second * 60),
        "ADS_QUOTA_PER_DAY": str(per_second * 86_400),
        "LOCAL_TEMPLATE_PARAMETERS": fleet,
    }
    os.environ.update(overrides)
    try:
        return start_local_stack(free_port(), free_port())
    finally:
        for name in overrides:
            del os.environ[name]


def print_rows(rows: list[tuple[str, str, str]]) -> None:
    print(f"{'figure':<40}{'measured':>22}   ideal")
    for name, measured, ideal in rows:
        print(f"{name:<40}{measured:>22}   {ideal}")


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
    from live_mission.store.ads_facts import AdsFactsStore
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
    facts = AdsFactsStore(table)
    claims = Registrar(missions, registrations, StatisticsStore(table), ads, clock, SellerViewStore(table), facts)
    creator = AutoCreator(missions, registrations, ads, clock, facts)
    request = RegistrationRequest.model_validate(CLAIM)

    # The service's code prints its metrics as EMF lines (a Lambda's log) whenever 100 are buffered, whatever
    # POWERTOOLS_METRICS_DISABLED says: here they are not the bench's output.
    with ThreadPoolExecutor(8) as pool, Path(os.devnull).open("w") as nowhere, contextlib.redirect_stdout(nowhere):
        list(pool.map(lambda seller: claims.register("sweep", seller, request), sellers))
        stack.sandbox.state.add_fault("any", "error", 10**9)  # type: ignore[attr-defined]
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
    state.add_fault("any", "error", 0)  # the Ads platform answers again, keeping the app's quota
    with state.lock:
        state.throttled = 0
        state.accepted_per_second.clear()
    state.set_rate_limit({"requests_per_second": QUOTA})

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
    ceiling = allowance(QUOTA, Purpose.CREATE, within_a_second=True)  # creations starting later than 12 hours
    ideal = 2 * result.due / ceiling
    print(
        f"\n(e) Retry sweep: {result.due:,} registrations due after an Ads outage; quota {QUOTA}/s, "
        f"creations may fill {SHARES[Purpose.CREATE]:.0%} of each second ({ceiling}/s)\n"
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
