"""Before a claim: the blockers to clear (R3, R6), the campaign a claim would create and what it may spend,
and the seller's ROI tiers (O1). Writes nothing."""

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from live_mission import wiring
from live_mission.api import SELLER, MissionId, build_resolver, documented, seller_id_of
from live_mission.models import CampaignPreview, Eligibility, RoiRecommendation
from live_mission.observability import logger, metrics

app = build_resolver()


@app.get("/missions/<mission_id>/eligibility", responses=documented(Eligibility, ads=True), security=SELLER)
def eligibility(mission_id: MissionId) -> Eligibility:
    return wiring.registrar().eligibility(mission_id, seller_id_of(app))


@app.get("/missions/<mission_id>/campaign-preview", responses=documented(CampaignPreview, ads=True), security=SELLER)
def campaign_preview(mission_id: MissionId) -> CampaignPreview:
    return wiring.registrar().preview(mission_id, seller_id_of(app))


@app.get(
    "/missions/<mission_id>/roi-recommendation", responses=documented(RoiRecommendation, ads=True), security=SELLER
)
def roi_recommendation(mission_id: MissionId) -> RoiRecommendation:
    return wiring.registrar().roi_recommendation(mission_id, seller_id_of(app))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
