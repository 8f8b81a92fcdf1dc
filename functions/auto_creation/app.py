"""Auto-creation, on two triggers, each a shape of its own: a new registration's `MissionRegistered` event
triggers one attempt at once (A1); the retry sweep invokes it once per index shard with work due (A8)."""

from typing import Any, Literal

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from live_mission import wiring
from live_mission.models import BusEvent, SafeId
from live_mission.observability import logger, metrics


class Registered(BaseModel):
    mission_id: SafeId
    seller_id: SafeId


class MissionRegistered(BusEvent):
    """The bus event (template: MissionRegistered)."""

    detail_type: Literal["MissionRegistered"] = Field(alias="detail-type")
    detail: Registered  # type: ignore[assignment]


class SweepRequested(BaseModel):
    """One retry index shard's sweep, as the minute schedule's fan-out asks for it."""

    model_config = ConfigDict(extra="forbid")

    retry_shard: int = Field(ge=0, le=63)


Trigger: TypeAdapter[MissionRegistered | SweepRequested] = TypeAdapter(MissionRegistered | SweepRequested)


@logger.inject_lambda_context(correlation_id_path="id", clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    match Trigger.validate_python(event):
        case MissionRegistered(detail=registered):
            status = wiring.auto_creator().attempt(registered.mission_id, registered.seller_id)
            return {"status": status.value if status else None}
        case SweepRequested(retry_shard=shard):

            def time_left() -> float:
                return context.get_remaining_time_in_millis() / 1000

            return {"retry_shard": shard, "attempted": wiring.auto_creator().sweep(shard, time_left)}
    raise AssertionError("every trigger is matched above")
