"""The sandbox's memory: sellers' Ads state, campaigns, injected faults and call counts."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

# Operations as fault injection names them, and the API paths that belong to each.
OPERATIONS = {
    "/shop_ads/account/status/": "account_status",
    "/advertiser/info/": "advertiser_info",
    "/gmv_max/campaign/get/": "list_campaigns",
    "/campaign/gmv_max/info/": "list_campaigns",  # a listing of one campaign, for faults and counts
    "/campaign/gmv_max/create/": "create_campaign",
    "/campaign/status/update/": "update_campaign_status",
    "/gmv_max/bid/recommend/": "bid_recommend",
}
FAULT_MODES = ("error", "timeout", "throttle", "succeed_then_timeout")
REQUEST_ID_MEMORY_SECONDS = 10.0  # TikTok's own request_id deduplication lasts only seconds


@dataclass
class Fault:
    operation: str
    mode: str
    remaining: int


@dataclass
class SandboxState:
    lock: threading.RLock = field(default_factory=threading.RLock)
    sellers: dict[str, dict[str, Any]] = field(default_factory=dict)
    campaigns: dict[str, dict[str, Any]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    recent_requests: dict[str, tuple[str, float]] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    # The app's quota, as TikTok keeps it: calls accepted per wall-clock second, per wall-clock minute and per UTC
    # day of `today` (the service's clock in the local stack), 0 for no limit.
    per_second: int = 0
    per_minute: int = 0
    per_day: int = 0
    today: Callable[[], date] = field(default=lambda: datetime.now(UTC).date())
    accepted_per_second: Counter[int] = field(default_factory=Counter)
    accepted_per_minute: Counter[int] = field(default_factory=Counter)
    accepted_per_day: Counter[date] = field(default_factory=Counter)
    throttled: int = 0
    throttled_by: Counter[str] = field(default_factory=Counter)  # which limit refused: second, minute or day
    throttled_per_minute: Counter[int] = field(default_factory=Counter)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def reset(self) -> None:
        with self.lock:
            self.sellers.clear()
            self.campaigns.clear()
            self.faults.clear()
            self.recent_requests.clear()
            self.calls.clear()
            self.per_second = self.per_minute = self.per_day = 0
            self.accepted_per_second.clear()
            self.accepted_per_minute.clear()
            self.accepted_per_day.clear()
            self.throttled = 0
            self.throttled_by.clear()
            self.throttled_per_minute.clear()

    def admit(self) -> bool:
        """Counts a call against its second, minute and day; False (throttled, nothing done) once any of them
        holds its limit."""
        second, day = int(time.time()), self.today()
        with self.lock:
            full = [
                window
                for window, limit, accepted in (
                    ("second", self.per_second, self.accepted_per_second[second]),
                    ("minute", self.per_minute, self.accepted_per_minute[second // 60]),
                    ("day", self.per_day, self.accepted_per_day[day]),
                )
                if limit and accepted >= limit
            ]
            if full:
                self.throttled += 1
                self.throttled_by[full[-1]] += 1  # the widest window that is full
                self.throttled_per_minute[second // 60] += 1
                return False
            self.accepted_per_second[second] += 1
            self.accepted_per_minute[second // 60] += 1
            self.accepted_per_day[day] += 1
            return True

    def reset_counts(self) -> None:
        """Forgets the calls accepted and refused, keeping the limits (a measurement starts afresh)."""
        with self.lock:
            self.accepted_per_second.clear()
            self.accepted_per_minute.clear()
            self.accepted_per_day.clear()
            self.throttled = 0
            self.throttled_by.clear()
            self.throttled_per_minute.clear()

    def set_rate_limit(self, limits: dict[str, int]) -> None:
        with self.lock:
            self.per_second = limits.get("requests_per_second", self.per_second)
            self.per_minute = limits.get("requests_per_minute", self.per_minute)
            self.per_day = limits.get("requests_per_day", self.per_day)

    def rate_report(self) -> dict[str, Any]:
        with self.lock:
            return {
                "requests_per_second": self.per_second,
                "requests_per_minute": self.per_minute,
                "requests_per_day": self.per_day,
                "throttled": self.throttled,
                "throttled_by": {w: self.throttled_by[w] for w in ("second", "minute", "day")},
                "busiest_second": max(self.accepted_per_second.values(), default=0),
                "busiest_minute": max(self.accepted_per_minute.values(), default=0),
                "today": self.accepted_per_day[self.today()],
            }

    def next_campaign_id(self) -> str:
        return str(1_800_000_000_000_000 + next(self._ids))

    def put_seller(self, seller_id: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            seller = {
                "seller_id": seller_id,
                "store_id": body.get("store_id") or f"store-{seller_id}",
                "identity_id": body.get("identity_id") or f"identity-{seller_id}",
                "country": body.get("country"),
                "industry": body.get("industry"),
                "official_account": bool(body.get("official_account", False)),
                "ads_permission": bool(body.get("ads_permission", False)),
                "ad_accounts": [dict(a) for a in body.get("ad_accounts") or []],
                "avg_daily_spend_14d": body.get("avg_daily_spend_14d"),
            }
            self.sellers[seller_id] = seller
            # Seeded campaigns replace the seller's manual ones; those the service created stay.
            for campaign_id in [
                c for c, v in self.campaigns.items() if v["seller_id"] == seller_id and v["origin"] == "MANUAL"
            ]:
                del self.campaigns[campaign_id]
            for seeded in body.get("campaigns") or []:
                campaign_id = str(seeded.get("campaign_id") or self.next_campaign_id())
                self.campaigns[campaign_id] = {
                    "campaign_id": campaign_id,
                    "advertiser_id": str(seeded.get("advertiser_id") or _first_advertiser(seller)),
                    "seller_id": seller_id,
                    "store_id": seller["store_id"],
                    "status": seeded.get("status", "ENABLE"),
                    "origin": "MANUAL",
                    "shopping_ads_type": seeded.get("shopping_ads_type", "LIVE"),
                    "campaign_name": seeded.get("campaign_name") or f"Manual campaign {campaign_id}",
                    "request": None,
                    "created_at": time.time(),
                }
            return seller

    def add_fault(self, operation: str, mode: str, count: int) -> None:
        with self.lock:
            if count <= 0:
                self.faults = [f for f in self.faults if f.operation != operation]
            else:
                self.faults.append(Fault(operation, mode, count))

    def take_fault(self, operation: str) -> str | None:
        """The mode of the next fault matching this operation, consuming one occurrence."""
        with self.lock:
            for fault in self.faults:
                if fault.remaining > 0 and fault.operation in (operation, "any"):
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self.faults.remove(fault)
                    return fault.mode
            return None

    def seller_of_advertiser(self, advertiser_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        for seller in self.sellers.values():
            for account in seller["ad_accounts"]:
                if str(account.get("advertiser_id")) == advertiser_id:
                    return seller, account
        return None


def _first_advertiser(seller: dict[str, Any]) -> str:
    accounts = seller["ad_accounts"]
    return str(accounts[0]["advertiser_id"]) if accounts else ""
