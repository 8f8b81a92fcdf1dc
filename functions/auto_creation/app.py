"""Auto-creation: a new registration (stream INSERT) triggers one attempt at once (A1)."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from live_mission import wiring
from live_mission.observability import logger, metrics
from live_mission.settings import load_settings

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
# A redelivered stream record is answered from the idempotency table, without touching the registration;
# the attempt's lease and status guard the registration itself (A5).
idempotency = IdempotencyConfig(event_key_jmespath="eventID", expires_after_seconds=24 * 3600)
persistence = DynamoDBPersistenceLayer(table_name=load_settings().idempotency_table)


@idempotent_function(data_keyword_argument="record", config=idempotency, persistence_store=persistence)
def attempt_once(record: dict[str, Any]) -> str | None:
    registration = DynamoDBRecord(record).dynamodb.new_image  # type: ignore[union-attr]
    status = wiring.auto_creator().attempt(registration["mission_id"], registration["seller_id"])
    return status.value if status else None


def attempt_for(record: DynamoDBRecord) -> None:
    attempt_once(record=record.raw_event)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext):
    idempotency.register_lambda_context(context)
    # A failed record is reported alone; the stream retries from it (partial batch failure).
    return process_partial_response(event=event, record_handler=attempt_for, processor=processor, context=context)
