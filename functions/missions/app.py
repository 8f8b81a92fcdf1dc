"""Missions open to claim (R1), for sellers. Read-only: operators change missions through mission_admin."""

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from live_mission import wiring
from live_mission.api import SELLER, build_resolver, documented
from live_mission.missions import open_missions
from live_mission.models import MissionList, OpenMission
from live_mission.observability import logger, metrics

app = build_resolver()


@app.get("/missions", responses=documented(MissionList), security=SELLER)
def list_open_missions() -> MissionList:
    found = open_missions(wiring.missions(), wiring.clock())
    return MissionList(missions=[OpenMission.model_validate(m.model_dump()) for m in found])


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
