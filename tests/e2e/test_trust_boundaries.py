"""Trust boundaries over HTTP and events: the order of restatements is the service's, not the sender's;
a status change about someone else's campaign changes nothing; only named operators change missions."""

from __future__ import annotations

import json

from tests.e2e.conftest import Stack
from tests.support import mission_body


def test_a_late_replay_dated_far_in_the_future_changes_nothing(world: Stack) -> None:
    # Given a seller whose session and spend counted in time
    mission_id, seller, session, spend, before = world.granted_in_time()

    # When, after the grace period, restatements arrive that their sender dated 2099
    world.set_clock("2026-02-20T00:00:00+07:00")
    entries = [
        {
            "Source": "shop.live",
            "DetailType": "LiveSessionEnded",
            "Detail": json.dumps({**session, "gmv": 1}),
            "Time": "2099-01-01T00:00:00Z",
        },
        {
            "Source": "ads.gmvmax",
            "DetailType": "SpendReported",
            "Detail": json.dumps({**spend, "spend": 0}),
            "Time": "2099-01-01T00:00:00Z",
        },
    ]
    world.control("POST", "/_local/events", json={"entries": entries})
    world.drain()

    # Then nothing the seller sees changes
    assert world.progress(mission_id, seller) == before


def test_a_status_change_for_another_sellers_campaign_changes_nothing(world: Stack) -> None:
    # Given two registered sellers, the first with an auto-created campaign
    mission_id = world.put_mission()
    owner, other = world.new_eligible_seller(), world.new_eligible_seller()
    assert world.claim(mission_id, owner)["status"] == "CREATED"
    assert world.claim(mission_id, other)["status"] == "CREATED"
    [campaign] = world.auto_campaigns(owner)

    # When an event says the other seller's authorization for the owner's campaign was cancelled,
    # and that the owner's room was withdrawn under the other seller's name
    world.campaign_status_changed(other, campaign["campaign_id"], "AUTHORIZATION_CANCELED", "2026-02-09T03:00:00+07:00")
    world.campaign_status_changed(other, campaign["campaign_id"], "LIVEROOM_WITHDRAWN", "2026-02-09T03:01:00+07:00")

    # Then neither seller's campaign changes, and the other seller still gets a campaign next mission
    assert world.auto_creation(mission_id, owner)["campaign"]["status"] == "ENABLE"
    assert world.auto_creation(mission_id, other)["campaign"]["status"] == "ENABLE"
    later = world.put_mission()
    assert world.claim(later, other)["status"] in ("CREATED", "SKIPPED_EXISTING_CAMPAIGN")
    assert world.auto_creation(later, other)["status"] != "SKIPPED_WITHDRAWN"


def test_a_principal_not_named_as_operator_is_refused(world: Stack) -> None:
    params = {"sub": "intruder", "role": "admin", "principal": "arn:aws:iam::123456789012:role/SomeoneElse"}
    token = world.http.get(f"{world.api}/_local/token", params=params, timeout=10).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    mission_id = "not-by-you"

    answer = world.call("PUT", f"/admin/missions/{mission_id}", headers=headers, json=mission_body())
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "FORBIDDEN"
    report = world.call("GET", f"/admin/missions/{mission_id}/report", headers=headers)
    assert report.status_code == 403
    # and nothing was written: a named operator finds no such mission
    assert world.call("GET", f"/admin/missions/{mission_id}/report", headers=world.as_operator()).status_code == 404


def test_admin_changes_name_who_made_them_to_operators_only(world: Stack) -> None:
    answer = world.call(
        "PUT", f"/admin/missions/{world.put_mission()}", headers=world.as_operator(), json=mission_body()
    )
    assert answer.status_code == 200
    assert answer.json()["updated_by"] == "arn:aws:iam::123456789012:user/local-operator"
    assert answer.json()["updated_by_session"] == "arn:aws:iam::123456789012:user/local-operator"
    listed = world.call("GET", "/missions", seller="anyone").json()["missions"]
    assert listed and all("updated_by" not in mission and "updated_by_session" not in mission for mission in listed)
