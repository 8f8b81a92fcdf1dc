"""ROI recommendation (O1) and its use as the campaign's target ROI (A6), over HTTP.

Each test uses its own country, so benchmarks loaded here never reach other tests' sellers (who are in ID).
"""

from __future__ import annotations

from tests.e2e.conftest import Stack


def _load(world: Stack, country: str, industry: str, timing: str, rois: list[float]):  # type: ignore[no-untyped-def]
    return world.call(
        "PUT",
        f"/admin/roi-benchmarks/{country}/{industry}/{timing}",
        headers=world.as_operator(),
        json={"author_rois": rois},
    )


def _recommendation(world: Stack, mission_id: str, seller: str) -> dict:  # type: ignore[type-arg]
    response = world.call("GET", f"/missions/{mission_id}/roi-recommendation", seller=seller)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_o1_no_benchmark_means_roi_2(world: Stack) -> None:
    mission_id = world.put_mission()
    seller = world.new_eligible_seller(country="QA")
    answer = _recommendation(world, mission_id, seller)
    assert answer["tiers"] == [2, 2, 2] and answer["source"] == "DEFAULT"


def test_o1_a_cohort_of_20_gives_tiers_and_the_highest_is_the_campaign_roi(world: Stack) -> None:
    # Given 20 beauty authors in TH during campaigns, with ROI 1.0 .. 2.9
    assert _load(world, "TH", "beauty", "campaign", [1 + i / 10 for i in range(20)]).status_code == 200
    assert _load(world, "TH", "beauty", "normal", [5.0] * 20).status_code == 200
    mission_id = world.put_mission(country="TH")
    seller = world.new_eligible_seller(country="TH", industry="beauty")

    # When the seller asks during the campaign period, then registers
    answer = _recommendation(world, mission_id, seller)
    world.register(mission_id, seller)
    world.drain()

    # Then the tiers are the cohort's quartiles and the campaign targets the highest
    assert answer["tiers"] == [1.4, 1.9, 2.4]
    assert answer["source"] == "BENCHMARK_COHORT"
    assert answer["cohort"] == {"country": "TH", "industry": "beauty", "timing": "campaign", "authors": 20}
    campaign = world.registration(mission_id, seller).json()["auto_creation"]["campaign"]
    assert campaign["roas_bid"] == 2.4
    [created] = world.campaigns(seller)
    assert created["request"]["roas_bid"] == 2.4


def test_o1_normal_timing_outside_the_campaign_period(world: Stack) -> None:
    _load(world, "VN", "toys", "normal", [3.0] * 20)
    mission_id = world.put_mission(
        country="VN", campaign_starts_at="2026-03-01T00:00:00+07:00", campaign_ends_at="2026-03-05T00:00:00+07:00"
    )
    seller = world.new_eligible_seller(country="VN", industry="toys")
    answer = _recommendation(world, mission_id, seller)
    assert answer["cohort"]["timing"] == "normal" and answer["tiers"] == [3, 3, 3]


def test_o1_a_small_cohort_falls_back_to_the_country(world: Stack) -> None:
    _load(world, "MY", "books", "campaign", [1.0] * 5)
    _load(world, "MY", "games", "campaign", [4.0] * 15)
    mission_id = world.put_mission(country="MY")
    seller = world.new_eligible_seller(country="MY", industry="books")
    answer = _recommendation(world, mission_id, seller)
    assert answer["source"] == "BENCHMARK_COUNTRY"
    assert answer["cohort"]["authors"] == 20 and answer["tiers"] == [1, 4, 4]


def test_o1_benchmark_uploads_are_validated_and_operator_only(world: Stack) -> None:
    assert _load(world, "PH", "beauty", "sometimes", [2.0]).status_code == 400
    assert _load(world, "Philippines", "beauty", "normal", [2.0]).status_code == 400
    for rois in ([], [-1.0], ["high"], [2.0] * 2001):
        response = _load(world, "PH", "beauty", "normal", rois)  # type: ignore[arg-type]
        assert response.status_code in (400, 413), rois
        assert response.json()["error"]["code"] in ("VALIDATION_FAILED", "PAYLOAD_TOO_LARGE")
    seller = world.new_eligible_seller()
    forbidden = world.call("PUT", "/admin/roi-benchmarks/PH/beauty/normal", seller=seller, json={"author_rois": [2.0]})
    assert forbidden.status_code == 403
