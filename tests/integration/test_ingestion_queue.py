"""The ingestion reads its queue (issue 24): a delivery that fails for now is put back for as long as it must
wait, and only it; refused activity is answered as done, its letter in the dead-letter queue with its reason."""

from __future__ import annotations

import time
import uuid
from typing import Any

import boto3
import pytest

from live_mission.ads import AdsQuotaBusy, AdsTransientError
from live_mission.queues import LONGEST_WAIT_SECONDS, wait_before_retry
from tests.integration.conftest import context, dead_letters, from_the_ingestion_queue, load_handler
from tests.support import eligible_seller


def _bus_event(detail_type: str, detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": "ads.gmvmax" if detail_type == "SpendReported" else "shop.live",
        "account": "123456789012",
        "time": "2026-02-09T00:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }


def _spend(seller: str, report: str) -> dict[str, Any]:
    detail = {"report_id": report, "seller_id": seller, "advertiser_id": f"adv-{seller}", "campaign_id": "C1"}
    return _bus_event("SpendReported", {**detail, "date": "2026-02-08", "spend": 500, "currency": "IDR"})


def _queue_depth(service: Any) -> tuple[int, int]:
    attributes = boto3.client("sqs", region_name="us-east-1").get_queue_attributes(
        QueueUrl=service.queues["IngestionQueue"],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_a_delivery_the_ads_platform_fails_comes_back_later_and_the_rest_of_its_batch_is_done(service: Any) -> None:
    # Given a seller unknown to the service, whose ownership of a spend only the Ads platform can tell, and a
    # refused session in the same batch
    seller = f"S{uuid.uuid4().hex[:8]}"
    service.ads.state.put_seller(seller, eligible_seller(f"adv-{seller}"))
    service.ads.state.add_fault("account_status", "error", 10)
    dated_tomorrow = _bus_event(
        "LiveSessionEnded",
        {"session_id": "L1", "seller_id": seller, "room_id": "R1", "started_at": "2026-02-10T10:00:00+07:00"}
        | {"ended_at": "2026-02-10T11:00:00+07:00", "gmv": 100, "currency": "IDR"},
    )
    batch = from_the_ingestion_queue(service, _spend(seller, "P1"), dated_tomorrow)
    spend_id = next(r["messageId"] for r in batch["Records"] if "SpendReported" in r["body"])

    # When the batch is delivered while the Ads platform fails
    answer = load_handler("activity_ingestion").lambda_handler(batch, context())

    # Then only the spend is answered as failed, and it waits before it is visible again; the refused session
    # is in the dead-letter queue with its reason
    assert answer == {"batchItemFailures": [{"itemIdentifier": spend_id}]}
    ((letter, attributes),) = dead_letters(service)
    assert attributes["reason"]["StringValue"] == "FUTURE" and "FUTURE" in letter["responsePayload"]["errorMessage"]
    assert letter["requestPayload"]["detail"]["session_id"] == "L1"
    assert letter["requestContext"]["functionArn"] == context().invoked_function_arn
    assert _queue_depth(service) == (0, 2)  # the refused one too, until the poller deletes what was done
    time.sleep(wait_before_retry(AdsTransientError("x"), 1) + 0.5)
    sqs = boto3.client("sqs", region_name="us-east-1")
    again = sqs.receive_message(QueueUrl=service.queues["IngestionQueue"], AttributeNames=["All"])["Messages"]
    assert [m["MessageId"] for m in again] == [spend_id]
    assert again[0]["Attributes"]["ApproximateReceiveCount"] == "2"


@pytest.mark.parametrize(
    ("error", "receipts", "seconds"),
    [
        (AdsQuotaBusy("status", retry_after=41.2), 1, 42),  # the quota's own word: its next minute
        (AdsQuotaBusy("status", retry_after=0.1), 5, 1),
        (AdsQuotaBusy("day", retry_after=8 * 3600, day_spent=True), 1, LONGEST_WAIT_SECONDS),
        (AdsTransientError("5xx"), 1, 2),
        (AdsTransientError("5xx"), 4, 16),
        (AdsTransientError("5xx"), 19, LONGEST_WAIT_SECONDS),
    ],
)
def test_how_long_a_delivery_waits_before_it_is_tried_again(error: Exception, receipts: int, seconds: int) -> None:
    assert wait_before_retry(error, receipts) == seconds
