"""Campaign status reports (A3, A4) on fakes: the service's own campaign is recognised even before its
creation was recorded; a report for a campaign that is not the seller's changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from live_mission.ads import AdsCampaign, AdsNoAnswer
from live_mission.campaign_lifecycle import CampaignStatusChanged
from live_mission.models import AutoCreationStatus as Status
from tests.unit.world import World


def _change(status: str, campaign_id: str, at: datetime, advertiser_id: str = "adv-S1") -> CampaignStatusChanged:
    return CampaignStatusChanged(
        seller_id="S1",
        advertiser_id=advertiser_id,
        campaign_id=campaign_id,
        status=status,
        changed_at=at,  # type: ignore[arg-type]
    )


def _created_unseen(world: World) -> str:
    """A create that timed out but succeeded: the campaign exists, the service has not recorded it."""
    world.ads.succeed_then_fail["create_campaign"] = AdsNoAnswer("read timeout")
    world.creator.attempt("M1", "S1")
    [campaign_id] = world.ads.campaigns
    return campaign_id


def _retry_records_the_campaign_as(world: World, status: str) -> None:
    world.later(minutes=15)
    world.run_due_work()
    assert world.state().status is Status.CREATED
    assert world.registration().view().auto_creation.campaign.status == status  # type: ignore[union-attr]


def _next_mission_attempt(world: World) -> Status | None:
    world.missions.put(world.missions.get("M1").model_copy(update={"mission_id": "M2"}))  # type: ignore[union-attr]
    world.claim(mission_id="M2")
    return world.creator.attempt("M2", "S1")


@pytest.fixture
def world() -> World:
    found = World()
    found.seller()
    found.claim()
    return found


@pytest.mark.parametrize(
    ("status", "fact"), [("AUTHORIZATION_CANCELED", "stopped_at"), ("LIVEROOM_WITHDRAWN", "withdrawn_at")]
)
def test_a_stop_reported_before_the_service_recorded_its_campaign_is_not_lost(
    world: World, status: str, fact: str
) -> None:
    # Given a create that timed out but succeeded
    campaign_id = _created_unseen(world)

    # When the Ads platform reports the campaign stopped, before the service recorded it
    world.ads.campaigns[campaign_id] = world.ads.campaigns[campaign_id].model_copy(
        update={"operation_status": "DISABLE"}
    )
    world.reports.record(_change(status, campaign_id, world.clock.now()))

    # Then it is a fact about the seller, and the registration shows the campaign as the platform does
    assert getattr(world.registrations.facts("S1"), fact) is not None
    _retry_records_the_campaign_as(world, status)

    # And the next mission creates nothing (A3, A4)
    assert _next_mission_attempt(world) in (Status.SKIPPED_STOPPED, Status.SKIPPED_WITHDRAWN)
    assert len(world.ads.created) == 1


@pytest.mark.parametrize(
    ("status", "skipped"),
    [("AUTHORIZATION_CANCELED", Status.SKIPPED_STOPPED), ("LIVEROOM_WITHDRAWN", Status.SKIPPED_WITHDRAWN)],
)
def test_a_stop_reported_while_the_ads_platform_cannot_say_whose_campaign_it_is_is_not_lost(
    world: World, status: str, skipped: Status
) -> None:
    # Given a create that timed out but succeeded (the campaign still running)
    campaign_id = _created_unseen(world)

    # When its stop is reported while the Ads platform cannot say whose campaign it is, through every retry
    for _ in range(3):
        world.ads.fail("list_campaigns", AdsNoAnswer("down"))
        with pytest.raises(AdsNoAnswer):
            world.reports.record(_change(status, campaign_id, world.clock.now()))

    # Then the attempt that records the campaign also records the fact the report was kept for (A3, A4)
    _retry_records_the_campaign_as(world, status)

    # And the next mission skips for that reason, not for the campaign still running (A3 before A2)
    assert _next_mission_attempt(world) is skipped
    assert len(world.ads.created) == 1


def test_a_stop_reported_after_the_campaign_was_recorded_is_kept_in_order(world: World) -> None:
    world.creator.attempt("M1", "S1")
    [campaign_id] = world.ads.campaigns
    now = world.clock.now()
    world.reports.record(_change("ENABLED", campaign_id, now + timedelta(hours=2)))
    world.reports.record(_change("DISABLED", campaign_id, now + timedelta(hours=1)))  # older, arriving late
    assert world.registration().view().auto_creation.campaign.status == "ENABLE"  # type: ignore[union-attr]
    assert world.registrations.facts("S1").stopped_at is not None  # it was stopped, for a while (A4)


def test_a_withdrawal_on_another_sellers_advertiser_changes_nothing(world: World) -> None:
    world.creator.attempt("M1", "S1")
    world.reports.record(_change("LIVEROOM_WITHDRAWN", "C-other", world.clock.now(), advertiser_id="adv-SOMEONE-ELSE"))
    assert world.registrations.facts("S1").withdrawn_at is None


def test_a_withdrawal_on_the_sellers_own_manual_campaign_counts(world: World) -> None:
    world.ads.campaigns["MAN"] = AdsCampaign(campaign_id="MAN", advertiser_id="adv-S1", operation_status="ENABLE")
    world.reports.record(_change("LIVEROOM_WITHDRAWN", "MAN", world.clock.now()))
    assert world.registrations.facts("S1").withdrawn_at is not None


def test_a_withdrawal_reported_through_an_ads_outage_longer_than_its_retries_counts_at_the_next_attempt(
    world: World,
) -> None:
    # Given the seller's own manual campaign, withdrawn while the Ads platform cannot say whose it is,
    # through every retry of the report
    world.ads.campaigns["MAN"] = AdsCampaign(campaign_id="MAN", advertiser_id="adv-S1", operation_status="ENABLE")
    for _ in range(3):
        world.ads.fail("list_campaigns", AdsNoAnswer("down"))
        with pytest.raises(AdsNoAnswer):
            world.reports.record(_change("LIVEROOM_WITHDRAWN", "MAN", world.clock.now()))
    assert world.registrations.facts("S1").withdrawn_at is None

    # When the attempt runs while the platform still cannot answer, and again once it can
    world.ads.fail("list_campaigns", AdsNoAnswer("still down"))
    assert world.creator.attempt("M1", "S1") is Status.RETRYING
    world.later(minutes=15)
    world.run_due_work()

    # Then the withdrawal counted before anything else (A3 before A2), and nothing was created
    assert world.state().status is Status.SKIPPED_WITHDRAWN
    facts = world.registrations.facts("S1")
    assert facts.withdrawn_at is not None and facts.reports_to_confirm == []
    assert world.ads.created == []


def test_a_report_that_waited_for_someone_elses_campaign_changes_nothing(world: World) -> None:
    world.ads.campaigns["OTHER"] = AdsCampaign(campaign_id="OTHER", advertiser_id="adv-S2", operation_status="ENABLE")
    world.ads.fail("list_campaigns", AdsNoAnswer("down"))
    with pytest.raises(AdsNoAnswer):
        world.reports.record(_change("LIVEROOM_WITHDRAWN", "OTHER", world.clock.now(), advertiser_id="adv-S2"))
    assert world.creator.attempt("M1", "S1") is Status.CREATED
    facts = world.registrations.facts("S1")
    assert facts.withdrawn_at is None and facts.reports_to_confirm == []


def test_a_manual_campaign_switched_off_stops_nothing(world: World) -> None:
    world.ads.campaigns["MAN"] = AdsCampaign(campaign_id="MAN", advertiser_id="adv-S1", operation_status="ENABLE")
    world.creator.attempt("M1", "S1")
    world.reports.record(_change("DISABLED", "MAN", world.clock.now()))
    assert world.registrations.facts("S1").stopped_at is None
