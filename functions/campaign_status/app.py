"""Campaign status changes from the Ads platform: withdrawn rooms and stopped campaigns (A3, A4)."""

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from live_mission import wiring
from live_mission.activity import ActivityRefused
from live_mission.campaign_lifecycle import CampaignStatusChanged
from live_mission.models import BusEvent
from live_mission.observability import Metric, count, logger, metrics


@logger.inject_lambda_context(correlation_id_path="id", clear_state=True)
@metrics.log_metrics
@event_parser(model=BusEvent)
def lambda_handler(event: BusEvent, context: LambdaContext) -> None:
    # A malformed or refused event fails here, before anything is written, and ends in the dead-letter queue.
    change = CampaignStatusChanged.model_validate(event.detail)
    try:
        wiring.campaign_reports().record(change, received_at=wiring.clock().now())
    except ActivityRefused as refused:
        count(Metric.ACTIVITY_REFUSED, by=refused.reason)
        logger.warning("status change refused", extra={"reason": str(refused)})
        raise
