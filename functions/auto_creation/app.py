"""Auto-creation: a new registration (its MissionRegistered event) triggers one attempt at once (A1); the
retry sweep invokes it once per index shard with work due (A8)."""

from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from live_mission import wiring
from live_mission.models import BusEvent, SafeId
from live_mission.observability import logger, metrics


class MissionRegistered(BaseModel):
    mission_id: SafeId
    seller_id: SafeId


class SweepRequest(BaseModel):
    retry_shard: int = Field(ge=0, le=63)


@logger.inject_lambda_context(correlation_id_path="id", clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "retry_shard" in event:
        shard = SweepRequest.model_validate(event).retry_shard
        done = wiring.auto_creator().sweep(shard, lambda: context.get_remaining_time_in_millis() / 1000)
        return {"retry_shard": shard, "attempted": done}
    registered = MissionRegistered.model_validate(parse(event=event, model=BusEvent).detail)
    status = wiring.auto_creator().attempt(registered.mission_id, registered.seller_id)
    return {"status": status.value if status else None}
