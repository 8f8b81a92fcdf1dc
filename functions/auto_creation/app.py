"""Auto-creation: a new registration (stream INSERT) triggers one attempt at once (A1)."""

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from live_mission import wiring
from live_mission.observability import logger, metrics

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def attempt_for(record: DynamoDBRecord) -> None:
    registration = record.dynamodb.new_image if record.dynamodb else {}
    wiring.auto_creator().attempt(registration["mission_id"], registration["seller_id"])


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext):
    # A failed record is reported alone; the stream retries from it (partial batch failure).
    return process_partial_response(event=event, record_handler=attempt_for, processor=processor, context=context)
