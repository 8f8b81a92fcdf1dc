"""Missions: the list sellers may claim, and operators' create-or-update (R1)."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from live_mission import wiring
from live_mission.api import JSON, MissionId, build_resolver, require_operator
from live_mission.missions import open_missions, save_mission
from live_mission.models import Mission, MissionDefinition, MissionList
from live_mission.observability import logger, metrics

app = build_resolver()


@app.get("/missions")
def list_open_missions() -> MissionList:
    return MissionList(missions=open_missions(wiring.store(), wiring.clock()))


@app.put("/admin/missions/<mission_id>")
def put_mission(mission_id: MissionId, definition: MissionDefinition) -> Response[Mission]:
    require_operator(app)
    mission, created = save_mission(wiring.store(), wiring.clock(), mission_id, definition)
    return Response(status_code=201 if created else 200, content_type=JSON, body=mission)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
