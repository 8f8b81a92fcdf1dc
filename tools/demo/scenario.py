"""The demo's script: 56 sellers in eleven groups, each with the outcome the rules give them."""

from __future__ import annotations

import json
import secrets
import sys
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.support import CLAIM, live_gmv_max_campaigns, mission_body

# The demo's mission is the tests' sample mission: goals of 1,000,000 IDR and 600 LIVE minutes, a campaign
# from 9 to 12 February (+07:00) and a grace period of three days.
MISSION = mission_body(name="2.2 Mega Campaign LIVE Mission (demo)")


@dataclass
class Group:
    name: str
    size: int
    expected_status: str  # auto-creation status, or BLOCKED
    expected_reward: str  # NOT_YET, HELD, GRANTED, or "-" when not registered
    seller_state: dict[str, Any] = field(default_factory=dict)
    goals: bool = False  # GMV and LIVE minutes met
    spend_on: str | None = None  # when spend arrives: "campaign", "grace" or "after_grace"


GROUPS = [
    Group("blocked: no ad permission", 2, "BLOCKED", "-", {"ads_permission": False}),
    Group("blocked: no valid ad account", 2, "BLOCKED", "-", {"ad_accounts": []}),
    Group("blocked: payment not set up", 2, "BLOCKED", "-", {"payment_ready": False}),
    Group(
        "own campaign already running", 6, "SKIPPED_EXISTING_CAMPAIGN", "GRANTED", {"campaign": True}, True, "campaign"
    ),
    Group("Ads failed once, then recovered", 6, "CREATED", "GRANTED", {"fail_once": True}, True, "campaign"),
    Group("Ads failed all day: given up", 4, "FAILED", "NOT_YET", {"fail_all_day": True}),
    Group("opted out after creation", 6, "OPTED_OUT", "NOT_YET", {"opt_out": True}),
    Group("LIVE room withdrawn before claiming", 6, "SKIPPED_WITHDRAWN", "HELD", {"withdrawn": True}, True),
    Group("goals met, ads spent", 6, "CREATED", "GRANTED", {}, True, "campaign"),
    Group("goals not met yet", 6, "CREATED", "NOT_YET", {}),
    Group("goals met, no ad spend", 4, "CREATED", "HELD", {}, True),
    Group("spend reported in the grace period", 4, "CREATED", "GRANTED", {}, True, "grace"),
    Group("spend reported after the grace period", 2, "CREATED", "HELD", {}, True, "after_grace"),
]


class Demo:
    def __init__(self, api: str, sandbox: str, *, out: Any = sys.stdout) -> None:
        self.api, self.sandbox, self.out = api, sandbox, out
        self.http = requests.Session()
        self.run_id = secrets.token_hex(3)
        self.mission_id = f"demo-{self.run_id}"
        self.sellers: list[tuple[str, Group]] = []
        self._tokens: dict[str, str] = {}
        self.outcomes: list[dict[str, str]] = []

    # --- plumbing -------------------------------------------------------------------------------
    def _token(self, sub: str, role: str | None = None) -> dict[str, str]:
        if sub not in self._tokens:
            params = {"sub": sub, **({"role": role} if role else {})}
            self._tokens[sub] = self.http.get(f"{self.api}/_local/token", params=params, timeout=10).json()["token"]
        return {"Authorization": f"Bearer {self._tokens[sub]}"}

    def _post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.http.post(f"{self.api}{path}", json=body, timeout=300, **kwargs)

    def _control(self, path: str, body: Any = None) -> Any:
        response = self._post(path, body)
        response.raise_for_status()
        return response.json()

    def _sandbox(self, path: str, body: Any) -> None:
        self.http.request(
            "PUT" if "/sellers/" in path else "POST", f"{self.sandbox}{path}", json=body, timeout=30
        ).raise_for_status()

    def _events(self, *entries: tuple[str, str, dict[str, Any]]) -> None:
        for start in range(0, len(entries), 10):
            batch = entries[start : start + 10]
            self._control(
                "/_local/events",
                {"entries": [{"Source": s, "DetailType": t, "Detail": json.dumps(d)} for s, t, d in batch]},
            )
        self._control("/_local/drain")

    def _progress(self, done: int, total: int, label: str) -> None:
        filled = round(30 * done / total)
        self.out.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done:>2}/{total} {label:<45}")
        self.out.flush()

    def _at(self, now: str) -> None:
        self.http.put(f"{self.api}/_local/clock", json={"now": now}, timeout=10).raise_for_status()

    # --- the story ------------------------------------------------------------------------------
    def run(self) -> bool:
        self._at("2026-02-09T02:00:00+07:00")
        self.http.put(
            f"{self.api}/admin/missions/{self.mission_id}",
            json=MISSION,
            headers=self._token("demo-operator", "admin"),
            timeout=30,
        ).raise_for_status()
        for group in GROUPS:
            for _ in range(group.size):
                self.sellers.append((f"{self.mission_id}-{len(self.sellers) + 1:02d}", group))
        self._claims()
        self.out.write(
            f"\r{'':<90}\rAdvancing the clock: retries, the end of the local day, the mission and its grace period\n"
        )
        self._control("/_local/clock/advance", {"seconds": 15 * 60})  # the failed-once group recovers
        self._sandbox("/_sandbox/faults", {"operation": "create_campaign", "mode": "error", "count": 10_000})
        for seller, group in self.sellers:
            if group.seller_state.get("fail_all_day"):
                self._register(seller)
        self._control("/_local/clock/advance", {"seconds": 22 * 3600})  # past local midnight: given up
        self._sandbox("/_sandbox/faults", {"operation": "create_campaign", "mode": "error", "count": 0})
        self._at("2026-02-11T23:00:00+07:00")  # the campaign's last evening: its sessions and spend are in (W7)
        self._activity()
        self._at("2026-02-14T12:00:00+07:00")  # in the grace period
        self._spend("grace")
        self._at("2026-02-15T01:00:00+07:00")  # after it
        self._spend("after_grace")
        self._control("/_local/clock/advance", {"seconds": 30 * 60})  # the final evaluation
        return self._report()

    def _seller_state(self, seller: str, group: Group) -> dict[str, Any]:
        account = {
            "advertiser_id": f"adv-{seller}",
            "status": "STATUS_ENABLE",
            "owner": "SELLER",
            "payment_ready": group.seller_state.get("payment_ready", True),
            "timezone": "Asia/Jakarta",
            "currency": "IDR",
        }
        return {
            "store_id": f"store-{seller}",
            "identity_id": f"tt-{seller}",
            "country": "ID",
            "industry": "beauty",
            "official_account": len(seller) % 2 == 0,
            "ads_permission": group.seller_state.get("ads_permission", True),
            "ad_accounts": group.seller_state.get("ad_accounts", [account]),
            "avg_daily_spend_14d": 150000,
            # A withdrawn room was withdrawn from a campaign of the seller's, now off.
            "campaigns": [{"campaign_id": f"manual-{seller}", "status": "ENABLE"}]
            if group.seller_state.get("campaign")
            else [{"campaign_id": f"manual-{seller}", "status": "DISABLE"}]
            if group.seller_state.get("withdrawn")
            else [],
        }

    def _register(self, seller: str) -> requests.Response:
        return self._post(f"/missions/{self.mission_id}/registrations", CLAIM, headers=self._token(seller))

    def _claims(self) -> None:
        total = len(self.sellers)
        for done, (seller, group) in enumerate(self.sellers, start=1):
            self._progress(done, total, group.name)
            self._sandbox(f"/_sandbox/sellers/{seller}", self._seller_state(seller, group))
            if group.seller_state.get("withdrawn"):
                self._events(
                    (
                        "ads.gmvmax",
                        "CampaignStatusChanged",
                        {
                            "seller_id": seller,
                            "advertiser_id": f"adv-{seller}",
                            "campaign_id": f"manual-{seller}",
                            "status": "LIVEROOM_WITHDRAWN",
                            "changed_at": "2026-02-08T20:00:00+07:00",
                        },
                    )
                )
            if group.seller_state.get("fail_all_day"):
                continue  # they claim later, while the Ads platform is down
            if group.seller_state.get("fail_once"):
                self._sandbox("/_sandbox/faults", {"operation": "create_campaign", "mode": "error", "count": 1})
            self._register(seller)
            self._control("/_local/drain")
            if group.seller_state.get("opt_out"):
                self._post(f"/missions/{self.mission_id}/auto-creation/opt-out", headers=self._token(seller))

    def _activity(self) -> None:
        entries = []
        for seller, group in self.sellers:
            minutes, gmv = (600, 1_000_000) if group.goals else (120, 250_000)
            entries.append(
                (
                    "shop.live",
                    "LiveSessionEnded",
                    {
                        "session_id": f"{seller}-live-1",
                        "seller_id": seller,
                        "room_id": f"room-{seller}",
                        "started_at": "2026-02-10T19:00:00+07:00",
                        "ended_at": f"2026-02-{10 + (19 * 60 + minutes) // (24 * 60):02d}T"
                        f"{((19 * 60 + minutes) % (24 * 60)) // 60:02d}:{minutes % 60:02d}:00+07:00",
                        "gmv": gmv,
                        "currency": "IDR",
                    },
                )
            )
        self._events(*entries)
        self._spend("campaign")

    def _spend(self, when: str) -> None:
        """Spend as GMV Max reporting sends it: on the seller's own LIVE GMV Max campaign (W7), the one created
        for them, else their own, as the Ads platform lists it."""
        entries = []
        for seller, group in self.sellers:
            if group.spend_on != when:
                continue
            campaigns = self.http.get(f"{self.sandbox}/_sandbox/campaigns", params={"seller_id": seller}, timeout=30)
            mine = live_gmv_max_campaigns(campaigns.json()["campaigns"])
            if not mine:
                continue  # no campaign, so no spend to report
            detail = {
                "report_id": f"{seller}-spend",
                "seller_id": seller,
                "advertiser_id": mine[0]["advertiser_id"],
                "campaign_id": mine[0]["campaign_id"],
                "date": "2026-02-11",
                "spend": 42000,
                "currency": "IDR",
            }
            entries.append(("ads.gmvmax", "SpendReported", detail))
        self._events(*entries)

    def _report(self) -> bool:
        matches = 0
        self.out.write(f"\n{'seller':<16}{'path':<40}{'auto-creation':<28}{'reward':<10}ok\n")
        for seller, group in self.sellers:
            registration = self.http.get(
                f"{self.api}/missions/{self.mission_id}/registration", headers=self._token(seller), timeout=30
            )
            if registration.status_code == 404:
                status, reward = "BLOCKED", "-"
            else:
                status = registration.json()["auto_creation"]["status"]
                reward = self.http.get(
                    f"{self.api}/missions/{self.mission_id}/progress", headers=self._token(seller), timeout=30
                ).json()["reward"]["status"]
            ok = (status, reward) == (group.expected_status, group.expected_reward)
            matches += ok
            self.outcomes.append(
                {
                    "seller": seller,
                    "group": group.name,
                    "status": status,
                    "reward": reward,
                    "expected_status": group.expected_status,
                    "expected_reward": group.expected_reward,
                }
            )
            self.out.write(f"{seller[-15:]:<16}{group.name:<40}{status:<28}{reward:<10}{'yes' if ok else 'NO'}\n")
        report = self.http.get(
            f"{self.api}/admin/missions/{self.mission_id}/report",
            headers=self._token("demo-operator", "admin"),
            timeout=30,
        ).json()
        self.out.write(f"\n{matches}/{len(self.sellers)} sellers ended as the rules say.\n\nOperator report:\n")
        self.out.write(json.dumps(report, indent=2) + "\n")
        return matches == len(self.sellers)
