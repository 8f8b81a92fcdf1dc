"""Activity in: LIVE sessions (shop.live) and LIVE GMV Max spend (ads.gmvmax), each version kept once (W6)."""

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from live_mission import wiring
from live_mission.activity import LiveSessionEnded, SpendReported, record_session, record_spend
from live_mission.models import BusEvent
from live_mission.observability import Metric, count, logger, metrics


@logger.inject_lambda_context(correlation_id_path="id", clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    # A malformed or implausible event raises here, before anything is written; after the retries it
    # lands in the dead-letter queue with its reason. Each event is its own invocation.
    envelope = parse(event=event, model=BusEvent)
    received_at = wiring.clock().now()  # the service's own clock orders versions, never the sender's
    try:
        if envelope.detail_type == "LiveSessionEnded":
            new = record_session(wiring.activity(), LiveSessionEnded.model_validate(envelope.detail), received_at)
        elif envelope.detail_type == "SpendReported":
            new = record_spend(wiring.activity(), SpendReported.model_validate(envelope.detail), received_at)
        else:
            raise ValueError(f"unexpected detail-type {envelope.detail_type!r}")
    except ValidationError as refused:
        count(Metric.ACTIVITY_REFUSED, by="INVALID")
        logger.warning("activity refused", extra={"detail_type": envelope.detail_type, "reason": str(refused)})
        raise
    return {"recorded": new}
