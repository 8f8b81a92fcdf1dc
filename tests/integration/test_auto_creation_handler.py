"""The auto-creation handler against moto and the sandbox: its MissionRegistered trigger redelivered, a
second trigger and the retry sweep all at once create one campaign (A5)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from tests.integration.conftest import context, http_event, load_handler, put_mission
from tests.support import CLAIM, eligible_seller


def _registered(service: Any, seller: str) -> None:
    assert put_mission()["statusCode"] in (200, 201)
    service.ads.state.put_seller(seller, eligible_seller(f"adv-{seller}"))
    claim = http_event(
        "POST",
        "/missions/M1/registrations",
        "/missions/{mission_id}/registrations",
        seller=seller,
        body=json.dumps(CLAIM),
        path_parameters={"mission_id": "M1"},
    )
    assert load_handler("registration").lambda_handler(claim, context())["statusCode"] == 201


def _mission_registered(seller: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "MissionRegistered",
        "source": "live-gmv-max-mission",
        "account": "123456789012",
        "time": "2026-02-08T19:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {"mission_id": "M1", "seller_id": seller, "event_id": "e1"},
    }


def test_a_redelivered_trigger_a_second_trigger_and_the_sweep_create_one_campaign(service) -> None:  # type: ignore[no-untyped-def]
    # Given a registration and its MissionRegistered event
    _registered(service, "S1")
    handler = load_handler("auto_creation")
    event = _mission_registered("S1")

    # When it is delivered, delivered again, and the retry sweep of every shard comes too
    first = handler.lambda_handler(event, context())
    again = handler.lambda_handler(event, context())
    service.clock_file.write_text("2026-02-09T02:10:00+07:00")
    sweeps = [handler.lambda_handler({"retry_shard": shard}, context()) for shard in range(16)]

    # Then exactly one campaign exists, created by the first delivery
    assert first == {"status": "CREATED"} and again == {"status": None}
    assert sum(s["attempted"] for s in sweeps) == 0
    campaigns = [c for c in service.ads.state.campaigns.values() if c["seller_id"] == "S1"]
    assert len(campaigns) == 1 and service.ads.state.calls["create_campaign"] == 1


def test_a_malformed_trigger_is_refused_before_anything_happens(service) -> None:  # type: ignore[no-untyped-def]
    handler = load_handler("auto_creation")
    for bad in ({"retry_shard": -1}, {**_mission_registered("S1"), "detail": {"mission_id": "../x"}}):
        try:
            handler.lambda_handler(bad, context())
        except ValueError:
            continue
        raise AssertionError(f"accepted {bad}")
    assert service.ads.state.calls["create_campaign"] == 0
