"""Registration changes from the table's stream: events out to the bus (an outbox: derived from what was
committed, never published beside a write) and the mission's counts for the operator report.

The stream mapping has a tumbling window so that each invocation names its stream shard: counts are
kept per shard and applied exactly once. The window's state is not used ({} each time).
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from live_mission import wiring
from live_mission.observability import logger, metrics


class RegistrationsChanged(BaseModel):
    """The stream's batch as a tumbling window hands it over (template: RegistrationChanged)."""

    shard_id: str = Field(alias="shardId", min_length=1)
    records: list[dict[str, Any]] = Field(default_factory=list, alias="Records")  # a window's last call may have none


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    batch = RegistrationsChanged.model_validate(event)
    retry_from = wiring.change_feed().handle_records(batch.records, batch.shard_id)
    return {"state": {}, "batchItemFailures": [{"itemIdentifier": retry_from}] if retry_from else []}
