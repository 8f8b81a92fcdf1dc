"""Every minute: starts the retry sweep of each index shard with work due (A8), one invocation of
auto-creation per shard, so the sweep keeps pace with the Ads quota rather than with itself."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from live_mission import wiring
from live_mission.observability import logger, metrics


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    shards = wiring.auto_creator().shards_with_work()
    start = wiring.sweeps()
    for shard in shards:
        start(shard)
    return {"sweeps_started": shards}
