"""Campaign status changes from the Ads platform: withdrawn rooms and stopped campaigns (A3, A4)."""

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from live_mission import wiring
from live_mission.campaign_lifecycle import CampaignStatusChanged
from live_mission.models import BusEvent
from live_mission.observability import logger, metrics


@logger.inject_lambda_context(correlation_id_path="id", clear_state=True)
@metrics.log_metrics
@event_parser(model=BusEvent)
def lambda_handler(event: BusEvent, context: LambdaContext) -> None:
    # A malformed event fails here, before anything is written, and ends in the dead-letter queue.
    wiring.campaign_reports().record(CampaignStatusChanged.model_validate(event.detail))
