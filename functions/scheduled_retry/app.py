"""Scheduled retry: every minute, attempts the registrations whose next attempt is due (A8)."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from live_mission import wiring
from live_mission.observability import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return {"attempted": wiring.auto_creator().retry_due()}
