"""The campaign preview and the claim on fakes (R1-R6, informed consent): what is shown is what is fixed."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from live_mission.ads import AdsCampaign, AdsQuotaBusy, AdsTransientError
from live_mission.consent import read_preview_id
from live_mission.errors import AdsPlatformUnavailable, RegistrationBlocked, ServiceBusy, ValidationFailed
from live_mission.models import AutoCreationStatus as Status
from tests.unit.world import World


@pytest.fixture
def world() -> World:
    found = World()
    found.seller()
    return found


def test_a_preview_shows_the_plan_and_what_it_may_spend_and_writes_nothing(world: World) -> None:
    preview = world.claims.preview("M1", "S1")
    assert preview.eligible and preview.auto_creation.would_create and preview.auto_creation.status is None
    assert preview.campaign is not None and preview.campaign.start_time_local == "2026-02-10T08:00:00+07:00"
    assert (preview.spend.daily_budget, preview.spend.promotion_day_max) == (180000, 270000)
    assert preview.roi.source == "DEFAULT" and preview.registered is False
    assert world.registrations.registrations == {}


@pytest.mark.parametrize(
    ("fact", "status"),
    [
        ("opted_out_at", Status.OPTED_OUT),
        ("withdrawn_at", Status.SKIPPED_WITHDRAWN),
        ("stopped_at", Status.SKIPPED_STOPPED),
    ],
)
def test_a_preview_explains_each_skip(world: World, fact: str, status: Status) -> None:
    world.registrations.record_fact("S1", fact, world.clock.now())  # type: ignore[arg-type]
    preview = world.claims.preview("M1", "S1")
    assert not preview.auto_creation.would_create and preview.auto_creation.status is status
    assert preview.campaign is None and preview.auto_creation.reason


def test_a_preview_explains_an_existing_campaign(world: World) -> None:
    world.ads.campaigns["X"] = AdsCampaign(campaign_id="X", advertiser_id="adv-S1", operation_status="ENABLE")
    preview = world.claims.preview("M1", "S1")
    assert preview.auto_creation.status is Status.SKIPPED_EXISTING_CAMPAIGN and preview.spend.daily_budget is None


def test_a_preview_for_a_blocked_seller_lists_every_blocker(world: World) -> None:
    world.seller("S2", ads_permission=False, ad_accounts=[])
    preview = world.claims.preview("M1", "S2")
    assert [b.code for b in preview.blockers] == ["ADS_PERMISSION_NOT_GRANTED", "NO_VALID_AD_ACCOUNT"]
    assert not preview.eligible and not preview.auto_creation.would_create and preview.campaign is None


def test_the_claim_fixes_the_previewed_plan_and_says_nothing_differs(world: World) -> None:
    preview = world.claims.preview("M1", "S1")
    world.claim(preview_id=preview.preview_id)
    consent = world.registration().view().consent
    assert consent.preview_id == preview.preview_id and consent.differs_from_preview == []
    assert consent.campaign == preview.campaign and consent.terms_version == "v1"


def test_the_claim_names_what_changed_since_the_preview(world: World) -> None:
    # Given a preview at 23:59 in Jakarta, then benchmarks loaded and the local day turning
    world.clock.set(world.clock.now().replace(hour=23, minute=59))
    preview = world.claims.preview("M1", "S1")
    world.missions.put_benchmark("ID", "beauty", "campaign", [Decimal(3)] * 25, world.clock.now(), "ops")
    world.later(minutes=2)

    # When the seller claims with what they were shown
    world.claim(preview_id=preview.preview_id)

    # Then the registration says which parts of the plan differ from the preview
    assert world.registration().claim.consent.differs_from_preview == ["start_time_utc", "start_time_local", "roas_bid"]


def test_a_preview_id_that_was_never_given_out_is_bad_input(world: World) -> None:
    for forged in ("nope", "pv1.!!!", "pv1.W10"):
        with pytest.raises(ValidationFailed):
            world.claim(preview_id=forged)
    assert world.registrations.registrations == {}
    assert read_preview_id(world.claims.preview("M1", "S1").preview_id)["auto_creation"]["would_create"] is True


def test_r4_a_blocked_claim_writes_nothing_the_eligibility_check_counts_the_blockers(world: World) -> None:
    world.seller("S2", ads_permission=False)
    with pytest.raises(RegistrationBlocked) as blocked:
        world.claim("S2")
    assert [b["code"] for b in blocked.value.blockers or []] == ["ADS_PERMISSION_NOT_GRANTED"]
    assert world.registrations.registrations == {} and world.statistics.counts == {}

    world.claims.eligibility("M1", "S2")
    world.claims.preview("M1", "S2")
    world.claims.eligibility("M1", "S1")
    assert world.statistics.counts == {"blocked_ADS_PERMISSION_NOT_GRANTED": 2}


def test_r4_an_unreachable_ads_platform_writes_nothing(world: World) -> None:
    world.ads.fail("list_campaigns", AdsTransientError("down", code=50002))
    with pytest.raises(AdsPlatformUnavailable) as unavailable:
        world.claim()
    assert unavailable.value.headers["Retry-After"] and world.registrations.registrations == {}


@pytest.mark.parametrize(("wait", "retry_after"), [(0.3, "1"), (41.2, "42"), (8 * 3600.0, "28800")])
def test_q3_a_claim_the_ads_quota_cannot_serve_now_says_the_real_wait_and_writes_nothing(
    world: World, wait: float, retry_after: str
) -> None:
    # Given the fleet's quota with no call for a claim until the next second, the next minute or 00:00 UTC
    world.ads.fail("account_status", AdsQuotaBusy("no call for claims", retry_after=wait, day_spent=wait > 3600))

    # When the seller claims, Then they are told to come back when the quota has room, and nothing is written
    with pytest.raises(ServiceBusy) as busy:
        world.claim()
    assert busy.value.headers["Retry-After"] == retry_after and world.registrations.registrations == {}


def test_r5_a_repeat_returns_the_same_registration_without_asking_the_ads_platform(world: World) -> None:
    world.claim()
    calls = sum(world.ads.calls.values())
    again, created = world.claims.register("M1", "S1", world.registration().view().consent and _claim())
    assert not created and again == world.registration().view() and sum(world.ads.calls.values()) == calls


def _claim():  # type: ignore[no-untyped-def]
    from live_mission.models import RegistrationRequest
    from tests.support import CLAIM

    return RegistrationRequest.model_validate(CLAIM)


@settings(max_examples=80, deadline=None)
@given(
    moment=st.datetimes(
        min_value=datetime(2026, 2, 1, 12), max_value=datetime(2026, 2, 18, 12), timezones=st.just(UTC)
    ),
    zone=st.sampled_from(
        ["Asia/Jakarta", "Etc/GMT+8", "Asia/Kathmandu", "Pacific/Chatham", "America/St_Johns", "Europe/London", "UTC"]
    ),
    official=st.booleans(),
)
def test_the_created_campaign_is_the_one_previewed_at_that_moment(moment: datetime, zone: str, official: bool) -> None:
    # Given a seller in any zone who previews at any moment of the registration window, then claims
    world = World()
    world.clock.set(moment)
    world.seller(ad_account={"timezone": zone}, official_account=official)
    shown = world.claims.preview("M1", "S1").campaign
    world.claim()

    # When the attempt runs
    assert world.creator.attempt("M1", "S1") is Status.CREATED

    # Then what the Ads platform received is what the preview showed
    [request] = world.ads.created
    assert shown is not None
    assert request["schedule_start_time"] == shown.start_time_utc.strftime("%Y-%m-%d %H:%M:%S")
    assert request["roas_bid"] == float(shown.roas_bid) and request["budget"] == float(shown.budget)
    promotion = request["promotion_days"]
    assert promotion["is_enabled"] == shown.promotion_days.enabled
    assert promotion["roas_bid_multiplier"] == 100 - shown.promotion_days.roas_reduction_percent
    assert promotion["budget_increase_percent"] == shown.promotion_days.budget_increase_percent
    assert request["aigc_remix_enabled"] == shown.aigc_remix == official
    assert world.registration().claim.consent.differs_from_preview == []
