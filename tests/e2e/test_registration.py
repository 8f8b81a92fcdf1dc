"""Registration and eligibility over HTTP, one test per rule R1-R6 and per error case."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.e2e.conftest import Stack
from tests.support import CLAIM

BLOCKER_CODES = ["ADS_PERMISSION_NOT_GRANTED", "NO_VALID_AD_ACCOUNT", "PAYMENT_SETUP_INCOMPLETE"]


def _codes(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [b["code"] for b in response.json()["error"]["blockers"]]


def test_r1_open_missions_are_listed_and_claimable(world: Stack) -> None:
    # Given one open mission and one whose registration has closed
    open_id = world.put_mission()
    closed_id = world.put_mission(registration_closes_at="2026-02-05T00:00:00+07:00")
    seller = world.new_eligible_seller()

    # When the seller lists missions
    listed = world.call("GET", "/missions", seller=seller)

    # Then only the open one is offered, in the contract's shape
    assert listed.status_code == 200
    ids = [m["mission_id"] for m in listed.json()["missions"]]
    assert open_id in ids and closed_id not in ids
    mission = next(m for m in listed.json()["missions"] if m["mission_id"] == open_id)
    assert mission["goals"] == {"gmv": 1000000, "live_minutes": 600}
    assert mission["registration_opens_at"] == "2026-02-01T00:00:00+07:00"


def test_r1_unknown_mission_is_404(world: Stack) -> None:
    seller = world.new_eligible_seller()
    response = world.register("no-such-mission", seller)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "MISSION_NOT_FOUND"


def test_r1_closed_and_not_yet_open_missions_are_409(world: Stack) -> None:
    seller = world.new_eligible_seller()
    closed = world.put_mission(registration_closes_at="2026-02-09T02:00:00+07:00")  # closes exactly now
    future = world.put_mission(registration_opens_at="2026-02-09T02:00:01+07:00")
    for mission_id in (closed, future):
        response = world.register(mission_id, seller)
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "MISSION_NOT_OPEN"
        assert world.registration(mission_id, seller).status_code == 404


def test_r2_terms_must_be_accepted_in_their_current_version(world: Stack) -> None:
    mission_id = world.put_mission()
    seller = world.new_eligible_seller()
    for body in ({**CLAIM, "accept_terms": False}, {**CLAIM, "terms_version": "v0"}):
        response = world.register(mission_id, seller, body)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "TERMS_NOT_ACCEPTED"
    assert world.registration(mission_id, seller).status_code == 404


def test_r2_consent_to_live_gmv_max_is_required(world: Stack) -> None:
    mission_id = world.put_mission()
    seller = world.new_eligible_seller()
    response = world.register(mission_id, seller, {**CLAIM, "authorize_live_gmv_max": False})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "AUTHORIZATION_CONSENT_REQUIRED"
    assert world.registration(mission_id, seller).status_code == 404


def test_r3_r4_all_three_blockers_at_once_with_steps_and_nothing_written(world: Stack) -> None:
    mission_id = world.put_mission()
    seller = world.new_eligible_seller(
        ads_permission=False, account={"status": "STATUS_DISABLE", "payment_ready": False}
    )

    response = world.register(mission_id, seller)

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "REGISTRATION_BLOCKED"
    assert _codes(response) == BLOCKER_CODES
    permission = error["blockers"][0]
    assert "Authorize now" in " ".join(permission["steps"]) and "scan the code" in " ".join(permission["steps"])
    assert "Connect existing account" in " ".join(error["blockers"][1]["steps"])
    assert "billing" in " ".join(error["blockers"][2]["steps"])
    assert all(b["title"] for b in error["blockers"])
    assert world.registration(mission_id, seller).status_code == 404


def test_r3_each_blocker_alone(world: Stack) -> None:
    mission_id = world.put_mission()
    cases = {
        "ADS_PERMISSION_NOT_GRANTED": {"ads_permission": False},
        "NO_VALID_AD_ACCOUNT": {"ad_accounts": []},
        "PAYMENT_SETUP_INCOMPLETE": {"account": {"payment_ready": False}},
    }
    for code, change in cases.items():
        seller = world.new_eligible_seller(**change)
        response = world.register(mission_id, seller)
        assert response.status_code == 422, code
        assert _codes(response) == [code]


def test_r3_an_agency_authorized_account_counts(world: Stack) -> None:
    mission_id = world.put_mission()
    seller = world.new_eligible_seller(account={"owner": "AGENCY"})
    response = world.register(mission_id, seller)
    assert response.status_code == 201
    assert response.json()["advertiser_id"] == f"adv-{seller}"


def test_r4_ads_platform_unreachable_is_503_with_retry_after_and_nothing_written(world: Stack) -> None:
    mission_id = world.put_mission()
    seller = world.new_eligible_seller()
    for mode in ("error", "timeout", "throttle"):
        world.fault("account_status", mode, 1)
        response = world.register(mission_id, seller)
        assert response.status_code == 503, mode
        assert int(response.headers["Retry-After"]) > 0
        assert response.json()["error"]["code"] == "ADS_PLATFORM_UNAVAILABLE"
        assert world.registration(mission_id, seller).status_code == 404
    assert world.register(mission_id, seller).status_code == 201  # the platform is back


def test_r5_a_repeat_returns_the_same_registration(world: Stack) -> None:
    mission_id = world.put_mission()
    seller = world.new_eligible_seller()
    first = world.register(mission_id, seller)
    again = world.register(mission_id, seller)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == {**first.json(), "auto_creation": again.json()["auto_creation"]}
    assert again.json()["registered_at"] == first.json()["registered_at"]


def test_r5_concurrent_claims_make_exactly_one_registration(world: Stack) -> None:
    mission_id = world.put_mission()
    seller = world.new_eligible_seller()
    world.token(seller)

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(lambda _: world.register(mission_id, seller), range(8)))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 7 + [201]
    assert len({r.json()["registered_at"] for r in responses}) == 1


def test_many_sellers_claiming_at_once_are_each_answered_as_themselves(world: Stack) -> None:
    """Identity comes from each request's own token, however many requests run at the same moment.
    (Powertools keeps the current request on a class attribute; the local stack's containers are
    threads, and before MissionApi kept it per thread, sellers were answered with each other's claims.)"""
    mission_id = world.put_mission()
    sellers = [world.new_eligible_seller() for _ in range(32)]
    for seller in sellers:
        world.token(seller)

    with ThreadPoolExecutor(max_workers=16) as pool:
        claims = list(pool.map(lambda seller: world.register(mission_id, seller), sellers))
        reads = list(pool.map(lambda seller: world.registration(mission_id, seller), sellers))

    assert [r.status_code for r in claims] == [201] * len(sellers)
    assert [r.json()["seller_id"] for r in claims] == sellers
    assert [r.json()["seller_id"] for r in reads] == sellers


def test_r6_eligibility_answers_the_same_blockers_without_registering(world: Stack) -> None:
    mission_id = world.put_mission()
    seller = world.new_eligible_seller(ads_permission=False)
    answer = world.call("GET", f"/missions/{mission_id}/eligibility", seller=seller)
    assert answer.status_code == 200
    assert answer.json()["eligible"] is False
    assert [b["code"] for b in answer.json()["blockers"]] == ["ADS_PERMISSION_NOT_GRANTED"]
    assert world.registration(mission_id, seller).status_code == 404

    ok = world.new_eligible_seller()
    assert world.call("GET", f"/missions/{mission_id}/eligibility", seller=ok).json() == {
        "eligible": True,
        "blockers": [],
    }
    assert world.call("GET", "/missions/unknown/eligibility", seller=ok).status_code == 404


def test_registration_read_back_has_the_spec_shape(world: Stack) -> None:
    mission_id = world.put_mission()
    seller = world.new_eligible_seller()
    world.register(mission_id, seller)
    body = world.registration(mission_id, seller).json()
    assert set(body) >= {"mission_id", "seller_id", "registered_at", "advertiser_id", "auto_creation"}
    assert body["seller_id"] == seller
    assert body["registered_at"] == "2026-02-08T19:00:00+00:00"
    assert set(body["auto_creation"]) >= {"status", "reason", "attempts", "next_attempt_at", "campaign"}
