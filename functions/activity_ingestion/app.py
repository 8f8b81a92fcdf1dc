"""Activity in: LIVE sessions (shop.live) and LIVE GMV Max spend (ads.gmvmax), each version kept once (W6),
checked against its receipt and the seller's own campaigns first (W7).

It reads the ingestion queue, which only the two activity rules may send to (issue 24). Each message is one
bus event, answered on its own (a partial batch answer): refused activity goes to the dead-letter queue with
its reason and is done with; one that failed for now is put back until it may go on."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from live_mission import wiring
from live_mission.activity import ActivityRefused, LiveSessionEnded, SpendReported
from live_mission.models import BusEvent
from live_mission.observability import Metric, count, logger, metrics

# A batch that failed whole for now is answered as such too: each message already says when it comes back.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_activity(event: BusEvent) -> bool:
    """Refused activity raises before anything is written. False: a copy of what was already recorded."""
    received_at = wiring.clock().now()  # the service's own clock orders versions, never the sender's
    intake = wiring.intake()
    if event.detail_type == "LiveSessionEnded":
        return intake.session(LiveSessionEnded.model_validate(event.detail), received_at)
    if event.detail_type == "SpendReported":
        return intake.spend(SpendReported.model_validate(event.detail), received_at)
    raise ActivityRefused("INVALID", f"unexpected detail-type {event.detail_type!r}")


def deliver(record: SQSRecord, lambda_context: LambdaContext) -> None:
    """One message: recorded, refused with its reason, or put back until it may go on."""
    delivery = wiring.ingestion_delivery()
    try:
        event = BusEvent.model_validate_json(record.body)
        logger.set_correlation_id(event.id)
        record_activity(event)
    except (ValidationError, ActivityRefused) as refused:
        reason = refused.reason if isinstance(refused, ActivityRefused) else "INVALID"
        count(Metric.ACTIVITY_REFUSED, by=reason)
        logger.warning("activity refused", extra={"message_id": record.message_id, "reason": str(refused)})
        delivery.refuse(record, refused, reason, lambda_context.invoked_function_arn)
    except Exception as failed:  # for now: the Ads platform, its quota or DynamoDB; the message comes back
        delivery.put_back(record, failed)
        raise


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=deliver, processor=processor, context=context)
