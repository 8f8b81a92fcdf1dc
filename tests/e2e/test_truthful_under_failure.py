"""The failures a seller would feel in their wallet, each reproduced over HTTP and events on the local stack
(the opt-out during an outage is in test_campaign_lifecycle.py), and the claim path under DynamoDB's own
concurrency failures."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.e2e.conftest import Stack
from tests.support import unique


def test_a8_a_campaign_created_unseen_is_never_reported_as_failed(world: Stack) -> None:
    # Given a create that timed out but succeeded, then campaign listings failing until local midnight
    world.set_clock("2026-02-09T22:00:00+07:00")
    mission_id = world.put_mission()
    seller = world.new_eligible_seller()
    world.fault("create_campaign", "succeed_then_timeout", 1)
    world.claim(mission_id, seller)
    assert world.auto_creation(mission_id, seller)["status"] == "RETRYING"
    world.fault("list_campaigns", "error", 100_000)

    # When the local day ends
    world.advance(2 * 3600 + 60)

    # Then creating ends, but the seller is not told to create one while theirs may be running
    state = world.auto_creation(mission_id, seller)
    assert state["status"] == "FAILED" and state["campaign"] is None
    assert "create a LIVE GMV Max campaign yourself" not in state["reason"] and "keep checking" in state["reason"]

    # And once the Ads platform answers, the campaign it created is recorded, never a second
    world.clear_faults()
    world.advance(20 * 60)
    state = world.auto_creation(mission_id, seller)
    [campaign] = world.auto_campaigns(seller)
    assert state["status"] == "CREATED" and state["campaign"]["campaign_id"] == campaign["campaign_id"]
    kinds = [e["detail-type"] for e in world.events_of(seller)]
    assert kinds[-2:] == ["CampaignAutoCreationFailed", "CampaignAutoCreated"]


def test_a3_a4_a_stop_reported_before_the_service_recorded_its_campaign_holds(world: Stack) -> None:
    # Given a create that timed out but succeeded: the campaign exists, the service has not recorded it
    mission_id = world.put_mission()
    seller = world.new_eligible_seller()
    world.fault("create_campaign", "succeed_then_timeout", 1)
    world.claim(mission_id, seller)
    [campaign] = world.auto_campaigns(seller)

    # When the Ads platform reports the seller cancelled the ad authorization on it
    world.sandbox_control("POST", f"/_sandbox/campaigns/{campaign['campaign_id']}/status", json={"status": "DISABLE"})
    world.campaign_status_changed(
        seller, campaign["campaign_id"], "AUTHORIZATION_CANCELED", "2026-02-09T02:30:00+07:00"
    )
    world.advance(15 * 60)

    # Then the registration shows the campaign as the Ads platform does
    state = world.auto_creation(mission_id, seller)
    assert state["status"] == "CREATED" and state["campaign"]["status"] == "AUTHORIZATION_CANCELED"

    # And a later mission creates nothing (A4)
    later = world.put_mission()
    assert world.claim(later, seller)["status"] == "SKIPPED_STOPPED"
    assert len(world.auto_campaigns(seller)) == 1


def test_a3_a_withdrawal_reported_through_an_ads_outage_longer_than_its_retries_holds(world: Stack) -> None:
    # Given a seller who withdraws their room from their own campaign while the Ads platform is down, for
    # longer than the report's retries (it ends in the dead-letter queue)
    seller = world.new_eligible_seller()
    world.fault("any", "error", 100_000)
    world.withdraw_room(seller, unique("manual-"), "2026-02-09T02:05:00+07:00")
    world.drain()
    world.clear_faults()

    # When they join a mission once the Ads platform is back
    state = world.claim(world.put_mission(), seller)

    # Then the withdrawal counted (A3), and nothing was created
    assert state["status"] == "SKIPPED_WITHDRAWN"
    assert world.auto_campaigns(seller) == []


def test_w3_w6_late_copies_never_erase_what_counted(world: Stack) -> None:
    # Given a seller granted their voucher from a session and a spend report that arrived in time
    mission_id, seller, session, spend, before = world.granted_in_time()

    # When, after the grace period, the same events arrive again, and a restatement zeroing the spend
    world.set_clock("2026-02-20T00:00:00+07:00")
    world.put_events(("shop.live", "LiveSessionEnded", session), ("ads.gmvmax", "SpendReported", spend))
    world.put_events(("ads.gmvmax", "SpendReported", {**spend, "spend": 0}))

    # Then progress reads as before, and the operator report agrees
    assert world.progress(mission_id, seller) == before
    report = world.call("GET", f"/admin/missions/{mission_id}/report", headers=world.as_operator()).json()
    assert report["rewards"] == {"granted": 1, "held": 0, "not_yet": 0}


def test_concurrent_requests_are_served_by_different_processes(world: Stack) -> None:
    mission_id = world.put_mission()
    sellers = [world.new_eligible_seller() for _ in range(6)]
    for seller in sellers:
        world.token(seller)
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda s: world.call("GET", f"/missions/{mission_id}/eligibility", seller=s), sellers))
    functions = {f["name"]: f["containers"] for f in world.control("GET", "/_local/containers")["functions"]}
    pids = {c["pid"] for c in functions["eligibility"]}
    assert len(pids) > 1 and all(c["cold_start_ms"] > 0 for c in functions["eligibility"])


def test_r5_racing_claims_under_conflicts_and_throttling_make_one_registration_each_and_no_500(world: Stack) -> None:
    # Given DynamoDB conflicting and throttling on the functions' calls
    mission_id = world.put_mission()
    sellers = [world.new_eligible_seller() for _ in range(6)]
    for seller in sellers:
        world.token(seller)
    world.control(
        "POST", "/_local/faults", json={"service": "dynamodb", "operation": "any", "mode": "conflict", "count": 30}
    )
    world.control(
        "POST", "/_local/faults", json={"service": "dynamodb", "operation": "any", "mode": "throttle", "count": 30}
    )

    # When every seller claims four times at once, retrying a 503 after its Retry-After as the app does
    def claim(seller: str) -> requests.Response:
        for _ in range(20):
            response = world.register(mission_id, seller)
            if response.status_code != 503:
                return response
            assert int(response.headers["Retry-After"]) > 0
            time.sleep(float(response.headers["Retry-After"]) / 10)
        return response

    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(claim, [s for s in sellers for _ in range(4)]))
    world.control(
        "POST", "/_local/faults", json={"service": "dynamodb", "operation": "any", "mode": "conflict", "count": 0}
    )
    world.drain()

    # Then no answer was a server error, and each seller has exactly one registration and campaign
    assert all(a.status_code in (200, 201) for a in answers), [a.text for a in answers if a.status_code >= 300]
    for seller in sellers:
        states = {a.json()["registered_at"] for a in answers if a.json()["seller_id"] == seller}
        assert len(states) == 1
        assert world.auto_creation(mission_id, seller)["status"] == "CREATED"
        assert len(world.auto_campaigns(seller)) == 1


def test_a5_a_retry_whose_lease_was_applied_but_answered_late_creates_once(world: Stack) -> None:
    # Given a registration whose first attempt failed at the Ads platform, and a stack with nothing to do
    mission_id = world.put_mission()
    seller = world.new_eligible_seller()
    world.fault("create_campaign", "error", 1)
    assert world.claim(mission_id, seller)["status"] == "RETRYING"
    before = _injected(world)

    # When DynamoDB applies the retry's lease and answers 500, and answers botocore's retry of it 500 too (the
    # next UpdateItem of the functions is that lease: the sweep only reads)
    world.control(
        "POST",
        "/_local/faults",
        json={"service": "dynamodb", "operation": "UpdateItem", "mode": "applied_then_error", "count": 2},
    )
    world.advance(15 * 60)
    world.drain()

    # Then the attempt knew the lease was its own: one campaign, recorded at once, announced once
    assert _injected(world) == before + 2
    state = world.auto_creation(mission_id, seller)
    [campaign] = world.auto_campaigns(seller)
    assert state["status"] == "CREATED" and state["campaign"]["campaign_id"] == campaign["campaign_id"]
    assert [e["detail-type"] for e in world.events_of(seller)].count("CampaignAutoCreated") == 1


def test_r5_a_claim_whose_write_was_applied_but_answered_late_is_answered_as_new(world: Stack) -> None:
    # Given an eligible seller, and a stack with nothing to do
    mission_id = world.put_mission()
    seller = world.new_eligible_seller()
    world.drain()
    before = _injected(world, "PutItem")

    # When DynamoDB applies the claim's put and answers 500 (the next PutItem of the functions: the claim's)
    world.control(
        "POST",
        "/_local/faults",
        json={"service": "dynamodb", "operation": "PutItem", "mode": "applied_then_error", "count": 1},
    )
    claimed = world.register(mission_id, seller)

    # Then botocore's retry, refused by the put itself, still tells the seller they are newly registered
    assert _injected(world, "PutItem") == before + 1
    assert claimed.status_code == 201, claimed.text
    again = world.register(mission_id, seller)
    assert again.status_code == 200 and again.json()["registered_at"] == claimed.json()["registered_at"]
    world.drain()
    assert [e["detail-type"] for e in world.events_of(seller)].count("MissionRegistered") == 1


def _injected(world: Stack, operation: str = "UpdateItem") -> int:
    injected = world.control("GET", "/_local/faults")["injected"]
    return int(injected.get(f"dynamodb.{operation}.applied_then_error", 0))


def test_events_out_reach_the_bus_once_put_events_works_again(world: Stack) -> None:
    # Given EventBridge refusing the service's PutEvents for a while
    world.control("GET", "/_local/events")
    world.control(
        "POST", "/_local/faults", json={"service": "events", "operation": "PutEvents", "mode": "error", "count": 12}
    )
    mission_id = world.put_mission()
    seller = world.new_eligible_seller()

    # When a seller registers, gets a campaign and is granted a voucher
    world.register(mission_id, seller)
    world.drain()
    session = world.live_session(seller, unique("L"), "2026-02-09T10:00:00+07:00", 600, 1_000_000)
    world.put_events(
        ("shop.live", "LiveSessionEnded", session),
        ("ads.gmvmax", "SpendReported", world.spend(seller, unique("P"), "2026-02-10", 9)),
    )

    # Then every event out arrived, each with an event_id that is the same on every delivery
    events = world.events_of(seller)
    kinds = {e["detail-type"] for e in events}
    assert {"MissionRegistered", "CampaignAutoCreated", "RewardGranted"} <= kinds
    by_kind: dict[str, set[str]] = {}
    for event in events:
        by_kind.setdefault(event["detail-type"], set()).add(event["detail"]["event_id"])
    assert all(len(ids) == 1 for ids in by_kind.values())
