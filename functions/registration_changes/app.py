"""Registration changes from the table's stream: events out to the bus (an outbox: derived from what was
committed, never published beside a write) and the mission's counts for the operator report.

The stream mapping has a tumbling window so that each invocation names its stream shard: counts are
kept per shard and applied exactly once. The window's state is not used ({} each time).
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from live_mission import wiring
from live_mission.change_feed import change_of
from live_mission.observability import logger, metrics


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = event.get("Records") or []
    changes = [change for change in map(change_of, records) if change is not None]
    retry_from = wiring.change_feed().handle(changes, str(event["shardId"])) if changes else None
    failures = [{"itemIdentifier": retry_from}] if retry_from else []
    return {"state": {}, "batchItemFailures": failures}
