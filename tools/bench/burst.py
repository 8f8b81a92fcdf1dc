"""A mega campaign's opening burst, through the whole local stack.

`sellers` eligible sellers claim the mission at once (8 app threads over HTTP, retrying a 503 after
its Retry-After as the app does), while the Ads sandbox refuses anything over `ADS_LIMIT` requests
per wall-clock second and the service's fleet quota (AdsQuotaPerSecond) is that same limit: two
containers each of registration and auto-creation, one each of eligibility and campaign status, all
leasing the one quota (live_mission/ads_quota.py). The burst is done when every registration has its
campaign: exactly one per seller, none twice. The scheduled retry runs (the clock moves a minute at a
time) only if an attempt was refused on the way.

The ideal is set by the Ads limit: every seller needs 4 Ads calls (account facts and the campaigns
listed for consent at the claim; list and create at auto-creation), so no design finishes faster than
4 x sellers / limit seconds.
"""

from __future__ import annotations

import os
import resource
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests

from live_mission.ads_quota import WINDOW_SECONDS
from tests.support import CLAIM, eligible_seller, free_port, mission_body
from tools.local_stack.stack import LocalStack, start_local_stack

# Requests per second the sandbox accepts, as TikTok limits an app, and the fleet quota the service keeps.
# Low on purpose: two cores run the emulator, the sandbox and every container, and reach about 40 Ads calls a
# second in all; a limit the stack cannot reach would measure the machine, not the quota.
ADS_LIMIT = 30
FLEET = "RegistrationConcurrency=2,AutoCreationConcurrency=2,EligibilityConcurrency=1,CampaignStatusConcurrency=1"
APP_THREADS = 8
ADS_CALLS_PER_SELLER = 4


@dataclass
class BurstResult:
    sellers: int
    seconds: float
    campaigns: int
    duplicates: int
    retried_claims: int
    throttled: int
    busiest_second: int
    ads_calls: int
    containers: dict[str, int]
    baseline_rss_mib: float
    peak_rss_mib: float
    minutes_of_retries: int
    quota_leases: int


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _bar(label: str, done: int, total: int, width: int = 30) -> str:
    filled = int(width * done / total) if total else width
    return f"{label} [{'#' * filled}{'.' * (width - filled)}] {done:>6}/{total}"


class _Progress:
    """One line, redrawn twice a second: claims answered, campaigns created, the Ads rate now."""

    def __init__(self, stack: LocalStack, sellers: int) -> None:
        self.stack = stack
        self.sellers = sellers
        self.claimed = 0
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> _Progress:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self._draw()
        print(file=sys.stderr)

    def claim_answered(self) -> None:
        with self.lock:
            self.claimed += 1

    def _draw(self) -> None:
        state = self.stack.sandbox.state
        with state.lock:
            created = sum(1 for c in state.campaigns.values() if c["origin"] == "AUTO")
            now = int(time.time())
            rate = state.accepted_per_second.get(now - 1, 0)
        line = f"\r  {_bar('claims', self.claimed, self.sellers)}  {_bar('campaigns', created, self.sellers)}"
        print(f"{line}  Ads {rate:>3}/s", end="", file=sys.stderr, flush=True)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self._draw()


def auto_campaigns(stack: LocalStack) -> Counter[str]:
    """Campaigns the service created, by seller (a seller with two is a broken A5)."""
    with stack.sandbox.state.lock:
        return Counter(c["seller_id"] for c in stack.sandbox.state.campaigns.values() if c["origin"] == "AUTO")


def quota_leases(stack: LocalStack) -> int:
    """The writes that leased the Ads quota (each window's counter counts its own)."""
    client = stack.moto.client("dynamodb")
    table = stack.lambdas.functions["registration"].spec.environment["MISSION_TABLE"]
    leases = 0
    for page in client.get_paginator("scan").paginate(
        TableName=table,
        FilterExpression="begins_with(pk, :quota)",
        ExpressionAttributeValues={":quota": {"S": "ADS_QUOTA#"}},
    ):
        leases += sum(int(item["leases"]["N"]) for item in page["Items"])
    return leases


def start_fleet(quota: int, fleet: str) -> LocalStack:
    """A local stack whose fleet keeps `quota` Ads calls a second with the given concurrencies."""
    os.environ["LOCAL_ADS_QUOTA_PER_SECOND"] = str(quota)
    os.environ["LOCAL_TEMPLATE_PARAMETERS"] = fleet
    try:
        return start_local_stack(free_port(), free_port())
    finally:
        del os.environ["LOCAL_ADS_QUOTA_PER_SECOND"], os.environ["LOCAL_TEMPLATE_PARAMETERS"]


def print_rows(rows: list[tuple[str, str, str]]) -> None:
    print(f"{'figure':<40}{'measured':>22}   ideal")
    for name, measured, ideal in rows:
        print(f"{name:<40}{measured:>22}   {ideal}")


def burst(sellers: int) -> BurstResult:
    stack = start_fleet(ADS_LIMIT, FLEET)
    api = stack.api_url
    stack.sandbox.state.rate_limit = ADS_LIMIT
    http = requests.Session()
    operator = {"Authorization": f"Bearer {stack.authority.issue('ops', 'admin')}"}
    http.put(f"{api}/_local/clock", json={"now": "2026-02-09T02:00:00+07:00"}).raise_for_status()
    http.put(f"{api}/admin/missions/burst", json=mission_body(), headers=operator).raise_for_status()
    ids = [f"burst-{i:05d}" for i in range(sellers)]
    for seller in ids:
        stack.sandbox.state.put_seller(seller, eligible_seller(f"adv-{seller}"))
    tokens = {seller: stack.authority.issue(seller, None) for seller in ids}
    baseline_rss = _rss_mib()

    local = threading.local()
    retried = Counter[str]()

    def claim(seller: str) -> None:
        session = local.__dict__.setdefault("session", requests.Session())
        headers = {"Authorization": f"Bearer {tokens[seller]}"}
        while True:
            response = session.post(f"{api}/missions/burst/registrations", json=CLAIM, headers=headers, timeout=60)
            if response.status_code != 503:
                break
            retried[seller] += 1  # the app waits as told, then claims again
            time.sleep(float(response.headers.get("Retry-After", "1")))
        assert response.status_code in (200, 201), response.text
        assert response.json()["seller_id"] == seller, "a claim was answered for another seller"
        progress.claim_answered()

    started = time.monotonic()
    minutes = 0
    with _Progress(stack, sellers) as progress:
        with ThreadPoolExecutor(APP_THREADS) as pool:
            list(pool.map(claim, ids))
        # The stream goes on delivering; wait until every registration has its campaign. If an
        # attempt was refused (it is then due for a retry), move the clock a minute to run the schedule.
        last_change, last_count = time.monotonic(), -1
        while (count := sum(auto_campaigns(stack).values())) < sellers:
            if count != last_count:
                last_change, last_count = time.monotonic(), count
            elif time.monotonic() - last_change > 5:
                stack.dispatcher.advance(60)
                minutes += 1
                if minutes > 24 * 60:
                    break
            time.sleep(0.2)
        stack.dispatcher.drain()
    seconds = time.monotonic() - started
    campaigns = auto_campaigns(stack)
    report = stack.sandbox.state.rate_report()
    containers = {f["name"]: len(f["containers"]) for f in stack.lambdas.report()["functions"]}
    leases = quota_leases(stack)
    stack.stop()
    return BurstResult(
        sellers=sellers,
        seconds=seconds,
        campaigns=len(campaigns),
        duplicates=sum(n - 1 for n in campaigns.values()),
        retried_claims=sum(retried.values()),
        throttled=int(report["throttled"]),
        busiest_second=int(report["busiest_second"]),
        ads_calls=sum(stack.sandbox.state.calls.values()),
        containers=containers,
        baseline_rss_mib=baseline_rss,
        peak_rss_mib=_rss_mib(),
        minutes_of_retries=minutes,
        quota_leases=leases,
    )


def print_burst(result: BurstResult) -> None:
    ideal = ADS_CALLS_PER_SELLER * result.sellers / ADS_LIMIT
    print(
        f"\n(c) Burst: {result.sellers:,} sellers claim at once; the Ads platform allows {ADS_LIMIT} requests/s, "
        f"the fleet's quota is the same\n"
    )
    rows = [
        ("campaigns created", f"{result.campaigns:,}", f"{result.sellers:,} (one per seller)"),
        ("sellers with two campaigns", f"{result.duplicates}", "0"),
        ("busiest second at the Ads platform", f"{result.busiest_second}", f"<= {ADS_LIMIT}"),
        (
            "pace: Ads calls a second, on average",
            f"{result.ads_calls / result.seconds:.1f}",
            f"{ADS_LIMIT} (ratio {result.ads_calls / result.seconds / ADS_LIMIT:.2f}; at least 0.9 asked)",
        ),
        (
            "containers that served the burst",
            f"{result.containers.get('registration', 0)} + {result.containers.get('auto_creation', 0)}",
            "registration + auto-creation, several each",
        ),
        ("Ads requests refused as too frequent", f"{result.throttled}", "0"),
        ("claims answered 503 and repeated", f"{result.retried_claims}", "0"),
        ("minutes of scheduled retries needed", f"{result.minutes_of_retries}", "0"),
        ("Ads calls per seller", f"{result.ads_calls / result.sellers:.2f}", f"{ADS_CALLS_PER_SELLER}"),
        (
            "quota leases (DynamoDB writes) per seller",
            f"{result.quota_leases / result.sellers:.2f}",
            f"{result.quota_leases:,} in all; 1 a container a {WINDOW_SECONDS} s window at the least",
        ),
        ("wall time, claim to last campaign", f"{result.seconds:.1f} s", f"{ideal:.1f} s (Ads limit bound)"),
        (
            "throughput",
            f"{result.sellers / result.seconds:.1f} sellers/s",
            f"{ADS_LIMIT / ADS_CALLS_PER_SELLER:.1f} sellers/s (ratio {ideal / result.seconds:.2f})",
        ),
        (
            "peak memory of the whole stack",
            f"{result.peak_rss_mib:.0f} MiB",
            f"{result.baseline_rss_mib:.0f} MiB before the burst (ratio "
            f"{result.peak_rss_mib / result.baseline_rss_mib:.2f})",
        ),
    ]
    print_rows(rows)
    assert result.campaigns == result.sellers and result.duplicates == 0, "the burst lost or doubled a campaign"
    assert result.busiest_second <= ADS_LIMIT, "the Ads limit was exceeded"
