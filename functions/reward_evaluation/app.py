"""Reward evaluation (W3), on three triggers, each a shape of its own:
- `ActivityChanged` (the table's stream, activity items): the sellers whose activity changed;
- `FinalEvaluation` (a schedule, every 15 minutes): starts the final pass of each mission past its grace
  period, one asynchronous invocation of this function per unfinished shard of its registrations;
- `FinalPassRequested`: one such shard, page by page."""

from collections.abc import Mapping
from typing import Any, Literal

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

from live_mission import wiring
from live_mission.models import SafeId
from live_mission.observability import logger, metrics


class ActivityChanged(BaseModel):
    """A batch of the table's stream (template: ActivityChanged)."""

    model_config = ConfigDict(extra="forbid")

    Records: list[dict[str, Any]] = Field(min_length=1)


class FinalEvaluationDue(BaseModel):
    """The schedule's input (template: FinalEvaluation)."""

    model_config = ConfigDict(extra="forbid")

    schedule: Literal["FinalEvaluation"]
    scheduled_time: AwareDatetime


class FinalPassShard(BaseModel):
    mission_id: SafeId
    shard: int = Field(ge=0, le=63)


class FinalPassRequested(BaseModel):
    """One shard of one mission's final pass, as the schedule's fan-out asks for it."""

    model_config = ConfigDict(extra="forbid")

    final_pass: FinalPassShard


# Each shape forbids what the others carry, so an event is exactly one of them (or refused).
Trigger: TypeAdapter[ActivityChanged | FinalEvaluationDue | FinalPassRequested] = TypeAdapter(
    ActivityChanged | FinalEvaluationDue | FinalPassRequested
)


def _activity_changed(event: dict[str, Any], context: LambdaContext) -> Mapping[str, object]:
    batch = wiring.reward_evaluator().batch()  # what one batch reads, shared by its sellers and no further
    processor = BatchProcessor(event_type=EventType.DynamoDBStreams)

    def evaluate(record: DynamoDBRecord) -> None:
        batch.evaluate(record.raw_event)

    return process_partial_response(event=event, record_handler=evaluate, processor=processor, context=context)


def _final_evaluation_due() -> dict[str, int]:
    passes = wiring.reward_evaluator().final_passes_due()
    start = wiring.final_passes()
    for mission_id, shard in passes:
        start(FinalPassRequested(final_pass=FinalPassShard(mission_id=mission_id, shard=shard)).model_dump())
    return {"final_passes_started": len(passes)}


def _final_pass(request: FinalPassShard, context: LambdaContext) -> dict[str, Any]:
    def time_left() -> float:
        return context.get_remaining_time_in_millis() / 1000

    done = wiring.reward_evaluator().final_pass(request.mission_id, request.shard, time_left)
    return {"final_pass": request.model_dump(), "evaluated": done}


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Mapping[str, object]:
    match Trigger.validate_python(event):
        case ActivityChanged():
            return _activity_changed(event, context)
        case FinalEvaluationDue():
            return _final_evaluation_due()
        case FinalPassRequested(final_pass=shard):
            return _final_pass(shard, context)
    raise AssertionError("every trigger is matched above")
