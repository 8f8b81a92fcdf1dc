"""Activity in: LIVE sessions (shop.live) and LIVE GMV Max spend (ads.gmvmax), counted once (W6)."""

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from live_mission import wiring
from live_mission.models import BusEvent
from live_mission.observability import logger, metrics
from live_mission.progress import LiveSessionEnded, SpendReported, record_session, record_spend


@logger.inject_lambda_context(correlation_id_path="id")
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> None:
    # A malformed event raises here, before anything is written; after the retries it lands in the
    # dead-letter queue with its reason, and every other event is its own invocation.
    envelope = parse(event=event, model=BusEvent)
    received_at = wiring.clock().now()
    if envelope.detail_type == "LiveSessionEnded":
        record_session(wiring.store(), LiveSessionEnded.model_validate(envelope.detail), received_at)
    elif envelope.detail_type == "SpendReported":
        report = SpendReported.model_validate(envelope.detail)
        record_spend(wiring.store(), report, envelope.time, received_at)
    else:
        raise ValueError(f"unexpected detail-type {envelope.detail_type!r}")
