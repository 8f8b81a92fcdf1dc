"""Bad input: a clear 4xx in the contract's error shape, nothing written, never a 5xx."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Stack
from tests.support import CLAIM, mission_body


def _assert_error(response, status: int, code: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    return error


@pytest.mark.parametrize(
    "raw",
    [
        "{not json",
        "",
        "[]",
        "null",
        '"a string"',
        '{"accept_terms": "true", "terms_version": "v1", "authorize_live_gmv_max": true}',
        '{"accept_terms": 1, "terms_version": "v1", "authorize_live_gmv_max": true}',
        '{"accept_terms": true, "terms_version": 7, "authorize_live_gmv_max": true}',
        '{"accept_terms": true, "authorize_live_gmv_max": true}',
        '{"accept_terms": true, "terms_version": "", "authorize_live_gmv_max": true}',
        '{"accept_terms": true, "terms_version": "' + "v" * 5000 + '", "authorize_live_gmv_max": true}',
        '{"accept_terms": true, "terms_version": "v1", "authorize_live_gmv_max": {"$ne": null}}',
        '{"accept_terms": true, "terms_version": "\\ud800", "authorize_live_gmv_max": true}',
        '{"a":' * 200 + "1" + "}" * 200,
    ],
)
def test_malformed_registration_bodies_are_400_with_fields_and_write_nothing(world: Stack, raw: str) -> None:
    mission_id = world.put_mission()
    seller = world.new_eligible_seller()
    response = world.register_raw(mission_id, seller, raw.encode())
    error = _assert_error(response, 400, "VALIDATION_FAILED")
    assert error["fields"]
    assert world.registration(mission_id, seller).status_code == 404


def test_oversized_body_is_413(world: Stack) -> None:
    mission_id = world.put_mission()
    seller = world.new_eligible_seller()
    body = {**CLAIM, "padding": "x" * 20_000}
    _assert_error(world.register(mission_id, seller, body), 413, "PAYLOAD_TOO_LARGE")
    assert world.registration(mission_id, seller).status_code == 404


def test_non_json_content_type_is_415(world: Stack) -> None:
    mission_id = world.put_mission()
    seller = world.new_eligible_seller()
    response = world.register_raw(mission_id, seller, b"accept_terms=true", "application/x-www-form-urlencoded")
    _assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")


@pytest.mark.parametrize("mission_id", ["bad id", "a" * 200, "%00", "..%2F..", "<script>"])
def test_hostile_mission_ids_are_4xx(world: Stack, mission_id: str) -> None:
    seller = world.new_eligible_seller()
    response = world.register(mission_id, seller)
    assert 400 <= response.status_code < 500, response.text
    assert "error" in response.json()


def test_missing_or_bad_token_is_401(world: Stack) -> None:
    mission_id = world.put_mission()
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic abc"}):
        response = world.call("POST", f"/missions/{mission_id}/registrations", json=CLAIM, headers=headers)
        _assert_error(response, 401, "UNAUTHORIZED")


def test_seller_token_cannot_use_operator_routes(world: Stack) -> None:
    seller = world.new_eligible_seller()
    response = world.call("PUT", "/admin/missions/M-hijack", seller=seller, json=mission_body())
    _assert_error(response, 403, "FORBIDDEN")


def test_a_seller_only_ever_sees_their_own_registration(world: Stack) -> None:
    mission_id = world.put_mission()
    alice, bob = world.new_eligible_seller(), world.new_eligible_seller()
    world.register(mission_id, alice)
    # The seller is the token's subject: a body or query field naming someone else changes nothing.
    response = world.call("GET", f"/missions/{mission_id}/registration?seller_id={alice}", seller=bob)
    _assert_error(response, 404, "REGISTRATION_NOT_FOUND")
    spoof = world.register(mission_id, bob, {**CLAIM, "seller_id": alice})
    assert spoof.status_code == 201 and spoof.json()["seller_id"] == bob


@pytest.mark.parametrize(
    "change",
    [
        {"registration_closes_at": "2026-01-01T00:00:00+07:00"},
        {"campaign_ends_at": "2026-02-01T00:00:00+07:00"},
        {"country": "Indonesia"},
        {"currency": 5},
        {"grace_period_days": -1},
        {"goals": {"gmv": "lots", "live_minutes": 600}},
        {"goals": {"gmv": -5, "live_minutes": 600}},
        {"registration_opens_at": "2026-02-01T00:00:00"},  # no offset
        {"reward": None},
    ],
)
def test_invalid_missions_are_400_and_not_saved(world: Stack, change: dict) -> None:  # type: ignore[type-arg]
    response = world.call("PUT", "/admin/missions/M-invalid", headers=world.as_operator(), json=mission_body(**change))
    _assert_error(response, 400, "VALIDATION_FAILED")
    seller = world.new_eligible_seller()
    assert world.register("M-invalid", seller).status_code == 404


def test_unknown_route_is_404_in_the_spec_shape(world: Stack) -> None:
    seller = world.new_eligible_seller()
    _assert_error(world.call("GET", "/no/such/route", seller=seller), 404, "NOT_FOUND")
