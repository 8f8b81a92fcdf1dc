"""`make chaos`: CHAOS_SELLERS sellers (default 2,000) of every kind through a local stack that fails the
way AWS and TikTok fail, then every rule a seller would feel checked against what happened.

Part 1, registration and auto-creation: sellers of every kind (eligible, each blocker and their combinations,
an existing campaign, a withdrawn room, agency and several ad accounts, zones from Etc/GMT+8 to
Pacific/Chatham) claim in waves through a simulated day and a half, with concurrent duplicate claims,
opt-outs (also during an Ads outage), stops and withdrawals (also before the service recorded the
campaign), random Ads faults of every mode and a long outage, random DynamoDB and EventBridge faults, and
the clock moved past midnight in every zone. The fleet keeps an Ads quota (CHAOS_ADS_QUOTA, 20 a second, 800 a
minute, 400,000 a day) that the sandbox keeps too. A second mission then checks what must hold in later missions.

Part 2, progress and rewards: sessions and spend reports with copies, restatements (with and without the
sender's sequence), late and malformed deliveries inside and after the grace period, checked after each
phase against an independent model of the rules (truth.py).

Exits non-zero on any violation. CHAOS_SEED makes a run repeatable; CHAOS_API uses a running stack;
CHAOS_ADS_THROTTLES=0 injects no Ads throttle faults (see Chaos.throttles).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import requests

from tests.support import live_gmv_max_campaigns
from tools.chaos.truth import Arrival, MissionTruth, SellerTruth
from tools.local_stack.faults import APPLIED_WRITES

ZONES = [
    "Asia/Jakarta",
    "Etc/GMT+8",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "America/St_Johns",
    "Asia/Tokyo",
    "Europe/London",
    "America/Los_Angeles",
    "Australia/Adelaide",
    "UTC",
]
SETTLE_LIMIT_SECONDS = 3600
IMPATIENT_TRIES = 40
PATIENCE_SECONDS = 420  # a spent minute holds the fleet back for five minutes (TikTok's advice), then some
# Kinds of seller, by weight: what the Ads platform knows of them before they claim.
KINDS = {
    "eligible": 46,
    "agency": 6,
    "several_accounts": 6,
    "existing_campaign": 7,
    "withdrawn_before": 5,
    "blocked_permission": 3,
    "blocked_account": 3,
    "blocked_payment": 3,
    "blocked_permission_account": 2,
    "blocked_permission_payment": 2,
    "blocked_all": 2,
}
ADS_FAULT_OPERATIONS = ["create_campaign", "list_campaigns", "account_status", "update_campaign_status", "any"]
ADS_FAULT_MODES = ["error", "timeout", "throttle", "succeed_then_timeout"]
AWS_FAULTS = [
    ("dynamodb", "TransactWriteItems"),
    ("dynamodb", "PutItem"),
    ("dynamodb", "UpdateItem"),
    ("dynamodb", "GetItem"),
    ("dynamodb", "BatchGetItem"),
    ("dynamodb", "Query"),
    ("dynamodb", "any"),
    ("events", "PutEvents"),
]
START = datetime.fromisoformat("2026-02-09T06:00:00+00:00")
MISSION = {
    "name": "Chaos Mega Campaign LIVE Mission",
    "country": "ID",
    "currency": "IDR",
    "terms_version": "v1",
    "registration_opens_at": "2026-02-08T00:00:00+07:00",
    "registration_closes_at": "2026-02-20T00:00:00+07:00",
    "campaign_starts_at": "2026-02-09T00:00:00+07:00",
    "campaign_ends_at": "2026-02-14T00:00:00+07:00",
    "grace_period_days": 2,
    "goals": {"gmv": 1000000, "live_minutes": 600},
    "reward": {"type": "LIVE_VOUCHER", "value": 50000, "description": "Exclusive campaign LIVE voucher"},
}
CLAIM = {"accept_terms": True, "terms_version": "v1", "authorize_live_gmv_max": True}
TERMINAL = {"CREATED", "SKIPPED_EXISTING_CAMPAIGN", "SKIPPED_WITHDRAWN", "SKIPPED_STOPPED", "FAILED", "OPTED_OUT"}


@dataclass
class Seller:
    seller_id: str
    kind: str
    zone: str
    registered: bool = False
    refused: bool = False  # answered 422: told why it cannot claim
    opted_out: bool = False
    stopped: bool = False
    withdrawn: bool = False
    manual_campaign: str | None = None


@dataclass
class Violations:
    found: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    checked: Counter[str] = field(default_factory=Counter)

    def check(self, name: str, ok: bool, detail: str) -> None:
        self.checked[name] += 1
        if not ok:
            self.found[name].append(detail)

    @property
    def total(self) -> int:
        return sum(len(v) for v in self.found.values())


class Chaos:
    def __init__(
        self, api: str, sandbox: str, sellers: int, seed: int, ads_quota: dict[str, int] | None = None
    ) -> None:
        self.api, self.sandbox = api, sandbox
        # The fleet's quota (a second, a minute, a day), which the sandbox keeps too (None: a stack not ours)
        self.ads_quota = ads_quota
        self.random = random.Random(seed)
        # Ads throttle faults (40100): on sparse traffic the fleet rightly reads a few in a row as the app's
        # minute spent by other systems and holds back for TikTok's advised five minutes of wall-clock time,
        # which the app's last try waits out, while the simulated hours race by. CHAOS_ADS_THROTTLES=0
        # (make test's short run) leaves them to the sandbox's own rate limit, which the fleet keeps.
        self.throttles = os.environ.get("CHAOS_ADS_THROTTLES", "1") != "0"
        self.sellers_wanted = sellers
        self.local = threading.local()
        self.pool = ThreadPoolExecutor(max_workers=16)
        self.tokens: dict[str, str] = {}
        self.violations = Violations()
        self.answers: Counter[str] = Counter()
        self.mission_id = f"chaos-{seed}-{int(time.time())}"
        self.later_mission_id = f"{self.mission_id}-later"
        self.sellers: list[Seller] = []
        self.events: list[dict[str, Any]] = []
        self.truth: dict[str, SellerTruth] = {}
        self.lap = time.monotonic()
        # What the local stack gave up on (dead letters, by function and error), and whose they were: not
        # violations (under faults they are expected, and the retry index is the safety net), but the first
        # thing to read when a check finds a registration that nothing worked on.
        self.dead_letters: Counter[str] = Counter()
        self.dead_lettered: set[tuple[str, str]] = set()  # (function, seller_id)
        self.stack_failures: list[Any] = []

    # --- plumbing -----------------------------------------------------------------------------

    @property
    def http(self) -> requests.Session:
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        session: requests.Session = self.local.session
        return session

    def control(
        self, method: str, path: str, body: Any = None, *, base: str | None = None, timeout: float = 600
    ) -> Any:
        response = self.http.request(method, f"{base or self.api}{path}", json=body, timeout=timeout)
        response.raise_for_status()
        return response.json()

    def sandbox_control(self, method: str, path: str, body: Any = None) -> Any:
        return self.control(method, path, body, base=self.sandbox)

    def token(self, subject: str, role: str | None = None) -> str:
        key = f"{subject}/{role}"
        if key not in self.tokens:
            query = {"sub": subject, **({"role": role} if role else {})}
            self.tokens[key] = self.http.get(f"{self.api}/_local/token", params=query, timeout=30).json()["token"]
        return self.tokens[key]

    def call(
        self, method: str, path: str, seller: str | None = None, body: Any = None, *, patient: bool = False
    ) -> requests.Response:
        """A request as the app makes it: a 503 is tried again after its Retry-After, a few times on the
        simulated clock's scale; `patient`, as a seller who comes back later: after the real wait (the Ads
        quota's windows are wall-clock), for up to PATIENCE_SECONDS."""
        headers = {"Authorization": f"Bearer {self.token(seller) if seller else self.token('chaos-ops', 'admin')}"}
        give_up_at = time.monotonic() + PATIENCE_SECONDS
        for attempt in itertools.count(1):
            response = self.http.request(method, f"{self.api}{path}", json=body, headers=headers, timeout=120)
            self.answers[str(response.status_code)] += 1
            server_error = response.status_code >= 500
            retry_after = response.headers.get("Retry-After")
            self.violations.check(
                "no 5xx except 503 with Retry-After",
                not server_error or (response.status_code == 503 and bool(retry_after)),
                f"{method} {path}: {response.status_code} {response.text[:200]}",
            )
            given_up = time.monotonic() > give_up_at if patient else attempt >= IMPATIENT_TRIES
            if response.status_code != 503 or given_up:
                break
            wait = float(retry_after or 1)
            time.sleep(min(wait, 30.0) if patient else min(wait, 2) / 20)  # the clock here is simulated
        if seller and response.status_code in (200, 201) and "seller_id" in response.text[:2000]:
            answered_for = response.json().get("seller_id")
            self.violations.check(
                "every answer about its own seller",
                answered_for in (None, seller),
                f"{seller} was answered about {answered_for}",
            )
        return response

    def parallel(self, work: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        return list(self.pool.map(work, list(items)))

    def advance(self, seconds: float) -> None:
        # A long move fires every schedule on the way, each drained: with 10,000 sellers the move through
        # the grace period's end (the final pass) outlasted ten minutes.
        self.control("POST", "/_local/clock/advance", {"seconds": seconds}, timeout=SETTLE_LIMIT_SECONDS)

    def drain(self) -> None:
        """Until the stack is idle. Each /_local/drain gives up after three minutes, so it is asked again
        while work remains: a phase is checked only once everything it caused has run."""
        started = time.monotonic()
        settled = False
        while not settled and time.monotonic() - started < SETTLE_LIMIT_SECONDS:
            answer = self.control("POST", "/_local/drain")
            settled, self.stack_failures = bool(answer["drained"]), answer.get("failures", [])
            denied = answer.get("denied", [])
            self.violations.check("no table request is refused by its function's role", not denied, str(denied[-1:]))
        waited = time.monotonic() - started
        self.violations.check(
            "the stack settles within an hour of each phase", settled, f"still busy after {waited:.0f} s"
        )

    def read_dead_letters(self) -> None:
        for function, letters in self.control("GET", "/_local/dead-letters")["dead_letters"].items():
            for letter in letters:
                error = str((letter.get("responsePayload") or {}).get("errorMessage", ""))[:100]
                self.dead_letters[f"{function}: {error}"] += 1
                payload = letter.get("requestPayload") or {}
                seller = (payload.get("detail") or {}).get("seller_id") if isinstance(payload, dict) else None
                if seller:
                    self.dead_lettered.add((function, str(seller)))

    def put_events(self, entries: list[dict[str, Any]]) -> None:
        for start in range(0, len(entries), 50):
            self.control("POST", "/_local/events", {"entries": entries[start : start + 50]})

    def read_events(self) -> None:
        self.events.extend(self.control("GET", "/_local/events")["events"])

    def timed(self, label: str) -> None:
        now = time.monotonic()
        print(f"  ({label}: {now - self.lap:.0f} s)")
        self.lap = now

    def progress_bar(self, label: str, done: int, total: int) -> None:
        filled = int(30 * done / total) if total else 30
        sys.stdout.write(f"\r  {label:<44} [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}")
        sys.stdout.flush()
        if done >= total:
            sys.stdout.write("\n")

    # --- faults -------------------------------------------------------------------------------

    def random_faults(self) -> None:
        modes = ADS_FAULT_MODES if self.throttles else [m for m in ADS_FAULT_MODES if m != "throttle"]
        for _ in range(self.random.randint(1, 3)):
            self.sandbox_control(
                "POST",
                "/_sandbox/faults",
                {
                    "operation": self.random.choice(ADS_FAULT_OPERATIONS),
                    "mode": self.random.choice(modes),
                    "count": self.random.randint(3, max(4, len(self.sellers) // 40)),
                },
            )
        service, operation = self.random.choice(AWS_FAULTS)
        modes = ["throttle", "error"] + (["conflict"] if service == "dynamodb" else [])
        if operation in APPLIED_WRITES or operation == "any":
            modes.append("applied_then_error")  # a write applied whose answer was lost
        self.control(
            "POST",
            "/_local/faults",
            {
                "service": service,
                "operation": operation,
                "mode": self.random.choice(modes),
                "count": self.random.randint(2, 8),
            },
        )

    def clear_faults(self) -> None:
        for operation in [*ADS_FAULT_OPERATIONS, "advertiser_info", "bid_recommend"]:
            self.sandbox_control("POST", "/_sandbox/faults", {"operation": operation, "mode": "error", "count": 0})
        for service, operation in AWS_FAULTS:
            self.control(
                "POST", "/_local/faults", {"service": service, "operation": operation, "mode": "error", "count": 0}
            )

    # --- part 1: registration and auto-creation -------------------------------------------------

    def seed_sellers(self) -> None:
        # Every kind at least once (a short run proves every kind's rules too), the rest by their weights.
        every = list(KINDS)[: self.sellers_wanted]
        rest = self.random.choices(list(KINDS), weights=list(KINDS.values()), k=self.sellers_wanted - len(every))
        kinds = every + rest
        self.random.shuffle(kinds)
        for number, kind in enumerate(kinds):
            seller = Seller(f"{self.mission_id}-s{number:05d}", kind, self.random.choice(ZONES))
            self.sellers.append(seller)

        def put(seller: Seller) -> None:
            state = self.ads_state(seller)
            self.sandbox_control("PUT", f"/_sandbox/sellers/{seller.seller_id}", state)
            self.token(seller.seller_id)
            if seller.kind == "withdrawn_before":
                self.status_event(seller, str(seller.manual_campaign), "LIVEROOM_WITHDRAWN", START - timedelta(hours=1))

        self.parallel(put, self.sellers)
        self.drain()

    def ads_state(self, seller: Seller) -> dict[str, Any]:
        def account(advertiser_id: str, **overrides: Any) -> dict[str, Any]:
            return {
                "advertiser_id": advertiser_id,
                "status": "STATUS_ENABLE",
                "owner": "SELLER",
                "payment_ready": True,
                "timezone": seller.zone,
                "currency": "IDR",
                **overrides,
            }

        own = f"adv-{seller.seller_id}"
        accounts = [account(own)]
        permission = True
        if seller.kind == "agency":
            accounts = [account(f"agency-{seller.seller_id}", owner="AGENCY")]
        elif seller.kind == "several_accounts":
            accounts = [
                account(own, status="STATUS_DISABLE"),
                account(f"{own}-2"),
                account(f"agency-{seller.seller_id}", owner="AGENCY"),
            ]
        if "permission" in seller.kind or seller.kind == "blocked_all":
            permission = False
        if ("account" in seller.kind and seller.kind != "several_accounts") or seller.kind == "blocked_all":
            accounts = [account(own, status="STATUS_DISABLE")]
        if "payment" in seller.kind or seller.kind == "blocked_all":
            accounts = [{**a, "payment_ready": False} for a in accounts]
        campaigns = []
        if seller.kind in ("existing_campaign", "withdrawn_before"):
            seller.manual_campaign = f"manual-{seller.seller_id}"
            status = "ENABLE" if seller.kind == "existing_campaign" else "DISABLE"
            campaigns = [
                {"campaign_id": seller.manual_campaign, "advertiser_id": accounts[0]["advertiser_id"], "status": status}
            ]
        return {
            "store_id": f"store-{seller.seller_id}",
            "identity_id": f"tt-{seller.seller_id}",
            "country": "ID",
            "industry": self.random.choice(["beauty", "fashion", "food"]),
            "official_account": self.random.random() < 0.3,
            "ads_permission": permission,
            "ad_accounts": accounts,
            "avg_daily_spend_14d": self.random.choice([None, 0, 50000, 150000, 2_000_000]),
            "campaigns": campaigns,
        }

    def status_event(self, seller: Seller, campaign_id: str, status: str, at: datetime) -> None:
        advertiser = self.sandbox_control("GET", f"/_sandbox/sellers/{seller.seller_id}")["ad_accounts"]
        self.put_events(
            [
                {
                    "Source": "ads.gmvmax",
                    "DetailType": "CampaignStatusChanged",
                    "Detail": json.dumps(
                        {
                            "seller_id": seller.seller_id,
                            "advertiser_id": advertiser[0]["advertiser_id"] if advertiser else "none",
                            "campaign_id": campaign_id,
                            "status": status,
                            "changed_at": at.isoformat(),
                        }
                    ),
                }
            ]
        )

    def claim_wave(self, wave: list[Seller], mission_id: str, *, patient: bool = False) -> None:
        """Each seller claims one to three times at once, as a double tap in the app would."""
        taps = [s for s in wave for _ in range(self.random.randint(1, 3))]
        self.random.shuffle(taps)

        def claim(seller: Seller) -> None:
            response = self.call(
                "POST", f"/missions/{mission_id}/registrations", seller.seller_id, CLAIM, patient=patient
            )
            if response.status_code in (200, 201):
                seller.registered = True
            seller.refused |= response.status_code == 422
            blocked = seller.kind.startswith("blocked")
            # A 503 decides nothing (the Ads platform could not be asked): the app tries again later, and the
            # checks after the last wave hold every seller to a decision.
            self.violations.check(
                "blocked sellers are refused, others registered",
                response.status_code == 503
                or (((response.status_code == 422) == blocked) and response.status_code in (200, 201, 422)),
                f"{seller.seller_id} ({seller.kind}): {response.status_code} {response.text[:160]}",
            )

        self.parallel(claim, taps)

    def opt_out(self, seller: Seller) -> None:
        response = self.call("POST", f"/missions/{self.mission_id}/auto-creation/opt-out", seller.seller_id)
        if response.status_code == 200:
            seller.opted_out = True
        self.violations.check(
            "an opt-out is recorded at once, whatever the Ads platform does",
            response.status_code == 200 and response.json()["auto_creation"]["status"] == "OPTED_OUT",
            f"{seller.seller_id}: {response.status_code} {response.text[:160]}",
        )

    def auto_campaigns(self, seller: Seller) -> list[dict[str, Any]]:
        found = self.sandbox_control("GET", f"/_sandbox/campaigns?seller_id={seller.seller_id}")["campaigns"]
        return [c for c in found if c["origin"] == "AUTO"]

    def stop_or_withdraw(self, seller: Seller, now: datetime) -> None:
        """A stop or withdrawal on the seller's auto-created campaign, recorded by the service or not yet."""
        campaigns = self.auto_campaigns(seller)
        if not campaigns:
            return
        campaign = campaigns[0]
        if self.random.random() < 0.5:
            self.sandbox_control("POST", f"/_sandbox/campaigns/{campaign['campaign_id']}/status", {"status": "DISABLE"})
            self.status_event(seller, campaign["campaign_id"], "AUTHORIZATION_CANCELED", now)
            seller.stopped = True
        else:
            self.status_event(seller, campaign["campaign_id"], "LIVEROOM_WITHDRAWN", now)
            seller.withdrawn = True

    def part_one(self) -> None:
        self.control("PUT", "/_local/clock", {"now": START.isoformat()})
        if self.ads_quota:
            self.sandbox_control("PUT", "/_sandbox/rate-limit", self.ads_quota)
        self.call("PUT", f"/admin/missions/{self.mission_id}", None, MISSION)
        self.seed_sellers()
        print(f"Part 1: {len(self.sellers)} sellers claim in waves through a day and a half, under faults")
        order = list(self.sellers)
        self.random.shuffle(order)
        waves = [order[i::12] for i in range(12)]  # every 2 hours for a day: each zone's midnight comes by
        now = START
        for number, wave in enumerate(waves):
            self.progress_bar("claims, faults, opt-outs, stops, clock moves", number, len(waves))
            self.random_faults()
            self.claim_wave(wave, self.mission_id)
            registered = [s for s in self.sellers if s.registered and not s.opted_out]
            outage = number == 5
            if outage:  # a long Ads outage, with sellers opting out in the middle of it
                self.sandbox_control("POST", "/_sandbox/faults", {"operation": "any", "mode": "error", "count": 10**7})
            for seller in self.random.sample(registered, k=min(len(registered), max(1, len(wave) // 20))):
                self.opt_out(seller)
            candidates = [s for s in registered if not s.opted_out and not s.stopped and not s.withdrawn]
            for seller in self.random.sample(candidates, k=min(len(candidates), max(1, len(wave) // 25))):
                self.stop_or_withdraw(seller, now)
            self.advance(3 * 3600 if outage else 2 * 3600)
            now += timedelta(hours=3 if outage else 2)
            if outage:
                self.sandbox_control("POST", "/_sandbox/faults", {"operation": "any", "mode": "error", "count": 0})
        self.progress_bar("claims, faults, opt-outs, stops, clock moves", len(waves), len(waves))
        self.timed("waves")
        self.clear_faults()
        turned_away = [s for s in self.sellers if not s.registered and not s.refused]
        # The app tries again later for those a fault turned away, and waits as long as Retry-After says: the
        # fleet may have found the app's minute spent by others (the sandbox's throttle faults) and be holding
        # back for TikTok's advised five minutes.
        self.claim_wave(turned_away, self.mission_id, patient=True)
        for seller in self.sellers:
            if seller.kind.startswith("blocked"):
                self.violations.check("every blocked seller is told why", seller.refused, seller.seller_id)
        print("  the Ads platform answers again; the clock moves past midnight in every zone")
        self.advance(25 * 3600)
        self.drain()
        self.timed("settling")
        self.check_part_one()
        self.timed("checks")

    def check_part_one(self) -> None:
        print("  checking every seller")
        v = self.violations
        if self.ads_quota:
            rate, quota = self.sandbox_control("GET", "/_sandbox/rate-limit"), self.ads_quota
            v.check(
                "the fleet kept its Ads quota: nothing refused as too frequent",
                rate["throttled"] == 0
                and rate["busiest_second"] <= quota["requests_per_second"]
                and rate["busiest_minute"] <= quota["requests_per_minute"],
                f"quota {quota}: {rate}",
            )
            print(
                f"  Ads quota {quota['requests_per_second']}/s, {quota['requests_per_minute']}/min, "
                f"{quota['requests_per_day']}/day: busiest second {rate['busiest_second']}, busiest minute "
                f"{rate['busiest_minute']}, refused as too frequent {rate['throttled']}"
            )
        registrations: dict[str, dict[str, Any]] = {}

        def read(seller: Seller) -> tuple[Seller, requests.Response, list[dict[str, Any]]]:
            return (
                seller,
                self.call("GET", f"/missions/{self.mission_id}/registration", seller.seller_id),
                self.auto_campaigns(seller),
            )

        for seller, response, campaigns in self.parallel(read, self.sellers):
            mine = [c for c in campaigns if f"Mission {self.mission_id} #" in c["campaign_name"]]
            v.check("at most one auto-created campaign per seller", len(mine) <= 1, f"{seller.seller_id}: {len(mine)}")
            if seller.kind.startswith("blocked"):
                v.check(
                    "a blocked seller writes nothing",
                    response.status_code == 404,
                    f"{seller.seller_id}: {response.status_code}",
                )
                v.check("no campaign where A2-A4 and A10 say none", not mine, f"{seller.seller_id} ({seller.kind})")
                continue
            v.check(
                "every eligible seller is registered",
                response.status_code == 200,
                f"{seller.seller_id}: {response.text[:120]}",
            )
            if response.status_code != 200:
                continue
            registration = response.json()
            registrations[seller.seller_id] = registration
            state = registration["auto_creation"]
            v.check(
                "every registration ends with a status and a reason",
                state["status"] in TERMINAL and bool(state["reason"]),
                f"{seller.seller_id}: {state['status']}",
            )
            if seller.kind == "existing_campaign" and not seller.opted_out:  # A10 decides before A2
                v.check(
                    "A2: an active campaign is kept, none created",
                    state["status"] == "SKIPPED_EXISTING_CAMPAIGN" and not mine,
                    f"{seller.seller_id}: {state['status']}, {len(mine)}",
                )
            if seller.kind == "withdrawn_before" and not seller.opted_out:  # A10 decides before A3
                v.check(
                    "A3: a withdrawn room gets no campaign",
                    state["status"] == "SKIPPED_WITHDRAWN" and not mine,
                    f"{seller.seller_id}: {state['status']}",
                )
            if seller.opted_out:
                v.check(
                    "A10: no enabled campaign for an opted-out seller",
                    all(c["status"] != "ENABLE" for c in mine),
                    f"{seller.seller_id}: {[c['status'] for c in mine]}",
                )
                v.check(
                    "A10: the opt-out holds", state["status"] == "OPTED_OUT", f"{seller.seller_id}: {state['status']}"
                )
            if state["status"] == "FAILED":
                v.check(
                    "no FAILED seller with a running auto-created campaign",
                    all(c["status"] != "ENABLE" for c in mine),
                    f"{seller.seller_id}",
                )
            if state["status"] == "CREATED":
                v.check(
                    "CREATED names the campaign the Ads platform has",
                    bool(mine) and state["campaign"]["campaign_id"] == mine[0]["campaign_id"],
                    f"{seller.seller_id}",
                )
            if mine and state["status"] not in ("CREATED", "OPTED_OUT"):
                v.check(
                    "a campaign the service created is never hidden",
                    False,
                    f"{seller.seller_id}: {state['status']} with {mine[0]['campaign_id']}",
                )
            plan = registration["consent"]["campaign"]
            if state["status"] == "CREATED" and plan:
                registered_local = datetime.fromisoformat(registration["registered_at"]).astimezone(
                    ZoneInfo(seller.zone)
                )
                starts = datetime.fromisoformat(plan["start_time_local"])
                v.check(
                    "A6: live at 08:00 on the next local day",
                    (starts.hour, starts.minute) == (8, 0)
                    and starts.date() == registered_local.date() + timedelta(days=1),
                    f"{seller.seller_id} ({seller.zone}): registered {registered_local}, starts {starts}",
                )
                utc = datetime.fromisoformat(plan["start_time_utc"]).strftime("%Y-%m-%d %H:%M:%S")
                v.check(
                    "A6: the campaign created is the one consented to",
                    mine[0]["request"]["schedule_start_time"] == utc,
                    f"{seller.seller_id}",
                )
        report = self.call("GET", f"/admin/missions/{self.mission_id}/report").json()
        statuses = Counter(r["auto_creation"]["status"] for r in registrations.values())
        v.check(
            "the report counts every registration",
            report["registrations"] == len(registrations),
            f"report {report['registrations']}, found {len(registrations)}",
        )
        for status, count in report["auto_creation"].items():
            v.check(
                "the report's statuses equal the registrations'",
                count == statuses.get(status, 0),
                f"{status}: report {count}, found {statuses.get(status, 0)}",
            )
        self.later_mission()

    def later_mission(self) -> None:
        """A3, A4, A10 are facts about the seller: they hold in the next mission."""
        self.call("PUT", f"/admin/missions/{self.later_mission_id}", None, MISSION)
        concerned = [
            s
            for s in self.sellers
            if s.registered and (s.opted_out or s.stopped or s.withdrawn or s.kind == "withdrawn_before")
        ]
        before = {s.seller_id: len(self.auto_campaigns(s)) for s in concerned}
        self.claim_wave(concerned, self.later_mission_id)
        self.drain()
        self.read_dead_letters()
        for seller in concerned:
            state = self.call("GET", f"/missions/{self.later_mission_id}/registration", seller.seller_id).json()[
                "auto_creation"
            ]
            self.violations.check(
                "A3, A4, A10 hold in every later mission",
                state["status"] in ("OPTED_OUT", "SKIPPED_WITHDRAWN", "SKIPPED_STOPPED")
                and len(self.auto_campaigns(seller)) == before[seller.seller_id],
                f"{seller.seller_id} (opted out {seller.opted_out}, stopped {seller.stopped}, "
                f"withdrawn {seller.withdrawn}): {state['status']}; a dead letter of theirs from "
                f"{sorted(f for f, s in self.dead_lettered if s == seller.seller_id) or 'no function'}",
            )

    # --- part 2: progress and rewards -----------------------------------------------------------

    def part_two(self) -> None:
        registered = [s for s in self.sellers if s.registered]
        print(f"Part 2: activity for {len(registered)} sellers: copies, restatements, late and malformed events")
        mission = MissionTruth(
            starts_at=datetime.fromisoformat(MISSION["campaign_starts_at"]),  # type: ignore[arg-type]
            ends_at=datetime.fromisoformat(MISSION["campaign_ends_at"]),  # type: ignore[arg-type]
            grace_days=int(MISSION["grace_period_days"]),  # type: ignore[call-overload]
        )
        self.truth = {s.seller_id: SellerTruth() for s in registered}
        plans = {s.seller_id: self.activity_plan(s, mission) for s in registered}
        phases = [
            ("in the campaign period: sessions, spend, copies", "2026-02-12T12:00:00+07:00", "first"),
            ("restatements, some lowering a figure; malformed events", "2026-02-13T12:00:00+07:00", "restate"),
            ("in the grace period: late spend and sessions", "2026-02-15T12:00:00+07:00", "grace"),
            ("after the grace period: copies and restatements", None, "after"),
        ]
        for label, clock, phase in phases:
            if clock:
                self.control("PUT", "/_local/clock", {"now": clock})
            else:  # through the grace period's end: the final pass runs on the way
                now = datetime.fromisoformat(self.control("GET", "/_local/clock")["now"])
                self.advance((mission.grace_ends_at - now).total_seconds() + 1800)
                for truth in self.truth.values():
                    truth.evaluate(mission, mission.grace_ends_at)
            now = datetime.fromisoformat(self.control("GET", "/_local/clock")["now"])
            entries: list[dict[str, Any]] = []
            for seller_id, plan in plans.items():
                for entry, arrival in plan.get(phase, []):
                    entries.append(entry)
                    if arrival is not None:
                        self.truth[seller_id].add(Arrival(**{**arrival.__dict__, "arrived_at": now}))
            self.random.shuffle(entries)
            self.put_events(entries)
            self.timed(f"{phase}: {len(entries)} events put")
            self.drain()
            self.timed(f"{phase}: drained")
            for truth in self.truth.values():
                truth.evaluate(mission, now)
            self.check_progress(label, mission, registered)
            self.timed(phase)

    def activity_plan(
        self, seller: Seller, mission: MissionTruth
    ) -> dict[str, list[tuple[dict[str, Any], Arrival | None]]]:
        """What upstream sends about one seller, phase by phase: increases first, lowering restatements
        apart (so no delivery order within a phase can show a state the phase's end does not)."""
        rnd = self.random
        plan: dict[str, list[tuple[dict[str, Any], Arrival | None]]] = defaultdict(list)
        # Sessions end before the phase that reports them (upstream reports a session once it ended, W7).
        start = mission.starts_at + timedelta(hours=rnd.randint(1, 48))
        sessions = []
        for n in range(rnd.randint(0, 3)):
            begins = start + timedelta(hours=8 * n) - (timedelta(days=3) if rnd.random() < 0.05 else timedelta(0))
            minutes = rnd.choice([30, 120, 300, 600])
            gmv = Decimal(rnd.choice([50_000, 400_000, 1_000_000, 1_500_000]))
            currency = "USD" if rnd.random() < 0.05 else "IDR"
            sessions.append((f"{seller.seller_id}-L{n}", begins, minutes, gmv, currency))
        use_sequence = rnd.random() < 0.5
        for session_id, begins, minutes, gmv, currency in sessions:
            phase = "grace" if rnd.random() < 0.1 else "first"
            entry, arrival = self.session(
                seller, session_id, begins, minutes, gmv, currency, 1 if use_sequence else None
            )
            plan[phase] += [(entry, arrival)] * rnd.randint(1, 2)  # sometimes twice at once
            if rnd.random() < 0.3:
                plan["after"].append((entry, None))  # a copy long after: changes nothing
            if phase == "first" and rnd.random() < 0.2:  # a restatement lowering the GMV of one that arrived
                lower, arrival = self.session(
                    seller, session_id, begins, minutes, gmv / 2, currency, 2 if use_sequence else None
                )
                plan["restate"].append((lower, arrival))
            if rnd.random() < 0.1:  # a restatement after the grace period: never counts
                late, _ = self.session(
                    seller, session_id, begins, minutes, Decimal(0), currency, 3 if use_sequence else None
                )
                plan["after"].append((late, None))
        if not seller.withdrawn and rnd.random() < 0.7:  # a withdrawn room has no LIVE GMV Max spend (W2)
            # On the seller's LIVE GMV Max campaign (the one created for them, else their own); a seller with
            # none has spend reported on a campaign that is not theirs, which never counts (W7).
            on = self.spent_on(seller) if rnd.random() < 0.95 else None
            counts = on is not None
            on = on or (f"not-{seller.seller_id}", f"adv-{seller.seller_id}")
            report_id = f"{seller.seller_id}-P"
            day = (mission.starts_at + timedelta(days=rnd.randint(0, 4))).date()
            phase = "grace" if rnd.random() < 0.15 else "first"
            entry, arrival = self.spend(
                seller, on, report_id, day, Decimal(rnd.choice([0, 500, 25000])), 1 if use_sequence else None
            )
            plan[phase].append((entry, arrival if counts else None))
            if counts and phase == "first" and rnd.random() < 0.2:
                lower, arrival = self.spend(seller, on, report_id, day, Decimal(0), 2 if use_sequence else None)
                plan["restate"].append((lower, arrival))
            if rnd.random() < 0.2:
                plan["after"].append(
                    (self.spend(seller, on, report_id, day, Decimal(0), 3 if use_sequence else None)[0], None)
                )
        if rnd.random() < 0.05:  # malformed: refused before anything is written
            bad = {"session_id": "x", "seller_id": seller.seller_id, "gmv": -5}
            plan["restate"].append(
                ({"Source": "shop.live", "DetailType": "LiveSessionEnded", "Detail": json.dumps(bad)}, None)
            )
        return plan

    def session(
        self,
        seller: Seller,
        session_id: str,
        begins: datetime,
        minutes: int,
        gmv: Decimal,
        currency: str,
        sequence: int | None,
    ) -> tuple[dict[str, Any], Arrival]:
        ends = begins + timedelta(minutes=minutes)
        detail: dict[str, Any] = {
            "session_id": session_id,
            "seller_id": seller.seller_id,
            "room_id": f"room-{seller.seller_id}",
            "started_at": begins.isoformat(),
            "ended_at": ends.isoformat(),
            "gmv": float(gmv),
            "currency": currency,
        }
        if sequence is not None:
            detail["sequence"] = sequence
        arrival = Arrival(
            "session", session_id, (begins, ends, gmv, currency, sequence), START, sequence, begins, ends, gmv, currency
        )
        return {"Source": "shop.live", "DetailType": "LiveSessionEnded", "Detail": json.dumps(detail)}, arrival

    def spent_on(self, seller: Seller) -> tuple[str, str] | None:
        """The seller's LIVE GMV Max campaign and its advertiser, as the Ads platform has them: the one created
        for them, else their own; None when they have none."""
        campaigns = self.sandbox_control("GET", f"/_sandbox/campaigns?seller_id={seller.seller_id}")
        mine = live_gmv_max_campaigns(campaigns["campaigns"])
        return (mine[0]["campaign_id"], mine[0]["advertiser_id"]) if mine else None

    def spend(
        self, seller: Seller, on: tuple[str, str], report_id: str, day: date, spend: Decimal, sequence: int | None
    ) -> tuple[dict[str, Any], Arrival]:
        campaign_id, advertiser_id = on
        detail: dict[str, Any] = {
            "report_id": report_id,
            "seller_id": seller.seller_id,
            "advertiser_id": advertiser_id,
            "campaign_id": campaign_id,
            "date": day.isoformat(),
            "spend": float(spend),
            "currency": "IDR",
        }
        if sequence is not None:
            detail["sequence"] = sequence
        arrival = Arrival("spend", report_id, (spend, sequence, day), START, sequence, day=day, spend=spend)
        return {"Source": "ads.gmvmax", "DetailType": "SpendReported", "Detail": json.dumps(detail)}, arrival

    def check_progress(self, phase: str, mission: MissionTruth, registered: list[Seller]) -> None:
        v = self.violations
        self.read_events()
        granted_events: dict[str, set[str]] = defaultdict(set)
        for event in self.events:
            if event["detail-type"] == "RewardGranted" and event["detail"].get("mission_id") == self.mission_id:
                granted_events[event["detail"]["seller_id"]].add(event["detail"]["event_id"])

        def read(seller: Seller) -> tuple[Seller, dict[str, Any], dict[str, Any]]:
            progress = self.call("GET", f"/missions/{self.mission_id}/progress", seller.seller_id).json()
            return seller, progress, self.call("GET", "/rewards", seller.seller_id).json()

        statuses: Counter[str] = Counter()
        for seller, progress, rewards in self.parallel(read, registered):
            truth = self.truth[seller.seller_id]
            gmv, minutes, spend = truth.figures(mission)
            achieved = {r["code"]: Decimal(str(r["achieved"])) for r in progress["requirements"]}
            expected = truth.status(mission)
            statuses[expected] += 1
            where = f"{phase}: {seller.seller_id}"
            v.check(
                "progress figures equal the ground truth",
                achieved == {"GMV": gmv, "LIVE_MINUTES": minutes, "GMV_MAX_SPEND": spend},
                f"{where}: {achieved} != {(gmv, minutes, spend)}",
            )
            v.check(
                "reward status equals the ground truth",
                progress["reward"]["status"] == expected,
                f"{where}: {progress['reward']['status']} != {expected}",
            )
            mine = [r for r in rewards["rewards"] if r["mission_id"] == self.mission_id]
            v.check(
                "GET /rewards holds exactly the vouchers granted",
                len(mine) == (1 if expected == "GRANTED" else 0),
                f"{where}: {len(mine)}",
            )
            ids = granted_events.get(seller.seller_id, set())
            v.check(
                "RewardGranted went out, once per voucher (one event_id)",
                len(ids) == (1 if expected == "GRANTED" else 0),
                f"{where}: {len(ids)}",
            )
        report = self.call("GET", f"/admin/missions/{self.mission_id}/report").json()["rewards"]
        wanted = {"granted": statuses["GRANTED"], "held": statuses["HELD"], "not_yet": statuses["NOT_YET"]}
        v.check("the report agrees with progress", report == wanted, f"{phase}: report {report}, progress {wanted}")
        print(f"  {phase:<58} granted {wanted['granted']:>5}, held {wanted['held']:>5}, not yet {wanted['not_yet']:>5}")

    # --- the verdict ----------------------------------------------------------------------------

    def table(self, seconds: float) -> None:
        v = self.violations
        kinds = Counter(s.kind for s in self.sellers)
        print(f"\nSellers: {len(self.sellers)} ({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))})")
        print(f"Answers: {dict(sorted(self.answers.items()))}")
        print(f"\n{'check':<64}{'checked':>9}{'violations':>12}")
        for name in sorted(v.checked):
            print(f"{name:<64}{v.checked[name]:>9}{len(v.found.get(name, [])):>12}")
        for name, details in v.found.items():
            for detail in details[:5]:
                print(f"  {name}: {detail}")
        try:
            self.read_dead_letters()
        except requests.RequestException as error:  # the table still prints if the stack is gone
            print(f"\nDead letters not read: {error}")
        print(f"\nDead letters (not violations): {dict(self.dead_letters.most_common(10)) or 'none'}")
        if self.stack_failures:
            last = [f"{f['function']}: {str(f['error']).splitlines()[0][:120]}" for f in self.stack_failures[-5:]]
            print(f"The local stack's last failures: {last}")
        print(f"\nchaos: sellers={len(self.sellers)} violations={v.total} seconds={seconds:.0f}")


def main() -> None:
    sellers = int(os.environ.get("CHAOS_SELLERS", "2000"))
    seed = int(os.environ.get("CHAOS_SEED", str(int(time.time()) % 100_000)))
    stack, ads_quota = None, None
    api, sandbox = os.environ.get("CHAOS_API"), os.environ.get("CHAOS_SANDBOX")
    if not api or not sandbox:
        from tests.support import free_port
        from tools.local_stack.stack import start_local_stack

        # The fleet keeps an Ads quota low enough to bind in the waves, so its leases meet the faults too.
        # A minute's quota and a day's too, as TikTok keeps them: the minute's binds in the waves, the day's
        # does not (a day spent would turn claims away until 00:00 UTC, which the checks do not expect).
        per_second = int(os.environ.get("CHAOS_ADS_QUOTA", "20"))
        ads_quota = {
            "requests_per_second": per_second,
            "requests_per_minute": per_second * 40,
            "requests_per_day": per_second * 20_000,
        }
        os.environ["ADS_QUOTA_PER_SECOND"] = str(per_second)
        os.environ["ADS_QUOTA_PER_MINUTE"] = str(ads_quota["requests_per_minute"])
        os.environ["ADS_QUOTA_PER_DAY"] = str(ads_quota["requests_per_day"])
        stack = start_local_stack(free_port(), free_port())
        api, sandbox = stack.api_url, stack.sandbox_url
        print(f"Local stack {api} (function logs: {stack.log_dir})")
    print(f"Seed {seed}: CHAOS_SEED={seed} repeats this run")
    started = time.monotonic()
    chaos = Chaos(api, sandbox, sellers, seed, ads_quota)
    try:
        chaos.part_one()
        chaos.part_two()
    finally:
        chaos.table(time.monotonic() - started)
        if stack:
            stack.stop(keep_logs=bool(chaos.violations.total))  # a violation's logs are the first thing to read
            if chaos.violations.total:
                print(f"Function logs kept: {stack.log_dir}")
    sys.exit(1 if chaos.violations.total else 0)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:  # Ctrl-C ends the run quietly
        print("\nchaos stopped", file=sys.stderr)
        sys.exit(130)
