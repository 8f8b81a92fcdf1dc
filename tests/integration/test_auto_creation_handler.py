"""The auto-creation handler against moto and the sandbox: stream redelivery and racing triggers
create nothing more (A5)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
from boto3.dynamodb.types import TypeSerializer

from tests.integration.conftest import context, http_event, load_handler
from tests.support import CLAIM, eligible_seller, mission_body


def _register(service: Any, seller: str) -> dict[str, Any]:
    missions, registration = load_handler("missions"), load_handler("registration")
    body = json.dumps(mission_body())
    put = http_event(
        "PUT",
        "/admin/missions/M1",
        "/admin/missions/{mission_id}",
        operator=True,
        body=body,
        path_parameters={"mission_id": "M1"},
    )
    assert missions.lambda_handler(put, context())["statusCode"] in (200, 201)
    service.ads.state.put_seller(seller, eligible_seller(f"adv-{seller}"))
    claim = http_event(
        "POST",
        "/missions/M1/registrations",
        "/missions/{mission_id}/registrations",
        seller=seller,
        body=json.dumps(CLAIM),
        path_parameters={"mission_id": "M1"},
    )
    assert registration.lambda_handler(claim, context())["statusCode"] == 201
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(service.table)
    return table.get_item(Key={"pk": f"SELLER#{seller}", "sk": "REGISTRATION#M1"})["Item"]  # type: ignore[no-any-return]


def _insert_record(item: dict[str, Any], event_id: str) -> dict[str, Any]:
    serializer = TypeSerializer()
    image = {k: serializer.serialize(v) for k, v in item.items()}
    return {
        "eventID": event_id,
        "eventName": "INSERT",
        "eventSource": "aws:dynamodb",
        "dynamodb": {
            "Keys": {"pk": image["pk"], "sk": image["sk"]},
            "NewImage": image,
            "SequenceNumber": str(uuid.uuid4().int)[:20],
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }


def test_a_redelivered_record_and_a_second_trigger_create_one_campaign(service) -> None:  # type: ignore[no-untyped-def]
    # Given a registration and its stream record
    item = _register(service, "S1")
    record = _insert_record(item, "event-1")
    handler = load_handler("auto_creation")

    # When the record is delivered, delivered again, and a different delivery of the same insert comes
    first = handler.lambda_handler({"Records": [record]}, context())
    again = handler.lambda_handler({"Records": [record]}, context())
    other = handler.lambda_handler({"Records": [_insert_record(item, "event-2")]}, context())

    # Then every batch succeeds and exactly one campaign exists
    assert first["batchItemFailures"] == again["batchItemFailures"] == other["batchItemFailures"] == []
    campaigns = [c for c in service.ads.state.campaigns.values() if c["seller_id"] == "S1"]
    assert len(campaigns) == 1
    assert service.ads.state.calls["create_campaign"] == 1
