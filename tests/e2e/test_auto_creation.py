"""Campaign auto-creation over HTTP and the sandbox: exactly one campaign, whatever fails or races."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.conftest import Stack
from tests.support import eligible_seller, unique


def test_a1_a6_the_seed_example_goes_live_at_8_next_morning(world: Stack) -> None:
    # Given a seller registering at 02:00 on 9 February in Jakarta with no LIVE GMV Max campaign
    mission_id = world.put_mission()
    seller = world.new_eligible_seller(official_account=True)

    # When they register and the asynchronous work is done
    assert world.register(mission_id, seller).status_code == 201
    world.drain()

    # Then one campaign was created, live at 08:00 on 10 February, local time
    state = world.auto_creation(mission_id, seller)
    assert state["status"] == "CREATED" and state["attempts"] == 1 and state["next_attempt_at"] is None
    campaign = state["campaign"]
    assert campaign["origin"] == "AUTO"
    assert campaign["start_time_local"] == "2026-02-10T08:00:00+07:00"
    assert campaign["start_time_utc"] == "2026-02-10T01:00:00+00:00"
    assert campaign["timezone"] == "Asia/Jakarta"
    assert campaign["roas_bid"] == 2  # no benchmark loaded: ROI 2.0
    assert campaign["budget"] == 180000  # 1.2 x 150,000 average daily spend
    assert campaign["promotion_days"] == {
        "enabled": True,
        "roas_reduction_percent": 10,
        "budget_increase_percent": 50,
        "increase_limit": 1,
        "starts_on": "2026-02-09",
        "ends_on": "2026-02-11",  # the campaign period ends at 00:00 on 12 February, exclusive
    }
    assert campaign["key_live_mode"] is False and campaign["aigc_remix"] is True
    [created] = world.auto_campaigns(seller)
    request = created["request"]
    assert created["campaign_id"] == campaign["campaign_id"]
    assert request["shopping_ads_type"] == "LIVE"
    assert request["schedule_start_time"] == "2026-02-10 01:00:00"
    assert "schedule_end_time" not in request
    assert request["promotion_days"]["roas_bid_multiplier"] == 90
    for field in (
        "request_id",
        "advertiser_id",
        "store_id",
        "campaign_name",
        "identity_list",
        "roas_bid",
        "budget",
        "schedule_type",
    ):
        assert request[field], field


def test_a6_posix_timezones_are_read_correctly(world: Stack) -> None:
    mission_id = world.put_mission()
    seller = world.new_eligible_seller(account={"timezone": "Etc/GMT+8", "currency": "USD"}, avg_daily_spend_14d=None)
    world.register(mission_id, seller)  # 02:00 in Jakarta is 11:00 on 8 February at UTC-8
    world.drain()
    campaign = world.auto_creation(mission_id, seller)["campaign"]
    assert campaign["start_time_local"] == "2026-02-09T08:00:00-08:00"
    assert campaign["start_time_utc"] == "2026-02-09T16:00:00+00:00"
    assert campaign["budget"] == 20  # no history: the market minimum
    assert campaign["aigc_remix"] is False


def test_a10_an_opt_out_refused_before_the_claim_changes_nothing(world: Stack) -> None:
    # Given a seller whose opt-out was answered 404: they had not claimed
    mission_id = world.put_mission()
    seller = world.new_eligible_seller()
    refused = world.call("POST", f"/missions/{mission_id}/auto-creation/opt-out", seller=seller)
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "REGISTRATION_NOT_FOUND"

    # When they claim, consenting to LIVE GMV Max
    state = world.claim(mission_id, seller)

    # Then auto-creation runs as if no opt-out had been sent
    assert state["status"] == "CREATED" and state["campaign"]["origin"] == "AUTO"
    assert [c["status"] for c in world.auto_campaigns(seller)] == ["ENABLE"]


def test_a2_an_existing_active_campaign_is_recorded_and_nothing_created(world: Stack) -> None:
    mission_id = world.put_mission()
    manual = unique("manual-")
    seller = world.new_eligible_seller(campaigns=[{"campaign_id": manual, "status": "ENABLE"}])
    world.claim(mission_id, seller)
    state = world.auto_creation(mission_id, seller)
    assert state["status"] == "SKIPPED_EXISTING_CAMPAIGN"
    assert state["campaign"]["campaign_id"] == manual and state["campaign"]["origin"] == "MANUAL"
    assert state["reason"]
    assert world.auto_campaigns(seller) == []


def test_a2_a_disabled_or_product_campaign_does_not_count(world: Stack) -> None:
    mission_id = world.put_mission()
    seller = world.new_eligible_seller(
        campaigns=[
            {"campaign_id": unique("off-"), "status": "DISABLE"},
            {"campaign_id": unique("prod-"), "status": "ENABLE", "shopping_ads_type": "PRODUCT"},
        ]
    )
    world.claim(mission_id, seller)
    assert world.auto_creation(mission_id, seller)["status"] == "CREATED"
    assert len(world.auto_campaigns(seller)) == 1


@pytest.mark.parametrize("mode", ["error", "throttle", "timeout"])
def test_a8_a_failed_attempt_is_retried_15_minutes_later(world: Stack, mode: str) -> None:
    # Given the Ads platform failing the first create call
    mission_id = world.put_mission()
    seller = world.new_eligible_seller()
    world.fault("create_campaign", mode, 1)

    # When the seller registers
    world.claim(mission_id, seller)

    # Then the registration waits for its retry, 15 minutes later
    state = world.auto_creation(mission_id, seller)
    assert state["status"] == "RETRYING" and state["attempts"] == 1
    assert state["next_attempt_at"] == "2026-02-08T19:15:00+00:00"
    assert world.auto_campaigns(seller) == []

    # And the retry creates exactly one campaign
    world.advance(15 * 60)
    state = world.auto_creation(mission_id, seller)
    assert state["status"] == "CREATED" and state["attempts"] == 2
    assert len(world.auto_campaigns(seller)) == 1


def test_a5_a_create_that_timed_out_but_succeeded_is_found_not_repeated(world: Stack) -> None:
    mission_id = world.put_mission()
    seller = world.new_eligible_seller()
    world.fault("create_campaign", "succeed_then_timeout", 1)
    world.claim(mission_id, seller)
    assert world.auto_creation(mission_id, seller)["status"] == "RETRYING"
    assert len(world.auto_campaigns(seller)) == 1  # it exists on the Ads side

    world.advance(15 * 60)

    state = world.auto_creation(mission_id, seller)
    assert state["status"] == "CREATED"
    [campaign] = world.auto_campaigns(seller)
    assert state["campaign"]["campaign_id"] == campaign["campaign_id"]


def test_a8_backoff_then_failed_when_the_local_day_ends(world: Stack) -> None:
    # Given a seller registering at 21:00 in Jakarta while the Ads platform keeps failing
    world.set_clock("2026-02-09T21:00:00+07:00")
    mission_id = world.put_mission()
    seller = world.new_eligible_seller()
    world.fault("create_campaign", "error", 100)
    world.claim(mission_id, seller)
    assert world.auto_creation(mission_id, seller)["next_attempt_at"] == "2026-02-09T14:15:00+00:00"

    # When the day goes by: retries at 21:15, 21:45, 22:45 and 23:45
    world.advance(15 * 60)
    assert world.auto_creation(mission_id, seller)["next_attempt_at"] == "2026-02-09T14:45:00+00:00"
    world.advance(30 * 60)
    assert world.auto_creation(mission_id, seller)["next_attempt_at"] == "2026-02-09T15:45:00+00:00"
    world.advance(60 * 60)
    state = world.auto_creation(mission_id, seller)
    assert state["attempts"] == 4 and state["next_attempt_at"] == "2026-02-09T16:45:00+00:00"
    world.advance(60 * 60)
    state = world.auto_creation(mission_id, seller)
    assert state["status"] == "RETRYING" and state["attempts"] == 5 and state["next_attempt_at"] is None

    # Then at local midnight it gives up and tells the seller to create a campaign
    world.advance(16 * 60)
    state = world.auto_creation(mission_id, seller)
    assert state["status"] == "FAILED" and state["attempts"] == 5
    assert "create a LIVE GMV Max campaign yourself" in state["reason"]
    assert world.auto_campaigns(seller) == []
    world.clear_faults()


def test_a5_concurrent_claims_create_one_campaign(world: Stack) -> None:
    mission_id = world.put_mission()
    seller = world.new_eligible_seller()
    world.token(seller)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: world.register(mission_id, seller), range(8)))
    world.drain()
    world.advance(30 * 60)
    assert world.auto_creation(mission_id, seller)["status"] == "CREATED"
    assert len(world.auto_campaigns(seller)) == 1


def test_events_out_tell_what_happened(world: Stack) -> None:
    world.control("GET", "/_local/events")  # forget earlier tests' events
    mission_id = world.put_mission()
    seller = world.new_eligible_seller()
    world.claim(mission_id, seller)
    events = [
        e
        for e in world.control("GET", "/_local/events")["events"]
        if e["source"] == "live-gmv-max-mission" and e["detail"].get("seller_id") == seller
    ]
    kinds = [e["detail-type"] for e in events]
    assert world.auto_creation(mission_id, seller)["status"] == "CREATED"
    assert kinds == ["MissionRegistered", "CampaignAutoCreated"]
    assert events[1]["detail"]["auto_creation"]["campaign"]["campaign_id"]
    # One correlation id follows the registration from the API through the stream
    correlation = {e["detail"]["correlation_id"] for e in events}
    assert len(correlation) == 1 and correlation != {""}


def test_a11_the_campaign_is_funded_by_the_sellers_own_account_before_an_agencys(world: Stack) -> None:
    # Given a seller with an agency-authorized account and their own, both ready to pay
    seller = unique("S")
    accounts = [
        {
            "advertiser_id": f"agency-{seller}",
            "status": "STATUS_ENABLE",
            "owner": "AGENCY",
            "payment_ready": True,
            "timezone": "Asia/Jakarta",
        },
        {
            "advertiser_id": f"own-{seller}",
            "status": "STATUS_ENABLE",
            "owner": "SELLER",
            "payment_ready": True,
            "timezone": "Asia/Jakarta",
        },
    ]
    world.put_seller(seller, eligible_seller("unused", ad_accounts=accounts))
    mission_id = world.put_mission()

    # When they register
    world.claim(mission_id, seller)

    # Then the campaign is created on, and paid from, their own ad account
    [campaign] = world.auto_campaigns(seller)
    assert campaign["advertiser_id"] == f"own-{seller}" and campaign["request"]["advertiser_id"] == f"own-{seller}"
    assert world.auto_creation(mission_id, seller)["campaign"]["advertiser_id"] == f"own-{seller}"
