"""After creation: opt-out (A10), withdrawn rooms (A3), stopped campaigns (A4), the seller's edits (A7)
and the mission's end (A9), through HTTP, bus events and the sandbox."""

from __future__ import annotations

from tests.e2e.conftest import Stack
from tests.support import unique


def _registered_with_campaign(world: Stack, **seller: object) -> tuple[str, str, str]:
    mission_id = world.put_mission()
    seller_id = world.new_eligible_seller(**seller)  # type: ignore[arg-type]
    state = world.claim(mission_id, seller_id)
    assert state["status"] == "CREATED"
    return mission_id, seller_id, state["campaign"]["campaign_id"]


def _opt_out(world: Stack, mission_id: str, seller: str):  # type: ignore[no-untyped-def]
    return world.call("POST", f"/missions/{mission_id}/auto-creation/opt-out", seller=seller)


def test_a10_opting_out_switches_the_campaign_off_and_holds_in_later_missions(world: Stack) -> None:
    # Given a seller whose campaign was auto-created
    mission_id, seller, campaign_id = _registered_with_campaign(world)

    # When they opt out, twice
    first, again = _opt_out(world, mission_id, seller), _opt_out(world, mission_id, seller)

    # Then the campaign is off on the Ads side and the registration says so, the same both times
    assert first.status_code == again.status_code == 200
    state = first.json()["auto_creation"]
    assert state["status"] == "OPTED_OUT" and state["campaign"]["status"] == "DISABLE"
    assert again.json()["auto_creation"] == state
    [campaign] = world.campaigns(seller)
    assert campaign["campaign_id"] == campaign_id and campaign["status"] == "DISABLE"

    # And a later mission never auto-creates for them again
    later = world.put_mission()
    assert world.register(later, seller).status_code == 201
    world.drain()
    assert world.auto_creation(later, seller)["status"] == "OPTED_OUT"
    assert len(world.campaigns(seller)) == 1


def test_a10_opting_out_while_retrying_finds_a_campaign_that_was_created_after_all(world: Stack) -> None:
    mission_id = world.put_mission()
    seller = world.new_eligible_seller()
    world.fault("create_campaign", "succeed_then_timeout", 1)
    world.claim(mission_id, seller)
    assert world.auto_creation(mission_id, seller)["status"] == "RETRYING"

    response = _opt_out(world, mission_id, seller)

    assert response.status_code == 200
    assert response.json()["auto_creation"]["status"] == "OPTED_OUT"
    assert [c["status"] for c in world.campaigns(seller)] == ["DISABLE"]
    world.advance(60 * 60)  # the retry that was due does nothing
    assert world.auto_creation(mission_id, seller)["status"] == "OPTED_OUT"
    assert len(world.campaigns(seller)) == 1


def test_a10_opting_out_when_the_ads_platform_is_down_is_recorded_and_the_service_switches_it_off(
    world: Stack,
) -> None:
    # Given a seller with an auto-created campaign, and the Ads platform refusing status updates
    mission_id, seller, _ = _registered_with_campaign(world)
    world.fault("update_campaign_status", "error", 3)

    # When they opt out, once
    answer = _opt_out(world, mission_id, seller)

    # Then the opt-out is recorded at once, and the answer says the switch-off is under way
    assert answer.status_code == 200
    state = answer.json()["auto_creation"]
    assert state["status"] == "OPTED_OUT" and state["campaign_switch_off"] == "PENDING"
    assert "keep trying" in state["reason"]
    assert [c["status"] for c in world.campaigns(seller)] == ["ENABLE"]

    # And the service itself keeps at it until the Ads platform confirms; the seller never repeats it
    world.advance(20 * 60)
    state = world.auto_creation(mission_id, seller)
    assert state["campaign_switch_off"] == "DONE" and state["campaign"]["status"] == "DISABLE"
    assert [c["status"] for c in world.campaigns(seller)] == ["DISABLE"]


def test_a10_an_opt_out_while_retrying_in_an_ads_outage_holds_and_nothing_is_ever_created(world: Stack) -> None:
    # Given a registration retrying because the Ads platform is down (listing campaigns fails too)
    mission_id = world.put_mission()
    seller = world.new_eligible_seller()
    world.fault("create_campaign", "error", 1)
    world.claim(mission_id, seller)
    assert world.auto_creation(mission_id, seller)["status"] == "RETRYING"
    world.fault("any", "error", 10_000)

    # When the seller opts out during the outage
    answer = _opt_out(world, mission_id, seller)

    # Then it is recorded at once, and no later attempt creates anything, during or after the outage
    assert answer.status_code == 200 and answer.json()["auto_creation"]["status"] == "OPTED_OUT"
    world.advance(60 * 60)
    world.clear_faults()
    world.advance(60 * 60)
    state = world.auto_creation(mission_id, seller)
    assert state["status"] == "OPTED_OUT" and state["campaign_switch_off"] == "DONE"
    assert world.campaigns(seller) == []


def test_a10_opt_out_needs_a_registration(world: Stack) -> None:
    mission_id = world.put_mission()
    seller = world.new_eligible_seller()
    response = _opt_out(world, mission_id, seller)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "REGISTRATION_NOT_FOUND"
    assert _opt_out(world, "no-such-mission", seller).json()["error"]["code"] == "MISSION_NOT_FOUND"


def test_a3_a_withdrawn_room_blocks_auto_creation_in_later_missions_and_stops_retries(world: Stack) -> None:
    # Given a seller whose first attempt failed, who then withdraws their room
    mission_id = world.put_mission()
    seller = world.new_eligible_seller()
    world.fault("create_campaign", "error", 1)
    world.claim(mission_id, seller)
    world.withdraw_room(seller, unique("manual-"), "2026-02-09T02:05:00+07:00")

    # When the retry comes, and when they join a later mission
    world.advance(15 * 60)
    later = world.put_mission()
    world.claim(later, seller)

    # Then nothing is created or retried, and they are told to create a campaign themselves
    for mission in (mission_id, later):
        state = world.auto_creation(mission, seller)
        assert state["status"] == "SKIPPED_WITHDRAWN" and state["next_attempt_at"] is None
        assert "yourself" in state["reason"]
    assert [c for c in world.campaigns(seller) if c["origin"] == "AUTO"] == []  # only the withdrawn one


def test_a4_a_stopped_auto_created_campaign_blocks_later_missions(world: Stack) -> None:
    mission_id, seller, campaign_id = _registered_with_campaign(world)
    world.campaign_status_changed(seller, campaign_id, "AUTHORIZATION_CANCELED", "2026-02-09T03:00:00+07:00")

    later = world.put_mission()
    world.claim(later, seller)

    assert world.auto_creation(later, seller)["status"] == "SKIPPED_STOPPED"
    assert world.auto_creation(mission_id, seller)["campaign"]["status"] == "AUTHORIZATION_CANCELED"
    assert len(world.campaigns(seller)) == 1


def test_a4_a_manual_campaign_switched_off_is_not_a_stopped_auto_campaign(world: Stack) -> None:
    manual = unique("manual-")
    mission_id = world.put_mission()
    seller = world.new_eligible_seller(campaigns=[{"campaign_id": manual, "status": "ENABLE"}])
    world.claim(mission_id, seller)
    assert world.auto_creation(mission_id, seller)["status"] == "SKIPPED_EXISTING_CAMPAIGN"
    world.sandbox_control("POST", f"/_sandbox/campaigns/{manual}/status", json={"status": "DISABLE"})
    world.campaign_status_changed(seller, manual, "DISABLED", "2026-02-09T03:00:00+07:00")

    later = world.put_mission()
    world.claim(later, seller)

    assert world.auto_creation(later, seller)["status"] == "CREATED"


def test_a2_order_opted_out_before_withdrawn_before_existing(world: Stack) -> None:
    manual = unique("manual-")
    seller = world.new_eligible_seller(campaigns=[{"campaign_id": manual, "status": "ENABLE"}])
    world.campaign_status_changed(seller, manual, "LIVEROOM_WITHDRAWN", "2026-02-09T01:00:00+07:00")
    first = world.put_mission()
    world.claim(first, seller)
    assert world.auto_creation(first, seller)["status"] == "SKIPPED_WITHDRAWN"  # A3 before A2

    assert _opt_out(world, first, seller).status_code == 200
    second = world.put_mission()
    world.claim(second, seller)
    assert world.auto_creation(second, seller)["status"] == "OPTED_OUT"  # A10 before A3


def test_a7_status_reports_are_kept_in_order_and_the_campaign_is_never_touched(world: Stack) -> None:
    mission_id, seller, campaign_id = _registered_with_campaign(world)
    # The seller switches it off and on again on the Ads side; the reports arrive out of order.
    world.campaign_status_changed(seller, campaign_id, "ENABLED", "2026-02-09T05:00:00+07:00")
    world.campaign_status_changed(seller, campaign_id, "DISABLED", "2026-02-09T04:00:00+07:00")
    assert world.auto_creation(mission_id, seller)["campaign"]["status"] == "ENABLE"
    [campaign] = world.campaigns(seller)
    assert campaign["status"] == "ENABLE" and campaign["request"]["roas_bid"] == 2.0


def test_a9_campaigns_keep_running_after_the_mission_ends(world: Stack) -> None:
    mission_id, seller, _ = _registered_with_campaign(world)
    world.set_clock("2026-02-14T23:00:00+07:00")  # the last hour of the grace period
    world.advance(2 * 3600)  # every schedule fires through the mission's end
    assert [c["status"] for c in world.campaigns(seller)] == ["ENABLE"]
    assert world.auto_creation(mission_id, seller)["status"] == "CREATED"


def test_a_malformed_status_event_changes_nothing(world: Stack) -> None:
    mission_id, seller, campaign_id = _registered_with_campaign(world)
    bad = {"seller_id": seller, "campaign_id": campaign_id, "status": "EXPLODED"}
    world.put_events(("ads.gmvmax", "CampaignStatusChanged", bad))
    assert world.auto_creation(mission_id, seller)["campaign"]["status"] == "ENABLE"
    later = world.put_mission()
    world.claim(later, seller)
    assert world.auto_creation(later, seller)["status"] == "SKIPPED_EXISTING_CAMPAIGN"
