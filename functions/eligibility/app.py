"""Eligibility: the blockers a seller must clear before claiming a mission (R3, R6), and their ROI tiers (O1)."""

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from live_mission import wiring
from live_mission.api import MissionId, build_resolver, seller_id_of
from live_mission.models import Eligibility
from live_mission.observability import logger, metrics
from live_mission.recommendations import RoiRecommendation

app = build_resolver()


@app.get("/missions/<mission_id>/eligibility")
def eligibility(mission_id: MissionId) -> Eligibility:
    return wiring.registration_service().eligibility(mission_id, seller_id_of(app))


@app.get("/missions/<mission_id>/roi-recommendation")
def roi_recommendation(mission_id: MissionId) -> RoiRecommendation:
    return wiring.registration_service().roi_recommendation(mission_id, seller_id_of(app))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
