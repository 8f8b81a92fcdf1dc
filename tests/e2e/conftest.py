"""Boots the local stack (`python -m tools.local_stack`) once per test process and drives it over HTTP,
as the app, an operator and upstream systems would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support import (
    CLAIM,
    check_against_schema,
    eligible_seller,
    free_port,
    live_gmv_max_campaigns,
    mission_body,
    unique,
)
from tools.ads_sandbox.state import OPERATIONS

ROOT = Path(__file__).resolve().parents[2]


class Stack:
    def __init__(self, api: str, sandbox: str) -> None:
        self.api = api
        self.sandbox = sandbox
        self.http = requests.Session()
        self._tokens: dict[tuple[str, str | None], str] = {}
        self._events: list[dict[str, Any]] = []  # every event read from the bus so far

    # --- identities ------------------------------------------------------------------------------
    def token(self, sub: str, role: str | None = None) -> str:
        key = (sub, role)
        if key not in self._tokens:
            params = {"sub": sub, **({"role": role} if role else {})}
            self._tokens[key] = self.http.get(f"{self.api}/_local/token", params=params, timeout=10).json()["token"]
        return self._tokens[key]

    def as_seller(self, seller_id: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(seller_id)}"}

    def as_operator(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token('operator-1', 'admin')}"}

    # --- HTTP ------------------------------------------------------------------------------------
    def call(self, method: str, path: str, seller: str | None = None, **kwargs: Any) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if seller:
            headers = {**self.as_seller(seller), **headers}
        return self.http.request(method, f"{self.api}{path}", headers=headers, timeout=60, **kwargs)

    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, f"{self.api}{path}", timeout=300, **kwargs)
        response.raise_for_status()
        return response.json()

    def sandbox_control(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, f"{self.sandbox}{path}", timeout=30, **kwargs)
        response.raise_for_status()
        return response.json()

    # --- the world -------------------------------------------------------------------------------
    def set_clock(self, now: str) -> None:
        self.control("PUT", "/_local/clock", json={"now": now})

    def advance(self, seconds: float) -> Any:
        return self.control("POST", "/_local/clock/advance", json={"seconds": seconds})

    def drain(self) -> Any:
        answer = self.control("POST", "/_local/drain")
        assert answer["denied"] == [], "a function's own role refused its table request (the role is too narrow)"
        return answer

    def put_mission(self, mission_id: str | None = None, **overrides: Any) -> str:
        mission_id = mission_id or unique("M")
        response = self.call(
            "PUT", f"/admin/missions/{mission_id}", headers=self.as_operator(), json=mission_body(**overrides)
        )
        assert response.status_code in (200, 201), response.text
        return mission_id

    def put_seller(self, seller_id: str, state: dict[str, Any]) -> None:
        self.sandbox_control("PUT", f"/_sandbox/sellers/{seller_id}", json=state)

    def new_eligible_seller(self, *, account: dict[str, Any] | None = None, **overrides: Any) -> str:
        """A new seller on the Ads side, with the ad account `adv-<seller id>`."""
        seller_id = unique("S")
        self.put_seller(seller_id, eligible_seller(f"adv-{seller_id}", account=account, **overrides))
        return seller_id

    def register(self, mission_id: str, seller_id: str, body: Any = None) -> requests.Response:
        return self.call(
            "POST", f"/missions/{mission_id}/registrations", seller=seller_id, json=CLAIM if body is None else body
        )

    def register_raw(
        self, mission_id: str, seller_id: str, raw: bytes, content_type: str = "application/json"
    ) -> requests.Response:
        return self.call(
            "POST",
            f"/missions/{mission_id}/registrations",
            seller=seller_id,
            data=raw,
            headers={"Content-Type": content_type},
        )

    def registration(self, mission_id: str, seller_id: str) -> requests.Response:
        return self.call("GET", f"/missions/{mission_id}/registration", seller=seller_id)

    def put_events(self, *entries: tuple[str, str, dict[str, Any]]) -> Any:
        """(source, detail-type, detail) entries onto the service's bus, then the work they cause drained.
        Upstream reports what has happened: the service's clock is first moved past what they tell (a session's
        end, a status change, a spend report's day), if it is not already (W7 refuses reports from the future)."""
        told = [_told_at(d) for _, _, d in entries]
        latest = max((t for t in told if t is not None), default=None)
        now = datetime.fromisoformat(self.control("GET", "/_local/clock")["now"])
        if latest is not None and now < latest:
            self.set_clock((latest + timedelta(minutes=1)).isoformat())
        body = {"entries": [{"Source": s, "DetailType": t, "Detail": json.dumps(d)} for s, t, d in entries]}
        answer = self.control("POST", "/_local/events", json=body)
        self.drain()
        return answer

    def live_session(
        self, seller_id: str, session_id: str, started_at: str, minutes: int, gmv: float, currency: str = "IDR"
    ) -> dict[str, Any]:
        started = datetime.fromisoformat(started_at)
        return {
            "session_id": session_id,
            "seller_id": seller_id,
            "room_id": f"room-{seller_id}",
            "started_at": started.isoformat(),
            "ended_at": (started + timedelta(minutes=minutes)).isoformat(),
            "gmv": gmv,
            "currency": currency,
        }

    def spend(
        self, seller_id: str, report_id: str, day: str, spend: float, campaign_id: str | None = None
    ) -> dict[str, Any]:
        """A spend report on the seller's LIVE GMV Max campaign (the one created for them, else their own)."""
        campaigns = live_gmv_max_campaigns(self.campaigns(seller_id))
        on = next((c for c in campaigns if c["campaign_id"] == campaign_id), None) if campaign_id else None
        on = on or (campaigns[0] if campaigns and campaign_id is None else None)
        return {
            "report_id": report_id,
            "seller_id": seller_id,
            "advertiser_id": on["advertiser_id"] if on else f"adv-{seller_id}",
            "campaign_id": on["campaign_id"] if on else campaign_id or "none",
            "date": day,
            "spend": spend,
            "currency": "IDR",
        }

    def progress(self, mission_id: str, seller_id: str) -> dict[str, Any]:
        response = self.call("GET", f"/missions/{mission_id}/progress", seller=seller_id)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def granted_in_time(self) -> tuple[str, str, dict[str, Any], dict[str, Any], dict[str, Any]]:
        """A registered seller granted their voucher from a session and a spend report that arrived in time:
        (mission, seller, session, spend, progress)."""
        mission_id = self.put_mission()
        seller = self.new_eligible_seller()
        self.claim(mission_id, seller)
        session = self.live_session(seller, f"{seller}-L1", "2026-02-09T10:00:00+07:00", 600, 1_000_000)
        spend = self.spend(seller, f"{seller}-P1", "2026-02-10", 5000)
        self.put_events(("shop.live", "LiveSessionEnded", session), ("ads.gmvmax", "SpendReported", spend))
        progress = self.progress(mission_id, seller)
        assert progress["reward"]["status"] == "GRANTED"
        return mission_id, seller, session, spend, progress

    def withdraw_room(self, seller_id: str, campaign_id: str, changed_at: str) -> None:
        """The seller withdraws their LIVE room from a LIVE GMV Max campaign of theirs (switched off on the Ads
        side), and the Ads platform reports it (A3)."""
        state = self.sandbox_control("GET", f"/_sandbox/sellers/{seller_id}")
        known = self.sandbox_control("GET", f"/_sandbox/campaigns?seller_id={seller_id}")["campaigns"]
        manual = [
            {"campaign_id": c["campaign_id"], "advertiser_id": c["advertiser_id"], "status": c["status"]}
            for c in known
            if c["origin"] == "MANUAL" and c["campaign_id"] != campaign_id
        ]
        withdrawn = {"campaign_id": campaign_id, "status": "DISABLE"}
        self.put_seller(seller_id, {**state, "campaigns": [*manual, withdrawn]})
        self.campaign_status_changed(seller_id, campaign_id, "LIVEROOM_WITHDRAWN", changed_at)

    def campaign_status_changed(self, seller_id: str, campaign_id: str, status: str, changed_at: str) -> None:
        self.put_events(
            (
                "ads.gmvmax",
                "CampaignStatusChanged",
                {
                    "seller_id": seller_id,
                    "advertiser_id": f"adv-{seller_id}",
                    "campaign_id": campaign_id,
                    "status": status,
                    "changed_at": changed_at,
                },
            )
        )

    def events_of(self, seller_id: str) -> list[dict[str, Any]]:
        """The service's events out about one seller, in the order the bus delivered them."""
        fresh = self.control("GET", "/_local/events")["events"]
        for event in fresh:
            if event["source"] == "live-gmv-max-mission":
                check_against_schema(event)  # every event out any test sees is what docs/events says
        self._events.extend(fresh)
        return [
            e
            for e in self._events
            if e["source"] == "live-gmv-max-mission" and e["detail"].get("seller_id") == seller_id
        ]

    def auto_creation(self, mission_id: str, seller_id: str) -> dict[str, Any]:
        """The registration's `auto_creation`, as the seller reads it."""
        response = self.registration(mission_id, seller_id)
        assert response.status_code == 200, response.text
        return response.json()["auto_creation"]  # type: ignore[no-any-return]

    def claim(self, mission_id: str, seller_id: str) -> dict[str, Any]:
        """Registers, lets the asynchronous work finish, and answers the auto-creation state."""
        response = self.register(mission_id, seller_id)
        assert response.status_code in (200, 201), response.text
        self.drain()
        return self.auto_creation(mission_id, seller_id)

    def auto_campaigns(self, seller_id: str) -> list[dict[str, Any]]:
        return [c for c in self.campaigns(seller_id) if c["origin"] == "AUTO"]

    def campaigns(self, seller_id: str) -> list[dict[str, Any]]:
        return list(self.sandbox_control("GET", "/_sandbox/campaigns", params={"seller_id": seller_id})["campaigns"])

    def fault(self, operation: str, mode: str, count: int = 1) -> None:
        self.sandbox_control("POST", "/_sandbox/faults", json={"operation": operation, "mode": mode, "count": count})

    def clear_faults(self) -> None:
        for operation in {*OPERATIONS.values(), "any"}:
            self.fault(operation, "error", 0)


def _told_at(detail: dict[str, Any]) -> datetime | None:
    """The latest moment an upstream event tells of: a session's end, a status change, a spend report's day
    (the start of it, a day ahead of UTC at most)."""
    try:
        for moment in ("ended_at", "changed_at"):
            if isinstance(detail.get(moment), str):
                return datetime.fromisoformat(detail[moment])
        if isinstance(detail.get("date"), str):
            return datetime.fromisoformat(f"{detail['date']}T00:00:00+00:00") - timedelta(days=1)
    except ValueError:  # a malformed event on purpose: it tells nothing
        pass
    return None


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    api_port, sandbox_port = free_port(), free_port()
    env = {
        **os.environ,
        "API_PORT": str(api_port),
        "SANDBOX_PORT": str(sandbox_port),
        "PYTHONPATH": f"{ROOT / 'layers' / 'domain'}:{ROOT}",
    }
    log = (ROOT / ".pytest-local-stack.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "tools.local_stack"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    api = f"http://127.0.0.1:{api_port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"{api}/_local/health", timeout=1).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the local stack did not start; see {log.name}")
        time.sleep(0.2)
    try:
        yield Stack(api, f"http://127.0.0.1:{sandbox_port}")
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture
def world(stack: Stack) -> Stack:
    """The stack at 02:00 on 9 Feb 2026 in Jakarta (the seller article's example), with no faults left over
    and no work of an earlier test still running (which could use up a fault set for this one)."""
    stack.clear_faults()
    stack.drain()
    stack.set_clock("2026-02-09T02:00:00+07:00")
    return stack
