"""W7 over the bus: only the seller's own LIVE GMV Max spend counts, activity is checked against its receipt,
a session is one session whatever its restatements say, and a room's overlapping sessions count once."""

from __future__ import annotations

import json
from typing import Any

from tests.e2e.conftest import Stack

SESSION = ("shop.live", "LiveSessionEnded")
SPEND = ("ads.gmvmax", "SpendReported")


def _registered(world: Stack) -> tuple[str, str]:
    mission_id = world.put_mission()  # campaign 9-12 Feb (+07:00)
    seller = world.new_eligible_seller()
    assert world.claim(mission_id, seller)["status"] == "CREATED"
    return mission_id, seller


def _achieved(world: Stack, mission_id: str, seller: str) -> dict[str, Any]:
    return {r["code"]: r["achieved"] for r in world.progress(mission_id, seller)["requirements"]}


def _put_as_sent(world: Stack, source: str, detail_type: str, detail: dict[str, Any]) -> None:
    """As upstream sent it, whatever the service's clock says."""
    entry = {"Source": source, "DetailType": detail_type, "Detail": json.dumps(detail)}
    world.control("POST", "/_local/events", json={"entries": [entry]})
    world.drain()


def _refusals(world: Stack) -> list[str]:
    letters = world.control("GET", "/_local/dead-letters")["dead_letters"]
    return [letter["responsePayload"]["errorMessage"] for letter in letters.get("activity_ingestion", [])]


def test_w7_spend_that_is_not_the_sellers_live_gmv_max_spend_changes_nothing_and_says_why(world: Stack) -> None:
    # Given a seller with their campaign, spend counted on it, and another seller's ad account with a campaign
    mission_id, seller = _registered(world)
    world.put_events((*SPEND, world.spend(seller, f"{seller}-P1", "2026-02-10", 700)))
    other = world.new_eligible_seller(campaigns=[{"campaign_id": f"x-{seller}", "status": "ENABLE"}])
    product = f"product-{seller}"
    world.put_seller(
        seller,
        {
            **world.sandbox_control("GET", f"/_sandbox/sellers/{seller}"),
            "campaigns": [{"campaign_id": product, "status": "ENABLE", "shopping_ads_type": "PRODUCT"}],
        },
    )
    world.control("GET", "/_local/dead-letters")  # forget earlier ones

    # When spend arrives on the other seller's advertiser, and on the seller's own campaign that is not LIVE
    on_other = {**world.spend(seller, f"{seller}-P2", "2026-02-10", 900), "advertiser_id": f"adv-{other}"}
    on_other["campaign_id"] = f"x-{seller}"
    world.put_events((*SPEND, on_other), (*SPEND, world.spend(seller, f"{seller}-P3", "2026-02-10", 800, product)))

    # Then the requirement stands where it was, and both reports are in the dead-letter queue with their reason
    assert _achieved(world, mission_id, seller)["GMV_MAX_SPEND"] == 700
    refusals = _refusals(world)
    assert len(refusals) == 2
    assert any("NOT_THE_SELLERS_ADVERTISER" in r for r in refusals)
    assert any("NOT_THE_SELLERS_CAMPAIGN" in r for r in refusals)


def test_w7_a_session_dated_tomorrow_is_refused(world: Stack) -> None:
    mission_id, seller = _registered(world)
    world.set_clock("2026-02-10T12:00:00+07:00")
    world.control("GET", "/_local/dead-letters")
    tomorrow = world.live_session(seller, f"{seller}-L1", "2026-02-11T10:00:00+07:00", 60, 1000)
    _put_as_sent(world, *SESSION, tomorrow)
    assert _achieved(world, mission_id, seller)["LIVE_MINUTES"] == 0
    assert any("FUTURE" in r for r in _refusals(world))


def test_w7_a_session_restated_across_utc_midnight_counts_once(world: Stack) -> None:
    mission_id, seller = _registered(world)
    first = world.live_session(seller, f"{seller}-L1", "2026-02-10T06:30:00+07:00", 60, 1000)  # 23:30 UTC
    world.put_events((*SESSION, first))
    restated = world.live_session(seller, f"{seller}-L1", "2026-02-10T07:10:00+07:00", 40, 1200)  # 00:10 UTC
    world.put_events((*SESSION, restated))
    assert _achieved(world, mission_id, seller) | {"GMV_MAX_SPEND": None} == {
        "GMV": 1200,
        "LIVE_MINUTES": 40,
        "GMV_MAX_SPEND": None,
    }


def test_w7_two_overlapping_sessions_of_one_room_count_their_union(world: Stack) -> None:
    mission_id, seller = _registered(world)
    world.put_events(
        (*SESSION, world.live_session(seller, f"{seller}-L1", "2026-02-10T20:00:00+07:00", 60, 100)),
        (*SESSION, world.live_session(seller, f"{seller}-L2", "2026-02-10T20:30:00+07:00", 60, 100)),
    )
    assert _achieved(world, mission_id, seller)["LIVE_MINUTES"] == 90


def test_w7_a_status_change_dated_2099_does_not_decide_the_status(world: Stack) -> None:
    # Given a seller's auto-created campaign
    mission_id, seller = _registered(world)
    campaign_id = world.auto_campaigns(seller)[0]["campaign_id"]

    # When a change dated 2099 says it was disabled, and a real one today says it was enabled
    world.control("GET", "/_local/dead-letters")
    _put_as_sent(
        world,
        "ads.gmvmax",
        "CampaignStatusChanged",
        {
            "seller_id": seller,
            "advertiser_id": f"adv-{seller}",
            "campaign_id": campaign_id,
            "status": "DISABLED",
            "changed_at": "2099-01-01T00:00:00+00:00",
        },
    )

    # Then it decided nothing: the campaign is shown as it was, the seller is not stopped (A4), and the report
    # is refused with its reason
    state = world.auto_creation(mission_id, seller)
    assert state["status"] == "CREATED" and state["campaign"]["status"] == "ENABLE"
    letters = world.control("GET", "/_local/dead-letters")["dead_letters"]["campaign_status"]
    assert any("FUTURE" in letter["responsePayload"]["errorMessage"] for letter in letters)
