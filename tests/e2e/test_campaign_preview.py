"""Informed consent over HTTP: the campaign preview explains every outcome before the claim, writes
nothing, and the campaign created is the one shown."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.e2e.conftest import Stack
from tests.support import CLAIM, unique


def _preview(world: Stack, mission_id: str, seller: str) -> dict[str, Any]:
    response = world.call("GET", f"/missions/{mission_id}/campaign-preview", seller=seller)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_preview_then_claim_creates_exactly_the_campaign_shown(world: Stack) -> None:
    # Given an eligible seller who looks at the preview
    mission_id = world.put_mission()
    seller = world.new_eligible_seller(official_account=True)
    preview = _preview(world, mission_id, seller)
    assert preview["eligible"] and preview["auto_creation"] == {
        "would_create": True,
        "status": None,
        "reason": preview["auto_creation"]["reason"],
    }
    shown = preview["campaign"]
    assert shown["start_time_local"] == "2026-02-10T08:00:00+07:00" and shown["aigc_remix"] is True
    assert preview["spend"] == {
        "currency": "IDR",
        "daily_budget": 180000,
        "promotion_day_max": 270000,
        "derivation": preview["spend"]["derivation"],
    }
    assert preview["roi"]["tiers"] == [2, 2, 2] and preview["roi"]["source"] == "DEFAULT"

    # When they claim with the preview they were shown, and the campaign is created
    response = world.register(mission_id, seller, {**CLAIM, "preview_id": preview["preview_id"]})
    assert response.status_code == 201
    consent = response.json()["consent"]
    world.drain()

    # Then the consent records that plan, and the Ads platform received exactly it
    assert consent["campaign"] == shown and consent["differs_from_preview"] == []
    assert consent["preview_id"] == preview["preview_id"] and consent["authorized_live_gmv_max"] is True
    [created] = world.auto_campaigns(seller)
    request = created["request"]
    assert request["schedule_start_time"] == "2026-02-10 01:00:00" == shown["start_time_utc"][:19].replace("T", " ")
    assert Decimal(str(request["roas_bid"])) == Decimal(str(shown["roas_bid"]))
    assert Decimal(str(request["budget"])) == Decimal(str(shown["budget"]))
    assert request["promotion_days"]["budget_increase_percent"] == shown["promotion_days"]["budget_increase_percent"]
    assert request["promotion_days"]["roas_bid_multiplier"] == 100 - shown["promotion_days"]["roas_reduction_percent"]
    campaign = world.auto_creation(mission_id, seller)["campaign"]
    assert {k: campaign[k] for k in shown} == shown


def test_the_registration_names_what_changed_since_the_preview(world: Stack) -> None:
    # Given a preview at 23:59 in Jakarta, benchmarks loaded right after, and the local day turning
    world.set_clock("2026-02-09T23:59:00+07:00")
    mission_id = world.put_mission()
    seller = world.new_eligible_seller(industry=unique("ind"))
    preview = _preview(world, mission_id, seller)
    rois = [1.5 + 0.1 * i for i in range(25)]  # what any JSON library sends: 1.6000000000000001, ...
    world.call(
        "PUT",
        f"/admin/roi-benchmarks/ID/{preview['roi']['cohort']['industry']}/campaign",
        headers=world.as_operator(),
        json={"author_rois": rois},
    )
    world.set_clock("2026-02-10T00:01:00+07:00")

    # When the seller claims with the old preview
    consent = world.register(mission_id, seller, {**CLAIM, "preview_id": preview["preview_id"]}).json()["consent"]

    # Then the registration says what differs, and what will be created is the plan now
    assert consent["differs_from_preview"] == ["start_time_utc", "start_time_local", "roas_bid"]
    assert consent["campaign"]["start_time_local"] == "2026-02-11T08:00:00+07:00"
    assert consent["campaign"]["roas_bid"] == 3.3


@pytest.mark.parametrize(
    ("setup", "status"),
    [
        ("existing", "SKIPPED_EXISTING_CAMPAIGN"),
        ("withdrawn", "SKIPPED_WITHDRAWN"),
        ("stopped", "SKIPPED_STOPPED"),
        ("opted_out", "OPTED_OUT"),
    ],
)
def test_the_preview_explains_each_skip_before_the_claim(world: Stack, setup: str, status: str) -> None:
    mission_id = world.put_mission()
    manual = unique("manual-")
    seller = world.new_eligible_seller(
        campaigns=[{"campaign_id": manual, "status": "ENABLE"}] if setup == "existing" else []
    )
    if setup == "withdrawn":
        world.put_seller(
            seller,
            {**world.sandbox_control("GET", f"/_sandbox/sellers/{seller}"), "campaigns": [{"campaign_id": manual}]},
        )
        world.campaign_status_changed(seller, manual, "LIVEROOM_WITHDRAWN", "2026-02-09T01:00:00+07:00")
    if setup in ("stopped", "opted_out"):
        earlier = world.put_mission()
        campaign_id = world.claim(earlier, seller)["campaign"]["campaign_id"]
        if setup == "stopped":
            world.campaign_status_changed(seller, campaign_id, "AUTHORIZATION_CANCELED", "2026-02-09T01:30:00+07:00")
        else:
            world.call("POST", f"/missions/{earlier}/auto-creation/opt-out", seller=seller)

    preview = _preview(world, mission_id, seller)

    assert preview["eligible"] and preview["auto_creation"]["would_create"] is False
    assert preview["auto_creation"]["status"] == status and preview["auto_creation"]["reason"]
    assert preview["campaign"] is None and preview["spend"]["daily_budget"] is None
    assert world.claim(mission_id, seller)["status"] == status
    assert world.registration(mission_id, seller).json()["consent"]["campaign"] is None


def test_the_preview_shows_every_blocker_and_writes_nothing(world: Stack) -> None:
    mission_id = world.put_mission()
    seller = world.new_eligible_seller(
        ads_permission=False, account={"status": "STATUS_DISABLE", "payment_ready": False}
    )
    world.control("GET", "/_local/events")

    preview = _preview(world, mission_id, seller)

    assert [b["code"] for b in preview["blockers"]] == [
        "ADS_PERMISSION_NOT_GRANTED",
        "NO_VALID_AD_ACCOUNT",
        "PAYMENT_SETUP_INCOMPLETE",
    ]
    assert all(b["steps"] for b in preview["blockers"]) and preview["auto_creation"]["would_create"] is False
    assert world.registration(mission_id, seller).status_code == 404
    world.drain()
    assert world.events_of(seller) == []
    assert world.call("GET", f"/missions/{mission_id}/campaign-preview", seller=seller).json() == preview


def test_a_preview_id_that_was_never_given_out_is_refused_and_nothing_is_written(world: Stack) -> None:
    mission_id = world.put_mission()
    seller = world.new_eligible_seller()
    response = world.register(mission_id, seller, {**CLAIM, "preview_id": "pv1.not-a-preview"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "VALIDATION_FAILED"
    assert world.registration(mission_id, seller).status_code == 404


def test_mission_registered_carries_the_consent(world: Stack) -> None:
    mission_id = world.put_mission()
    seller = world.new_eligible_seller()
    world.claim(mission_id, seller)
    [registered] = [e for e in world.events_of(seller) if e["detail-type"] == "MissionRegistered"]
    assert registered["detail"]["consent"]["campaign"]["budget"] == 180000 and registered["detail"]["event_id"]
