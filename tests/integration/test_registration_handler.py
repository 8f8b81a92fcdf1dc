"""The HTTP handlers in-process against moto and the sandbox: what a claim writes, and what it does not."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

import boto3
from boto3.dynamodb.conditions import Key

from live_mission.store.dynamo import Table
from live_mission.store.registrations import RegistrationStore
from tests.integration.conftest import context, http_event, load_handler, put_mission
from tests.support import CLAIM, eligible_seller
from tests.unit.world import World


def _register(seller: str, mission_id: str = "M1") -> dict:  # type: ignore[type-arg]
    event = http_event(
        "POST",
        f"/missions/{mission_id}/registrations",
        "/missions/{mission_id}/registrations",
        seller=seller,
        body=json.dumps(CLAIM),
        path_parameters={"mission_id": mission_id},
    )
    return load_handler("registration").lambda_handler(event, context())  # type: ignore[no-any-return]


def test_a_claim_writes_one_registration_under_the_seller_with_its_plan(service) -> None:  # type: ignore[no-untyped-def]
    # Given a mission and an eligible seller
    assert put_mission()["statusCode"] == 201
    service.ads.state.put_seller("S1", eligible_seller("A1"))

    # When the seller claims twice
    first, second = _register("S1"), _register("S1")

    # Then one registration exists, keyed by seller, due for its safety net, with the plan it consented to
    assert (first["statusCode"], second["statusCode"]) == (201, 200)
    assert json.loads(first["body"]) == json.loads(second["body"])
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(service.table)
    item = table.get_item(Key={"pk": "SELLER#S1", "sk": "REGISTRATION#M1"})["Item"]
    assert item["auto_creation"]["status"] == "PENDING" and item["claim"]["advertiser_id"] == "A1"
    assert item["auto_creation"]["retry_deadline"] == "2026-02-09T17:00:00.000000Z"  # midnight in Jakarta
    assert item["due_at"] == item["auto_creation"]["due_at"] == "2026-02-08T19:05:00.000000Z"
    assert item["due_shard"].startswith("RETRY#")
    # The plan is kept once: the consent refers to it, and the seller reads it whole
    assert item["claim"]["plan"]["roas_bid"] == 2 and item["claim"]["consent"]["campaign_planned"] is True
    assert json.loads(first["body"])["consent"]["campaign"]["budget"] == 180000
    # Nothing else: no counter, no shared item in the claim's write
    assert [i["sk"] for i in table.query(KeyConditionExpression=Key("pk").eq("SELLER#S1"))["Items"]] == [
        "REGISTRATION#M1"
    ]


def test_a_blocked_claim_writes_nothing_of_the_seller(service) -> None:  # type: ignore[no-untyped-def]
    put_mission()
    service.ads.state.put_seller("S2", eligible_seller("A2", ads_permission=False))
    response = _register("S2")
    assert response["statusCode"] == 422
    assert json.loads(response["body"])["error"]["blockers"][0]["code"] == "ADS_PERMISSION_NOT_GRANTED"
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(service.table)
    assert table.query(KeyConditionExpression=Key("pk").eq("SELLER#S2"))["Items"] == []


def test_racing_claims_make_exactly_one_registration(tables: Callable[[], Table]) -> None:
    # Given sixteen claims, each its own request with its own client as sixteen Lambda containers would have
    world = World()
    world.seller()
    world.claim()
    record = world.registration()
    barrier = threading.Barrier(16)
    results: list[bool] = []

    def claim(request: int) -> None:
        store = RegistrationStore(tables())
        barrier.wait()
        claim = record.claim.model_copy(update={"correlation_id": f"request-{request}"})
        results.append(store.create(record.model_copy(update={"claim": claim})))

    threads = [threading.Thread(target=claim, args=(request,)) for request in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then exactly one wins
    assert sorted(results) == [False] * 15 + [True]


def test_the_eligibility_handler_answers_without_writing(service) -> None:  # type: ignore[no-untyped-def]
    put_mission()
    service.ads.state.put_seller("S4", eligible_seller("A4", ad_accounts=[]))
    event = http_event(
        "GET",
        "/missions/M1/eligibility",
        "/missions/{mission_id}/eligibility",
        seller="S4",
        path_parameters={"mission_id": "M1"},
    )
    response = load_handler("eligibility").lambda_handler(event, context())
    assert response["statusCode"] == 200
    assert [b["code"] for b in json.loads(response["body"])["blockers"]] == ["NO_VALID_AD_ACCOUNT"]


def test_a_request_without_identity_is_refused(service) -> None:  # type: ignore[no-untyped-def]
    put_mission()
    event = http_event(
        "GET", "/missions/M1/registration", "/missions/{mission_id}/registration", path_parameters={"mission_id": "M1"}
    )
    assert load_handler("registration").lambda_handler(event, context())["statusCode"] == 401


def test_operator_routes_need_a_named_operator(service, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from live_mission import wiring

    assert put_mission("M9", operator=False)["statusCode"] == 403  # a seller's token
    monkeypatch.setenv("OPERATOR_PRINCIPAL_ARNS", "arn:aws:iam::123456789012:role/someone-else")
    wiring.new_container()
    refused = put_mission("M9")
    assert refused["statusCode"] == 403 and json.loads(refused["body"])["error"]["code"] == "FORBIDDEN"
