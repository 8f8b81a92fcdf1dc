"""The registration, eligibility and missions handlers against moto and the sandbox."""

from __future__ import annotations

import json
import threading

import boto3
from boto3.dynamodb.conditions import Key

from live_mission.store import MissionStore
from tests.integration.conftest import context, http_event, load_handler
from tests.support import CLAIM, eligible_seller, mission_body
from tools.local_stack.aws import CREDENTIALS, MotoServer
from tools.local_stack.template import Template


def _put_mission(mission_id: str = "M1") -> None:
    missions = load_handler("missions")
    event = http_event(
        "PUT",
        f"/admin/missions/{mission_id}",
        "/admin/missions/{mission_id}",
        operator=True,
        body=json.dumps(mission_body()),
        path_parameters={"mission_id": mission_id},
    )
    assert missions.lambda_handler(event, context())["statusCode"] == 201


def _register(seller: str, mission_id: str = "M1") -> dict:  # type: ignore[type-arg]
    handler = load_handler("registration")
    event = http_event(
        "POST",
        f"/missions/{mission_id}/registrations",
        "/missions/{mission_id}/registrations",
        seller=seller,
        body=json.dumps(CLAIM),
        path_parameters={"mission_id": mission_id},
    )
    return handler.lambda_handler(event, context())  # type: ignore[no-any-return]


def test_registration_is_stored_once_under_the_seller_and_counted(service) -> None:  # type: ignore[no-untyped-def]
    # Given a mission and an eligible seller
    _put_mission()
    service.ads.state.put_seller("S1", eligible_seller("A1"))

    # When the seller claims twice
    first, second = _register("S1"), _register("S1")

    # Then one registration exists, keyed by seller, and the mission counts one
    assert (first["statusCode"], second["statusCode"]) == (201, 200)
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(service.table)
    item = table.get_item(Key={"pk": "SELLER#S1", "sk": "REGISTRATION#M1"})["Item"]
    assert item["status"] == "PENDING" and item["advertiser_id"] == "A1"
    assert item["retry_deadline"] == "2026-02-09T17:00:00.000000Z"  # midnight in Jakarta
    stats = [table.get_item(Key={"pk": f"MISSION#M1#STATS#{n:02d}", "sk": "STATS"}).get("Item", {}) for n in range(16)]
    assert sum(int(s.get("registrations", 0)) for s in stats) == 1


def test_blocked_registration_writes_no_registration_only_the_blocker_count(service) -> None:  # type: ignore[no-untyped-def]
    _put_mission()
    service.ads.state.put_seller("S2", eligible_seller("A2", ads_permission=False))
    response = _register("S2")
    assert response["statusCode"] == 422
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(service.table)
    assert "Item" not in table.get_item(Key={"pk": "SELLER#S2", "sk": "REGISTRATION#M1"})
    assert table.query(KeyConditionExpression=Key("pk").eq("SELLER#S2"))["Items"] == []
    stats = [table.get_item(Key={"pk": f"MISSION#M1#STATS#{n:02d}", "sk": "STATS"}).get("Item") for n in range(16)]
    [shard] = [s for s in stats if s]
    assert "registrations" not in shard and shard["blocked_ADS_PERMISSION_NOT_GRANTED"] == 1


def test_racing_conditional_writes_make_exactly_one_registration(emulator: tuple[MotoServer, Template]) -> None:
    # Given the table on the moto server, which applies requests one at a time as DynamoDB applies
    # writes to one item (in-process moto does not lock, so a race there tests moto, not us)
    server, template = emulator
    item = {"mission_id": "M1", "seller_id": "S3", "status": "PENDING", "registered_at": "2026-02-08T19:00:00+00:00"}
    barrier = threading.Barrier(16)
    results: list[bool] = []

    # When sixteen writers, each with its own client as sixteen Lambda containers would have, claim at once
    def claim() -> None:
        resource = boto3.resource("dynamodb", endpoint_url=server.url, **CREDENTIALS)
        store = MissionStore(template.physical_names["MissionTable"], dynamodb=resource)
        barrier.wait()
        results.append(store.create_registration(dict(item)))

    threads = [threading.Thread(target=claim) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then exactly one wins
    assert sorted(results) == [False] * 15 + [True]


def test_eligibility_handler_answers_without_writing(service) -> None:  # type: ignore[no-untyped-def]
    _put_mission()
    service.ads.state.put_seller("S4", eligible_seller("A4", ad_accounts=[]))
    handler = load_handler("eligibility")
    event = http_event(
        "GET",
        "/missions/M1/eligibility",
        "/missions/{mission_id}/eligibility",
        seller="S4",
        path_parameters={"mission_id": "M1"},
    )
    response = handler.lambda_handler(event, context())
    assert response["statusCode"] == 200
    assert [b["code"] for b in json.loads(response["body"])["blockers"]] == ["NO_VALID_AD_ACCOUNT"]


def test_a_request_without_identity_is_refused(service) -> None:  # type: ignore[no-untyped-def]
    _put_mission()
    handler = load_handler("registration")
    event = http_event(
        "GET", "/missions/M1/registration", "/missions/{mission_id}/registration", path_parameters={"mission_id": "M1"}
    )
    response = handler.lambda_handler(event, context())
    assert response["statusCode"] == 401


def test_operator_routes_need_iam(service) -> None:  # type: ignore[no-untyped-def]
    missions = load_handler("missions")
    event = http_event(
        "PUT",
        "/admin/missions/M9",
        "/admin/missions/{mission_id}",
        seller="S1",
        body=json.dumps(mission_body()),
        path_parameters={"mission_id": "M9"},
    )
    assert missions.lambda_handler(event, context())["statusCode"] == 403
