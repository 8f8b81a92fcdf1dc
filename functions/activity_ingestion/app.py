"""Activity in: LIVE sessions (shop.live) and LIVE GMV Max spend (ads.gmvmax), each version kept once (W6),
checked against its receipt and the seller's own campaigns first (W7)."""

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from live_mission import wiring
from live_mission.activity import ActivityRefused, LiveSessionEnded, SpendReported
from live_mission.models import BusEvent
from live_mission.observability import Metric, count, logger, metrics


@logger.inject_lambda_context(correlation_id_path="id", clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    # Refused activity raises here, before anything is written; after the retries it lands in the
    # dead-letter queue with its reason. Each event is its own invocation.
    envelope = parse(event=event, model=BusEvent)
    received_at = wiring.clock().now()  # the service's own clock orders versions, never the sender's
    intake = wiring.intake()
    try:
        if envelope.detail_type == "LiveSessionEnded":
            new = intake.session(LiveSessionEnded.model_validate(envelope.detail), received_at)
        elif envelope.detail_type == "SpendReported":
            new = intake.spend(SpendReported.model_validate(envelope.detail), received_at)
        else:
            raise ValueError(f"unexpected detail-type {envelope.detail_type!r}")
    except (ValidationError, ActivityRefused) as refused:
        reason = refused.reason if isinstance(refused, ActivityRefused) else "INVALID"
        count(Metric.ACTIVITY_REFUSED, by=reason)
        logger.warning("activity refused", extra={"detail_type": envelope.detail_type, "reason": str(refused)})
        raise
    return {"recorded": new}
