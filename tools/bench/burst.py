"""(c) A mega campaign's opening burst at TikTok's Basic tier, with the app's quota half spent elsewhere.

The fleet keeps its defaults (10 calls a second, 600 a minute, 864,000 a day: the template's), while the
Ads sandbox refuses (40100) beyond 10 a second, 300 a minute and 2,000 a UTC day: another system of the same
developer app uses the rest, which the fleet cannot see. BENCH_BURST_SELLERS (300) eligible sellers go
through the app's flow at once: eligibility, the campaign preview, the claim with the preview's id (16 app
threads; a 503 is tried again after its Retry-After, as the app does). In the middle of it one registered
seller opts out. The service's clock follows the wall during the app's flow; after it, it moves a minute at a
time until every registration has its campaign (retries after the platform's refusals are 15 minutes off, A8).

What it shows: how much the platform refused (at most 2 %: the fleet slows by itself on the platform's word),
that every claim was answered 201 or 503 with a Retry-After the retry then found right, the Ads calls a
seller made, and how soon the opt-out's campaign was off.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.support import CLAIM, eligible_seller, free_port, mission_body
from tools.local_stack.stack import LocalStack, start_local_stack

SELLERS = int(os.environ.get("BENCH_BURST_SELLERS", "300"))
SANDBOX_LIMITS = {"requests_per_second": 10, "requests_per_minute": 300, "requests_per_day": 2000}
APP_THREADS = 16
REFUSED_AT_MOST = 0.02
OPT_OUT_WITHIN_SECONDS = 10


@dataclass
class BurstResult:
    sellers: int
    seconds: float
    campaigns: int
    duplicates: int
    calls: Counter[str]
    received: int
    refused: int
    busiest_second: int
    busiest_minute: int
    refused_by: dict[str, int] = field(default_factory=dict)
    minutes: list[tuple[int, int]] = field(default_factory=list)  # each wall-clock minute: (accepted, refused)
    answers: Counter[str] = field(default_factory=Counter)
    retry_afters: list[float] = field(default_factory=list)
    refused_again: int = 0  # a retry after Retry-After that met the quota again
    opt_out_seconds: float | None = None
    clock_minutes: int = 0  # the service clock's minutes moved after the app's flow, for the retries


def auto_campaigns(stack: LocalStack) -> Counter[str]:
    """Campaigns the service created, by seller."""
    with stack.sandbox.state.lock:
        return Counter(c["seller_id"] for c in stack.sandbox.state.campaigns.values() if c["origin"] == "AUTO")


def burst(sellers: int = SELLERS) -> BurstResult:
    stack = start_local_stack(free_port(), free_port())
    api = stack.api_url
    http = requests.Session()
    operator = {"Authorization": f"Bearer {stack.authority.issue('ops', 'admin')}"}
    http.put(f"{api}/_local/clock", json={"now": "2026-02-09T02:00:00+07:00"}).raise_for_status()
    http.put(f"{api}/admin/missions/burst", json=mission_body(), headers=operator).raise_for_status()
    ids = [f"burst-{i:05d}" for i in range(sellers)]
    for seller in ids:
        stack.sandbox.state.put_seller(seller, eligible_seller(f"adv-{seller}"))
    tokens = {seller: stack.authority.issue(seller, None) for seller in ids}
    stack.sandbox.state.set_rate_limit(SANDBOX_LIMITS)
    result = BurstResult(sellers, 0.0, 0, 0, Counter(), 0, 0, 0, 0)
    lock, local = threading.Lock(), threading.local()
    registered: list[str] = []

    def ask(method: str, path: str, seller: str, body: Any = None) -> requests.Response:
        """As the app asks: a 503 is tried again after its Retry-After."""
        session = local.__dict__.setdefault("session", requests.Session())
        headers = {"Authorization": f"Bearer {tokens[seller]}"}
        told = False
        while True:
            response = session.request(method, f"{api}{path}", json=body, headers=headers, timeout=120)
            with lock:
                result.answers[f"{method} {path.rsplit('/', 1)[-1]} {response.status_code}"] += 1
                if told and response.status_code == 503:
                    result.refused_again += 1
            if response.status_code != 503:
                return response
            wait = float(response.headers["Retry-After"])
            with lock:
                result.retry_afters.append(wait)
            told = True
            time.sleep(wait)

    def flow(seller: str) -> None:
        assert ask("GET", "/missions/burst/eligibility", seller).json()["eligible"]
        preview = ask("GET", "/missions/burst/campaign-preview", seller).json()
        claim = ask("POST", "/missions/burst/registrations", seller, {**CLAIM, "preview_id": preview["preview_id"]})
        assert claim.status_code in (200, 201) and claim.json()["seller_id"] == seller, claim.text
        with lock:
            registered.append(seller)

    def opt_out_in_the_middle() -> None:
        while len(registered) < sellers * 0.4:
            time.sleep(0.2)
        seller = next(s for s in list(registered) if auto_campaigns(stack)[s])
        campaign = next(
            c for c in stack.sandbox.state.campaigns.values() if c["seller_id"] == seller and c["origin"] == "AUTO"
        )
        sent = time.monotonic()
        answer = ask("POST", "/missions/burst/auto-creation/opt-out", seller)
        assert answer.status_code == 200, answer.text
        while campaign["status"] != "DISABLE" and time.monotonic() - sent < 120:
            time.sleep(0.1)
        result.opt_out_seconds = time.monotonic() - sent

    def clock_follows_the_wall() -> None:
        """The service's clock stands still on the local stack unless moved; during the burst it follows the
        wall, so that the retry schedule fires every minute as it would."""
        followed = time.monotonic()
        while not flows_done.wait(1.0):
            now = time.monotonic()
            stack.dispatcher.advance(now - followed)
            followed = now

    started = time.monotonic()
    flows_done = threading.Event()
    ticker = threading.Thread(target=clock_follows_the_wall)
    ticker.start()
    opt_out = threading.Thread(target=opt_out_in_the_middle)
    opt_out.start()
    with ThreadPoolExecutor(APP_THREADS) as pool:
        list(pool.map(flow, ids))
    opt_out.join()
    flows_done.set()
    ticker.join()
    # An attempt the platform refused is retried 15 minutes later (A8), one the quota held back on the next minute
    # (Q3): from here on the clock moves a minute every two seconds, each minute's retry schedule fired on the way.
    while sum(auto_campaigns(stack).values()) < sellers and time.monotonic() - started < 1800:
        time.sleep(2.0)
        stack.dispatcher.advance(60)
        result.clock_minutes += 1
        print(f"\r  campaigns {sum(auto_campaigns(stack).values()):>5}/{sellers}", end="", file=sys.stderr)
    stack.dispatcher.drain()
    print(file=sys.stderr)
    result.seconds = time.monotonic() - started
    campaigns = auto_campaigns(stack)
    result.campaigns, result.duplicates = len(campaigns), sum(n - 1 for n in campaigns.values())
    report = stack.sandbox.state.rate_report()
    result.calls = Counter(stack.sandbox.state.calls)
    result.received, result.refused = sum(result.calls.values()), int(report["throttled"])
    result.busiest_second, result.busiest_minute = int(report["busiest_second"]), int(report["busiest_minute"])
    result.refused_by = dict(report["throttled_by"])
    state = stack.sandbox.state
    with state.lock:
        minutes = sorted(set(state.accepted_per_minute) | set(state.throttled_per_minute))
        result.minutes = [(state.accepted_per_minute[m], state.throttled_per_minute[m]) for m in minutes]
    stack.stop()
    return result


def print_burst(result: BurstResult) -> None:
    print(
        f"\n(c) Burst at TikTok's Basic tier with the app's quota half spent elsewhere: {result.sellers:,} sellers "
        f"through eligibility, preview and claim at once;\n    the fleet keeps 10/600/864,000, the platform refuses "
        f"beyond {SANDBOX_LIMITS['requests_per_second']}/{SANDBOX_LIMITS['requests_per_minute']}/"
        f"{SANDBOX_LIMITS['requests_per_day']:,}\n"
    )
    share = result.refused / max(result.received, 1)
    waits = sorted(result.retry_afters)
    rows = [
        ("campaigns created; sellers with two", f"{result.campaigns:,}; {result.duplicates}", f"{result.sellers:,}; 0"),
        ("calls the platform received", f"{result.received:,}", "-"),
        ("refused as too frequent (40100)", f"{result.refused} ({share:.1%})", f"at most {REFUSED_AT_MOST:.0%}"),
        ("  by the limit that refused", ", ".join(f"{w} {n}" for w, n in result.refused_by.items()), ""),
        ("  each minute: accepted/refused", " ".join(f"{a}/{r}" for a, r in result.minutes), ""),
        ("busiest second; busiest minute", f"{result.busiest_second}; {result.busiest_minute}", "10; 300"),
        ("Ads calls a seller (the whole flow)", f"{result.received / result.sellers:.2f}", "at most 3"),
        (
            "by operation, a seller",
            ", ".join(f"{k} {v / result.sellers:.2f}" for k, v in sorted(result.calls.items())),
            "",
        ),
        (
            "503s; Retry-After (median, max)",
            f"{len(waits)}; {waits[len(waits) // 2] if waits else 0:.0f} s, {waits[-1] if waits else 0:.0f} s",
            "the real wait: the next moment with room",
        ),
        (
            "retries refused again after waiting as told",
            f"{result.refused_again}",
            "apps told the same moment share its room",
        ),
        (
            "opt-out in the middle: campaign off after",
            f"{result.opt_out_seconds or 0:.1f} s",
            f"<= {OPT_OUT_WITHIN_SECONDS} s",
        ),
        (
            "first request to last campaign",
            f"{result.seconds:.0f} s, the clock then moved {result.clock_minutes} min",
            "-",
        ),
        ("answers", ", ".join(f"{k} {v}" for k, v in sorted(result.answers.items())), ""),
    ]
    print(f"{'figure':<46}{'measured':>30}   ideal")
    for name, measured, ideal in rows:
        print(f"{name:<46}{measured:>30}   {ideal}")
    assert result.campaigns == result.sellers and result.duplicates == 0, "the burst lost or doubled a campaign"
