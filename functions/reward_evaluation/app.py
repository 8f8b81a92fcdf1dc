"""Reward evaluation (W3): when a seller's activity changes (stream), and after a mission's grace period
for its final evaluation: a schedule starts one final pass per shard of the mission's registrations, each
an asynchronous invocation of this function."""

from collections.abc import Mapping

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from live_mission import wiring
from live_mission.models import Mission, SafeId
from live_mission.observability import logger, metrics
from live_mission.store.registrations import seller_of

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
# Sellers already evaluated in this batch: the stream delivers a batch after all of it was written, so a
# seller's first evaluation already reads every change of theirs the batch holds. And the missions read
# for it, shared by its sellers (read once per batch, so never older than the batch).
evaluated: set[str] = set()
missions_read: dict[str, Mission] = {}


class FinalPassRequest(BaseModel):
    mission_id: SafeId
    shard: int = Field(ge=0, le=63)


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
    if "final_pass" in event:
        request = FinalPassRequest.model_validate(event["final_pass"])
        evaluator = wiring.reward_evaluator()
        done = evaluator.final_pass(
            request.mission_id, request.shard, lambda: context.get_remaining_time_in_millis() / 1000
        )
        return {"final_pass": request.model_dump(), "evaluated": done}
    passes = wiring.reward_evaluator().final_passes_due()
    start = wiring.start_async()
    for mission_id, shard in passes:
        start(context.function_name, {"final_pass": {"mission_id": mission_id, "shard": shard}})
    return {"final_passes_started": len(passes)}
