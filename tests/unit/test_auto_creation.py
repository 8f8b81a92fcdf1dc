"""Auto-creation decisions (A2-A10) on in-memory fakes: every branch of an attempt, the give-up that keeps
looking, the opt-out that holds whatever the Ads platform does, and the race with a running attempt."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from live_mission.ads import AdsCampaign, AdsNoAnswer, AdsRejected, AdsThrottled, AdsTransientError
from live_mission.ads_quota import Purpose
from live_mission.decisions import retry_delay
from live_mission.errors import RegistrationNotFound
from live_mission.models import AutoCreationStatus as Status
from tests.unit.world import World


@pytest.fixture
def world() -> World:
    found = World()
    found.seller()
    return found


def test_retry_delays_are_15_then_30_then_every_60_minutes() -> None:
    assert [retry_delay(n).total_seconds() / 60 for n in (1, 2, 3, 4, 9)] == [15, 30, 60, 60, 60]


def test_a1_a6_an_attempt_creates_the_plan_fixed_at_the_claim(world: World) -> None:
    # Given a claim whose first attempt fails, after which benchmarks appear (the ROI would now be 3)
    world.claim()
    plan = world.registration().claim.plan
    world.ads.fail("create_campaign", AdsThrottled("too often", code=40100))
    world.creator.attempt("M1", "S1")
    world.missions.put_benchmark("ID", "beauty", "campaign", [Decimal(3)] * 25, world.clock.now(), "ops")
    world.later(hours=20)  # 22:00 in Jakarta: the last retry of the day

    # When the retry runs
    assert world.creator.attempt("M1", "S1") is Status.CREATED

    # Then it creates exactly the plan recorded at the claim
    [request] = world.ads.created
    assert plan is not None and request["roas_bid"] == float(plan.roas_bid) == 2.0
    assert request["schedule_start_time"] == "2026-02-10 01:00:00"
    assert world.shown().campaign.start_time_utc == plan.start_time_utc  # type: ignore[union-attr]


def test_a2_an_active_campaign_is_recorded_and_nothing_created(world: World) -> None:
    world.ads.campaigns["M9"] = AdsCampaign(campaign_id="M9", advertiser_id="adv-S1", operation_status="ENABLE")
    world.claim()
    world.ads.campaigns["M9"] = world.ads.campaigns["M9"]  # still there at the attempt
    assert world.creator.attempt("M1", "S1") is Status.SKIPPED_EXISTING_CAMPAIGN
    assert world.shown().campaign.origin == "MANUAL"  # type: ignore[union-attr]
    assert world.ads.created == []


@pytest.mark.parametrize(
    ("fact", "status"),
    [
        ("opted_out_at", Status.OPTED_OUT),
        ("withdrawn_at", Status.SKIPPED_WITHDRAWN),
        ("stopped_at", Status.SKIPPED_STOPPED),
    ],
)
def test_a3_a4_a10_seller_facts_decide_before_the_ads_platform_is_asked(
    world: World, fact: str, status: Status
) -> None:
    world.claim()
    world.registrations.record_fact("S1", fact, world.clock.now())  # type: ignore[arg-type]
    calls_before = world.ads.calls["list_campaigns"]
    assert world.creator.attempt("M1", "S1") is status
    assert world.ads.calls["list_campaigns"] == calls_before and world.ads.created == []
    assert world.state().due_at is None and world.state().attempts == 1


@pytest.mark.parametrize(
    "error", [AdsThrottled("too often", code=40100), AdsRejected("bad", code=40002), AdsNoAnswer("timeout")]
)
def test_a8_a_failed_attempt_is_retried_15_minutes_later(world: World, error: Exception) -> None:
    world.claim()
    world.ads.fail("create_campaign", error)  # type: ignore[arg-type]
    assert world.creator.attempt("M1", "S1") is Status.RETRYING
    state = world.state()
    assert state.attempts == 1 and state.next_attempt_at == state.due_at
    assert state.next_attempt_at == datetime.fromisoformat("2026-02-09T02:15:00+07:00")
    assert state.outcome_unknown is isinstance(error, AdsNoAnswer)


def test_a5_a_create_that_timed_out_but_succeeded_is_found_not_repeated(world: World) -> None:
    world.claim()
    world.ads.succeed_then_fail["create_campaign"] = AdsNoAnswer("read timeout")
    assert world.creator.attempt("M1", "S1") is Status.RETRYING
    world.later(minutes=15)
    assert world.creator.attempt("M1", "S1") is Status.CREATED
    assert len(world.ads.created) == 1 and world.state().outcome_unknown is False


def test_a5_an_attempt_that_died_after_creating_is_found_by_the_next(world: World) -> None:
    # Given an attempt that took its lease and created, then died before recording anything
    world.claim()
    leased, _ = world.registrations.claim_attempt("M1", "S1", world.clock.now(), world.clock.now())  # type: ignore[misc]
    request = {"campaign_name": leased.claim.plan.campaign_name, "advertiser_id": "adv-S1"}  # type: ignore[union-attr]
    world.ads.create_live_campaign(request, purpose=Purpose.CREATE)

    # When the next attempt comes (the lease has run out)
    world.later(minutes=5)
    status = world.creator.attempt("M1", "S1")

    # Then it finds the campaign instead of creating a second one
    assert status is Status.CREATED and len(world.ads.campaigns) == 1


def test_a8_the_give_up_at_local_midnight_ends_creating_not_knowing(world: World) -> None:
    # Given a create that timed out but succeeded, then listings failing until the local day ends
    world.claim()
    world.ads.succeed_then_fail["create_campaign"] = AdsNoAnswer("read timeout")
    world.creator.attempt("M1", "S1")
    world.ads.fail("list_campaigns", *[AdsTransientError("down", code=50002)] * 40)
    world.clock.set(world.state().retry_deadline)
    world.run_due_work()

    # Then the seller is not told to create a campaign, and the service keeps looking
    shown, state = world.shown(), world.state()
    assert shown.status is Status.FAILED and "don't create another" in shown.reason
    assert state.due_at is not None and shown.campaign is None

    # And once the Ads platform answers, the campaign it created is recorded: CREATED, never two
    world.ads.failures.clear()
    world.later(minutes=15)
    world.run_due_work()
    assert world.state().status is Status.CREATED and world.state().due_at is None
    assert len(world.ads.created) == 1


def test_a8_the_give_up_without_any_create_sent_tells_the_seller_and_keeps_looking(world: World) -> None:
    # Given listings failing all day, and a campaign the seller makes by hand meanwhile
    world.claim()
    world.ads.fail("list_campaigns", *[AdsThrottled("too often", code=40100)] * 100)
    world.later(minutes=11)  # the claim's listing is too old to reuse: every attempt lists
    world.creator.attempt("M1", "S1")
    world.clock.set(world.state().retry_deadline)
    world.run_due_work()

    # Then at the give-up they are told to create one themselves, and the service keeps listing
    shown = world.shown()
    assert shown.status is Status.FAILED and world.state().due_at is not None
    assert "create a LIVE GMV Max campaign yourself" in shown.reason

    # And once the Ads platform answers, their own active campaign is recorded (A2), nothing created
    world.ads.failures.clear()
    world.ads.campaigns["OWN"] = AdsCampaign(campaign_id="OWN", advertiser_id="adv-S1", operation_status="ENABLE")
    world.later(minutes=15)
    world.run_due_work()
    assert world.state().status is Status.SKIPPED_EXISTING_CAMPAIGN and world.state().due_at is None
    assert world.ads.created == []


def test_a8_looking_that_finds_nothing_ends_failed(world: World) -> None:
    world.claim()
    world.ads.fail("list_campaigns", *[AdsThrottled("too often", code=40100)] * 100)
    world.clock.set(world.state().retry_deadline)
    world.run_due_work()
    world.ads.failures.clear()
    world.later(minutes=15)
    world.run_due_work()
    state = world.state()
    assert state.status is Status.FAILED and state.due_at is None and world.ads.created == []


def test_a8_an_unknown_create_stays_unknown_through_failing_looks(world: World) -> None:
    world.claim()
    world.ads.succeed_then_fail["create_campaign"] = AdsNoAnswer("read timeout")
    world.creator.attempt("M1", "S1")
    world.ads.fail("list_campaigns", *[AdsTransientError("down", code=50002)] * 100)
    world.clock.set(world.state().retry_deadline)
    for _ in range(3):  # looks that fail, one after another
        world.run_due_work()
        world.later(minutes=15)
        assert "don't create another" in world.shown().reason
    world.ads.failures.clear()
    world.run_due_work()
    assert world.state().status is Status.CREATED and len(world.ads.created) == 1


def test_a8_at_the_give_up_a_manual_campaign_found_is_recorded(world: World) -> None:
    world.claim()
    world.ads.fail("create_campaign", AdsNoAnswer("timeout"))
    world.creator.attempt("M1", "S1")
    world.ads.campaigns["X"] = AdsCampaign(campaign_id="X", advertiser_id="adv-S1", operation_status="ENABLE")
    world.clock.set(world.state().retry_deadline)
    world.run_due_work()
    assert world.state().status is Status.SKIPPED_EXISTING_CAMPAIGN


def test_a10_an_opt_out_is_recorded_whatever_the_ads_platform_does(world: World) -> None:
    # Given a registration retrying while the Ads platform is down
    world.claim()
    world.ads.fail("create_campaign", AdsNoAnswer("timeout"))
    world.creator.attempt("M1", "S1")
    world.ads.fail("any", *[AdsTransientError("down", code=50002)] * 100)

    # When the seller opts out
    answer = world.creator.opt_out("M1", "S1")

    # Then it holds at once, for this mission and every later one
    assert answer.auto_creation.status is Status.OPTED_OUT
    assert answer.auto_creation.campaign_switch_off == "PENDING"
    assert world.registrations.facts("S1").opted_out_at is not None

    # And no later attempt creates anything; once the platform answers the switch-off is settled
    world.ads.failures.clear()
    world.later(minutes=10)
    world.run_due_work()
    assert world.ads.created == [] and world.shown().campaign_switch_off == "DONE"


def test_a10_an_opt_out_switches_off_a_campaign_created_unseen(world: World) -> None:
    world.claim()
    world.ads.succeed_then_fail["create_campaign"] = AdsNoAnswer("read timeout")
    world.creator.attempt("M1", "S1")
    world.creator.opt_out("M1", "S1")
    [campaign] = world.ads.campaigns.values()
    assert campaign.operation_status == "DISABLE"
    assert world.shown().campaign.status == "DISABLE"  # type: ignore[union-attr]


def test_a10_an_attempt_that_created_while_the_seller_opted_out_hands_its_campaign_over(world: World) -> None:
    # Given an attempt that creates while, at that very moment, the seller opts out
    world.claim()

    def opt_out_now(seen, updated) -> None:  # type: ignore[no-untyped-def]
        world.registrations.before_save.clear()
        world.creator.opt_out("M1", "S1")

    world.registrations.before_save.append(opt_out_now)

    # When the attempt tries to record its campaign
    world.creator.attempt("M1", "S1")

    # Then the opt-out wins and the campaign it created is switched off
    [campaign] = world.ads.campaigns.values()
    assert campaign.operation_status == "DISABLE"
    assert world.state().status is Status.OPTED_OUT and world.shown().campaign_switch_off == "DONE"


def test_a_redelivered_trigger_does_nothing(world: World) -> None:
    world.claim()
    assert world.creator.attempt("M1", "S1") is Status.CREATED
    assert world.creator.attempt("M1", "S1") is None
    assert len(world.ads.created) == 1


def test_a10_an_opt_out_refused_for_want_of_a_registration_records_nothing(world: World) -> None:
    # Given a seller who opts out before claiming: told there is nothing to opt out of
    with pytest.raises(RegistrationNotFound):
        world.creator.opt_out("M1", "S1")

    # When they then claim, consenting to LIVE GMV Max
    world.claim()

    # Then their claim is their newer word: nothing of the refused opt-out holds, and the campaign is created
    assert world.registrations.facts("S1").opted_out_at is None
    assert world.creator.attempt("M1", "S1") is Status.CREATED and len(world.ads.created) == 1
