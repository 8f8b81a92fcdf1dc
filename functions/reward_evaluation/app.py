"""Reward evaluation (W3): when a seller's activity changes (stream), and on a schedule for the final
evaluation of missions whose grace period has ended."""

from collections.abc import Mapping

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from live_mission import wiring
from live_mission.models import Mission
from live_mission.observability import logger, metrics
from live_mission.store.registrations import seller_of

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
# Sellers already evaluated in this batch: the stream delivers a batch after all of it was written, so a
# seller's first evaluation already reads every change of theirs the batch holds. And the missions read
# for it, shared by its sellers (read once per batch, so never older than the batch).
evaluated: set[str] = set()
missions_read: dict[str, Mission] = {}


def evaluate_for(record: DynamoDBRecord) -> None:
    seller_id = seller_of(record.dynamodb.keys if record.dynamodb else {})
    if seller_id not in evaluated:
        wiring.reward_evaluator().evaluate_seller(seller_id, missions_read)
        evaluated.add(seller_id)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> Mapping[str, object]:
    if "Records" in event:
        evaluated.clear()
        missions_read.clear()
        return process_partial_response(event=event, record_handler=evaluate_for, processor=processor, context=context)
    return {"evaluated": wiring.reward_evaluator().finalize_due_missions()}
