"""Every minute: starts the retry sweep of each index shard with work due (A8), one invocation of
auto-creation per shard, so the sweep keeps pace with the Ads quota rather than with itself."""

from typing import Any, Literal

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import AwareDatetime, BaseModel, ConfigDict

from live_mission import wiring
from live_mission.observability import logger, metrics


class SweepDue(BaseModel):
    """The schedule's input (template: EveryMinute)."""

    model_config = ConfigDict(extra="forbid")

    schedule: Literal["EveryMinute"]
    scheduled_time: AwareDatetime


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    SweepDue.model_validate(event)
    shards = wiring.auto_creator().shards_with_work()
    start = wiring.sweeps()
    for shard in shards:
        start(shard)
    return {"sweeps_started": shards}
