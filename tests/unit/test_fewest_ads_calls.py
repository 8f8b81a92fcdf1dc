"""Q4: the app's whole flow (eligibility, preview, claim, the campaign created) costs at most three Ads calls a
seller, claim to campaign at most two; what the platform said a short while ago is reused, never a fact that
blocks. Q3: an attempt the quota holds back is not an attempt and not the seller's failure."""

from __future__ import annotations

from datetime import timedelta

import pytest

from live_mission.ads import AdsCampaign, AdsQuotaBusy, AdsTransientError
from live_mission.ads_quota import Purpose
from live_mission.models import AutoCreationStatus as Status
from live_mission.models import ReasonCode
from tests.unit.world import World, account, mission


@pytest.fixture
def world() -> World:
    found = World()
    found.seller()
    return found


def _flow(world: World, seller_id: str = "S1") -> None:
    assert world.claims.eligibility("M1", seller_id).eligible
    shown = world.claims.preview("M1", seller_id)
    world.claim(seller_id, preview_id=shown.preview_id)


def test_q4_the_apps_whole_flow_costs_three_ads_calls_and_claim_to_campaign_one(world: World) -> None:
    # When the seller checks eligibility, sees the preview, claims, and the campaign is created
    _flow(world)
    before_creation = sum(world.ads.calls.values())
    assert world.creator.attempt("M1", "S1") is Status.CREATED

    # Then the platform was asked three times in all: the account (eligibility), the campaigns (preview), the
    # create; the claim asked nothing
    assert dict(world.ads.calls) == {"account_status": 1, "list_campaigns": 1, "create_campaign": 1}
    assert before_creation == 2
    # and each call said what it was for
    assert world.ads.purposes["account_status"] == [Purpose.READ]
    # 08:00 tomorrow in Jakarta is 30 hours away: a creation, not yet an urgent one (Q2)
    assert world.ads.purposes["create_campaign"] == [Purpose.CREATE]


def test_q4_a_claim_straight_away_asks_twice_and_the_creation_once(world: World) -> None:
    world.claim()
    world.creator.attempt("M1", "S1")
    assert dict(world.ads.calls) == {"account_status": 1, "list_campaigns": 1, "create_campaign": 1}
    assert world.ads.purposes["account_status"] == [Purpose.CLAIM]


def test_q4_a_seller_who_just_fixed_a_blocker_sees_it_fixed_at_once(world: World) -> None:
    # Given a seller blocked (no payment set up) who has just checked eligibility
    world.seller(ad_account={"payment_ready": False})
    assert not world.claims.eligibility("M1", "S1").eligible

    # When they finish their billing set-up and look again a minute later
    world.seller()
    world.later(minutes=1)

    # Then they are eligible at once: a fact that blocks is never reused
    assert world.claims.eligibility("M1", "S1").eligible and world.ads.calls["account_status"] == 2


def test_q4_a_listing_that_found_an_active_campaign_is_never_reused(world: World) -> None:
    # Given a seller whose own campaign made the preview say none would be created
    world.ads.campaigns["OWN"] = AdsCampaign(campaign_id="OWN", advertiser_id="adv-S1", operation_status="ENABLE")
    assert world.claims.preview("M1", "S1").auto_creation.status is Status.SKIPPED_EXISTING_CAMPAIGN

    # When they switch it off so that the mission creates one, and look again
    world.ads.campaigns["OWN"] = world.ads.campaigns["OWN"].model_copy(update={"operation_status": "DISABLE"})
    preview = world.claims.preview("M1", "S1")

    # Then the campaigns were listed again, and a campaign would be created
    assert preview.auto_creation.would_create and world.ads.calls["list_campaigns"] == 2


def test_q4_what_was_said_ten_minutes_ago_is_asked_again(world: World) -> None:
    _flow(world)
    world.later(minutes=11)  # the first attempt comes late (the quota held it, say)
    assert world.creator.attempt("M1", "S1") is Status.CREATED
    assert world.ads.calls["list_campaigns"] == 2  # the listing the claim relied on was too old: listed again
    world.claims.eligibility("M1", "S1")
    assert world.ads.calls["account_status"] == 2


def test_a2_a_retry_always_lists_before_it_creates(world: World) -> None:
    # Given a first attempt that fails, then a campaign the seller makes by hand
    _flow(world)
    world.ads.fail("create_campaign", AdsQuotaBusy("held", retry_after=1.0))
    world.creator.attempt("M1", "S1")
    world.ads.fail("create_campaign", *[AdsTransientError("down", code=50002)])
    world.creator.attempt("M1", "S1")
    world.ads.campaigns["MINE"] = AdsCampaign(campaign_id="MINE", advertiser_id="adv-S1", operation_status="ENABLE")

    # When the retry comes, Then it lists, finds the seller's campaign, and creates nothing (A2)
    world.later(minutes=15)
    world.run_due_work()
    assert world.state().status is Status.SKIPPED_EXISTING_CAMPAIGN and world.ads.created == []


def test_q3_an_attempt_the_quota_holds_back_is_not_an_attempt_and_says_why(world: World) -> None:
    # Given a claim, and the fleet's quota with no call for creations for the next 40 seconds
    world.claim()
    world.ads.fail("create_campaign", AdsQuotaBusy("no call for creations", retry_after=40.0))

    # When its attempt runs
    world.creator.attempt("M1", "S1")

    # Then nothing was attempted at the platform: still PENDING, no attempt counted, waiting for the quota, due
    # again when it has room
    state, shown = world.state(), world.shown()
    assert state.status is Status.PENDING and state.attempts == 0 and state.held_by_quota
    assert shown.reason_code is ReasonCode.WAITING_FOR_ADS_QUOTA and "request quota" in shown.reason
    assert state.due_at == world.clock.now() + timedelta(seconds=40)

    # And when the quota has room, the campaign is created, the first attempt counted
    world.later(seconds=40)
    world.run_due_work()
    assert world.state().status is Status.CREATED and world.state().attempts == 1


def test_q3_a_sweep_stops_at_the_first_attempt_the_quota_holds_back(world: World) -> None:
    # Given three registrations due, and the quota with no call for creations for the next 30 seconds
    for seller in ("S1", "S2", "S3"):
        world.seller(seller)
        world.claim(seller)
    world.later(minutes=6)
    world.ads.fail("create_campaign", AdsQuotaBusy("no call for creations", retry_after=30.0))

    # When the retry sweep runs
    world.creator.sweep(0, lambda: 100.0)

    # Then it stops at the one held back: the others are left for the next minute, nothing written for them
    held = [s for s in ("S1", "S2", "S3") if world.state(s).held_by_quota]
    untouched = [s for s in ("S1", "S2", "S3") if world.state(s).last_attempt_at is None]
    assert len(held) == 1 and len(untouched) == 2 and world.ads.created == []


def test_q3_a_campaign_the_days_quota_kept_from_the_platform_ends_with_the_quotas_reason(world: World) -> None:
    # Given a registration whose every attempt today is held because the app's day quota is spent
    world.claim()
    for operation in ("create_campaign", "list_campaigns"):
        world.ads.fail(operation, *[AdsQuotaBusy("day spent", retry_after=4 * 3600.0, day_spent=True)] * 50)
    world.creator.attempt("M1", "S1")

    # When the seller's day ends (the give-up looks, and is held too)
    world.clock.set(world.state().retry_deadline)
    world.run_due_work()

    # Then the seller is told it was the quota, not them: FAILED with the quota's reason, still looking later
    shown = world.shown()
    assert shown.status is Status.FAILED and shown.reason_code is ReasonCode.ADS_QUOTA_USED_UP
    assert "not because of anything you did" in shown.reason and world.state().attempts == 0
    assert world.state().due_at is not None  # it looks once the quota is back: a manual campaign may be found

    # And once the quota is back and the seller's own campaign is found, that is what they see (A2)
    world.ads.failures.clear()
    world.ads.campaigns["OWN"] = AdsCampaign(campaign_id="OWN", advertiser_id="adv-S1", operation_status="ENABLE")
    world.clock.set(world.state().due_at)  # type: ignore[arg-type]
    world.run_due_work()
    assert world.state().status is Status.SKIPPED_EXISTING_CAMPAIGN and world.ads.created == []


def test_q2_the_opt_outs_switch_off_asks_first_in_line(world: World) -> None:
    _flow(world)
    world.creator.attempt("M1", "S1")
    world.creator.opt_out("M1", "S1")
    assert world.ads.purposes["update_campaign_status"] == [Purpose.SWITCH_OFF]


def test_q4_another_sellers_facts_are_never_theirs(world: World) -> None:
    world.ads.accounts["S2"] = account("S2", ads_permission=False)
    _flow(world)
    assert not world.claims.eligibility("M1", "S2").eligible


def test_a2_a_listing_taken_before_the_service_created_a_campaign_is_never_reused(world: World) -> None:
    # Given a seller whose campaign was just created for one mission, from a listing that found none
    _flow(world)
    assert world.creator.attempt("M1", "S1") is Status.CREATED

    # When, minutes later, they claim another mission
    world.missions.put(mission("M2"))
    world.later(minutes=2)
    world.claim(mission_id="M2")

    # Then the campaign of the first is found (A2): listed again, none created beside it
    assert world.creator.attempt("M2", "S1") is Status.SKIPPED_EXISTING_CAMPAIGN
    assert len(world.ads.created) == 1 and world.ads.calls["list_campaigns"] == 3  # preview, claim, attempt
