"""No refused request changes anything: every 4xx of every route leaves every item of the table as it was
(the Ads quota's counters aside: they count each call sent to the Ads platform, whatever the seller is then
answered). The handlers in-process against moto and the sandbox."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from tests.integration.conftest import context, http_event, load_handler, put_mission
from tests.support import CLAIM, eligible_seller, mission_body


@dataclass(frozen=True)
class Refused:
    name: str
    function: str
    method: str
    route: str
    path: str
    status: int
    seller: str | None = "S3"
    operator: bool = False
    body: Any = None
    headers: dict[str, str] | None = None
    path_parameters: dict[str, str] = field(default_factory=dict)

    def event(self) -> dict[str, Any]:
        body = self.body if isinstance(self.body, str) or self.body is None else json.dumps(self.body)
        event = http_event(
            self.method,
            self.path,
            self.route,
            seller=None if self.operator else self.seller,
            operator=self.operator,
            body=body,
            path_parameters=self.path_parameters or None,
        )
        if self.headers is not None:
            event["headers"] = self.headers
        return event


def _claim(name: str, mission: str, seller: str, status: int, body: Any, **kw: Any) -> Refused:
    return Refused(
        name,
        "registration",
        "POST",
        "/missions/{mission_id}/registrations",
        f"/missions/{mission}/registrations",
        status,
        seller=seller,
        body=body,
        path_parameters={"mission_id": mission},
        **kw,
    )


def _seller_get(name: str, function: str, route: str, mission: str, seller: str, status: int) -> Refused:
    return Refused(
        name,
        function,
        "GET",
        route,
        route.replace("{mission_id}", mission),
        status,
        seller=seller,
        path_parameters={"mission_id": mission},
    )


REFUSALS = [
    _claim("claim: a body that does not fit", "M1", "S3", 400, {**CLAIM, "accept_terms": "yes"}),
    _claim("claim: not JSON", "M1", "S3", 415, "accept", headers={"content-type": "text/plain"}),
    _claim("claim: terms not accepted (R2)", "M1", "S3", 400, {**CLAIM, "accept_terms": False}),
    _claim("claim: no consent (R2)", "M1", "S3", 400, {**CLAIM, "authorize_live_gmv_max": False}),
    _claim("claim: a forged preview id", "M1", "S3", 400, {**CLAIM, "preview_id": "pv1.W10"}),
    _claim("claim: an unknown mission (R1)", "NOPE", "S3", 404, CLAIM),
    _claim("claim: a closed mission (R1)", "CLOSED", "S3", 409, CLAIM),
    _claim("claim: blocked (R4)", "M1", "S2", 422, CLAIM),
    _seller_get(
        "registration of a seller who never claimed",
        "registration",
        "/missions/{mission_id}/registration",
        "M1",
        "S3",
        404,
    ),
    Refused(
        "opt-out before claiming (A10)",
        "registration",
        "POST",
        "/missions/{mission_id}/auto-creation/opt-out",
        "/missions/M1/auto-creation/opt-out",
        404,
        path_parameters={"mission_id": "M1"},
    ),
    Refused(
        "opt-out of an unknown mission",
        "registration",
        "POST",
        "/missions/{mission_id}/auto-creation/opt-out",
        "/missions/NOPE/auto-creation/opt-out",
        404,
        seller="S1",
        path_parameters={"mission_id": "NOPE"},
    ),
    _seller_get(
        "eligibility for an unknown mission", "eligibility", "/missions/{mission_id}/eligibility", "NOPE", "S2", 404
    ),
    _seller_get(
        "preview of an unknown mission", "eligibility", "/missions/{mission_id}/campaign-preview", "NOPE", "S2", 404
    ),
    _seller_get(
        "ROI of an unknown mission", "eligibility", "/missions/{mission_id}/roi-recommendation", "NOPE", "S3", 404
    ),
    _seller_get(
        "progress of a seller who never claimed", "progress", "/missions/{mission_id}/progress", "M1", "S3", 404
    ),
    Refused(
        "a mission that does not fit",
        "mission_admin",
        "PUT",
        "/admin/missions/{mission_id}",
        "/admin/missions/M1",
        400,
        operator=True,
        body={**mission_body(), "grace_period_days": -1},
        path_parameters={"mission_id": "M1"},
    ),
    Refused(
        "a mission changed by a seller",
        "mission_admin",
        "PUT",
        "/admin/missions/{mission_id}",
        "/admin/missions/M1",
        403,
        seller="S1",
        body=mission_body(name="Taken over"),
        path_parameters={"mission_id": "M1"},
    ),
    Refused(
        "the report of an unknown mission",
        "mission_admin",
        "GET",
        "/admin/missions/{mission_id}/report",
        "/admin/missions/NOPE/report",
        404,
        operator=True,
        path_parameters={"mission_id": "NOPE"},
    ),
    Refused(
        "benchmarks for a timing that does not exist",
        "mission_admin",
        "PUT",
        "/admin/roi-benchmarks/{country}/{industry}/{timing}",
        "/admin/roi-benchmarks/ID/beauty/someday",
        400,
        operator=True,
        body={"author_rois": [1.5, 2.5]},
        path_parameters={"country": "ID", "industry": "beauty", "timing": "someday"},
    ),
]


def _items(table: Any) -> list[dict[str, Any]]:
    """Every item but the Ads quota's counters, in key order."""
    items, start = [], None
    while True:
        page = table.scan(**({"ExclusiveStartKey": start} if start else {}))
        items += [i for i in page["Items"] if not str(i["pk"]).startswith("ADS_QUOTA#")]
        start = page.get("LastEvaluatedKey")
        if not start:
            return sorted(items, key=lambda i: (str(i["pk"]), str(i["sk"])))


def _invoke(function: str, event: dict[str, Any]) -> dict[str, Any]:
    return load_handler(function).lambda_handler(event, context())  # type: ignore[no-any-return]


@pytest.fixture
def world(service):  # type: ignore[no-untyped-def]
    """M1 open with S1 registered; CLOSED past its window; S2 blocked; S3 eligible and not registered."""
    for mission, body in (
        ("M1", mission_body()),
        ("CLOSED", mission_body(registration_closes_at="2026-02-05T00:00:00+07:00")),
    ):
        assert put_mission(mission, body)["statusCode"] == 201
    service.ads.state.put_seller("S1", eligible_seller("A1"))
    service.ads.state.put_seller("S2", eligible_seller("A2", ads_permission=False))
    service.ads.state.put_seller("S3", eligible_seller("A3"))
    assert _invoke("registration", _claim("", "M1", "S1", 201, CLAIM).event())["statusCode"] == 201
    return boto3.resource("dynamodb", region_name="us-east-1").Table(service.table)


@pytest.mark.parametrize("refused", REFUSALS, ids=[r.name for r in REFUSALS])
def test_a_refused_request_changes_nothing(world: Any, refused: Refused) -> None:
    before = _items(world)
    answer = _invoke(refused.function, refused.event())
    assert answer["statusCode"] == refused.status, answer["body"]
    assert _items(world) == before


def test_an_opt_out_refused_before_the_claim_leaves_the_claim_as_if_it_was_never_sent(world: Any) -> None:
    # Given an opt-out answered 404 because the seller had not claimed yet
    opt_out = next(r for r in REFUSALS if r.name.startswith("opt-out before claiming"))
    assert _invoke(opt_out.function, opt_out.event())["statusCode"] == 404

    # When the seller then claims: the claim is their newer word
    answer = _invoke("registration", _claim("", "M1", "S3", 201, CLAIM).event())

    # Then the registration is created, to be auto-created, and no opt-out is on record
    assert answer["statusCode"] == 201
    assert json.loads(answer["body"])["auto_creation"]["status"] == "PENDING"
    assert "opted_out_at" not in (world.get_item(Key={"pk": "SELLER#S3", "sk": "FACTS"}).get("Item") or {})
