"""A property-based fuzz of event ingestion (hypothesis): whatever arrives on the bus, the ingestion
handler either records it or refuses it before writing anything, sending it to the dead-letter queue with
its reason; it never fails in any other way."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

import boto3
from boto3.dynamodb.conditions import Key
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.conftest import context, dead_letters, from_the_ingestion_queue, load_handler

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)
TIMES = st.sampled_from(["2026-02-09T10:00:00+07:00", "2026-02-09T12:00:00Z", "2026-02-09T10:00:00", "tomorrow", ""])
SESSION = st.fixed_dictionaries(
    {
        "session_id": st.text(min_size=0, max_size=12),
        "seller_id": st.sampled_from(["S1", "", "S 1", "S1" * 80]),
        "room_id": st.text(max_size=5),
        "started_at": TIMES,
        "ended_at": TIMES,
        "gmv": st.one_of(st.integers(-5, 10**20), st.floats(allow_nan=True), st.text(max_size=5), st.none()),
        "currency": st.sampled_from(["IDR", "idr", "", "RUPIAH"]),
    },
    optional={"extra": JSON},
)
SPEND = st.fixed_dictionaries(
    {
        "report_id": st.text(max_size=12),
        "seller_id": st.sampled_from(["S1", ""]),
        "advertiser_id": st.just("A1"),
        "campaign_id": st.just("C1"),
        "date": st.sampled_from(["2026-02-10", "2026-13-40", "", "10/02/2026"]),
        "spend": st.one_of(
            st.decimals(allow_nan=False, allow_infinity=False), st.integers(-3, 10**9), st.text(max_size=4)
        ),
        "currency": st.just("IDR"),
    },
)
DETAILS = st.one_of(
    st.tuples(st.just("LiveSessionEnded"), st.one_of(SESSION, JSON)),
    st.tuples(st.just("SpendReported"), st.one_of(SPEND, JSON)),
    st.tuples(st.text(max_size=20), JSON),
)


def _event(detail_type: str, detail: Any) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": "fuzz",
        "account": "123456789012",
        "time": "2026-02-10T00:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entry=DETAILS)
def test_ingestion_records_or_refuses_and_never_crashes(service: Any, entry: tuple[str, Any]) -> None:
    handler = load_handler("activity_ingestion") if not hasattr(service, "ingestion") else service.ingestion
    service.ingestion = handler
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(service.table)
    before = table.query(KeyConditionExpression=Key("pk").eq("SELLER#S1"))["Count"]

    answer = handler.lambda_handler(from_the_ingestion_queue(service, _event(*entry)), context())

    assert answer == {"batchItemFailures": []}  # recorded or refused, never left to come back
    refused = dead_letters(service)
    if refused:
        # Refused: its reason beside it, and nothing was written for it
        ((letter, attributes),) = refused
        assert letter["requestPayload"]["detail"] == json.loads(json.dumps(entry[1], default=str))
        assert attributes["reason"]["StringValue"] and letter["responsePayload"]["errorMessage"]
        assert table.query(KeyConditionExpression=Key("pk").eq("SELLER#S1"))["Count"] == before
    else:
        items = table.query(KeyConditionExpression=Key("pk").eq("SELLER#S1"))["Items"]
        versions = [v for i in items for v in i["versions"]]
        assert all(isinstance(v.get("gmv", v.get("spend")), Decimal) for v in versions)
