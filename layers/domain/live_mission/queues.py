"""The ingestion queue's side of a delivery (issue 24): the queue adapter of the activity handler.

- Refused activity is sent to the ingestion dead-letter queue by the handler itself, with its reason, and is
  then done with. The letter has the shape Lambda gives its on-failure destinations (`requestContext`,
  `requestPayload`, `responsePayload`), so one reader serves every dead-letter queue of the service; the
  reason is a message attribute too, for a console's filter.
- A delivery that failed for now (the Ads quota, the Ads platform, DynamoDB) is put back for as long as it
  must wait: the quota's real `retry_after`, otherwise twice as long at each receipt, at most a quarter of an
  hour. After the queue's `maxReceiveCount` receipts SQS moves it to the same dead-letter queue.
"""

from __future__ import annotations

import json
import math
from typing import Any

import boto3
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from .ads import AdsQuotaBusy

LONGEST_WAIT_SECONDS = 900


def wait_before_retry(error: Exception, receive_count: int) -> int:
    """Seconds until a delivery that failed for now is tried again."""
    if isinstance(error, AdsQuotaBusy):  # the quota knows when it has room (Q1, Q2)
        return min(LONGEST_WAIT_SECONDS, max(1, math.ceil(error.retry_after)))
    return min(LONGEST_WAIT_SECONDS, 2 ** min(max(receive_count, 1), 10))


class SqsDelivery:
    def __init__(self, queue_url: str, dead_letter_url: str, client: Any = None) -> None:
        self._queue_url = queue_url
        self._dead_letter_url = dead_letter_url
        self._client = client or boto3.client("sqs")

    def refuse(self, message: SQSRecord, error: Exception, reason: str, function_arn: str) -> None:
        """The message, with why it will never count, to the dead-letter queue. Raises if SQS did not take it:
        the message is then delivered again, never dropped."""
        try:
            payload: Any = json.loads(message.body)
        except ValueError:
            payload = message.body
        letter = {
            "requestContext": {
                "condition": "Refused",
                "functionArn": function_arn,
                "approximateInvokeCount": int(message.attributes.approximate_receive_count),
                "messageId": message.message_id,
            },
            "requestPayload": payload,
            "responsePayload": {"errorType": type(error).__name__, "errorMessage": f"{type(error).__name__}: {error}"},
        }
        self._client.send_message(
            QueueUrl=self._dead_letter_url,
            MessageBody=json.dumps(letter, default=str),
            MessageAttributes={"reason": {"DataType": "String", "StringValue": reason}},
        )

    def put_back(self, message: SQSRecord, error: Exception) -> None:
        """The message comes back when it may go on (its batch answer lists it as failed)."""
        seconds = wait_before_retry(error, int(message.attributes.approximate_receive_count))
        self._client.change_message_visibility(
            QueueUrl=self._queue_url, ReceiptHandle=message.receipt_handle, VisibilityTimeout=seconds
        )
