"""Missions: the list sellers may claim (R1); operators create or update missions and load ROI benchmarks (O1)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from live_mission import wiring
from live_mission.api import JSON, MissionId, build_resolver, require_operator
from live_mission.missions import MissionReport, mission_report, open_missions, save_mission
from live_mission.models import Mission, MissionDefinition, MissionList
from live_mission.observability import logger, metrics
from live_mission.recommendations import BenchmarkUpload, Timing

app = build_resolver()


@app.get("/missions")
def list_open_missions() -> MissionList:
    return MissionList(missions=open_missions(wiring.store(), wiring.clock()))


@app.put("/admin/missions/<mission_id>")
def put_mission(mission_id: MissionId, definition: MissionDefinition) -> Response[Mission]:
    require_operator(app)
    mission, created = save_mission(wiring.store(), wiring.clock(), mission_id, definition)
    return Response(status_code=201 if created else 200, content_type=JSON, body=mission)


@app.get("/admin/missions/<mission_id>/report")
def report(mission_id: MissionId) -> MissionReport:
    require_operator(app)
    return mission_report(wiring.store(), mission_id)


@app.put("/admin/roi-benchmarks/<country>/<industry>/<timing>")
def put_roi_benchmark(
    country: Annotated[str, Path(pattern=r"^[A-Z]{2}$")],
    industry: Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")],
    timing: Annotated[Timing, Path()],
    upload: BenchmarkUpload,
) -> dict:
    """O1: operators load the achieved ROI of similar authors; tiers are computed when asked."""
    require_operator(app)
    at = wiring.clock().now().isoformat()
    wiring.store().put_benchmark(country, industry, timing, upload.author_rois, at)
    return {
        "country": country,
        "industry": industry,
        "timing": timing,
        "authors": len(upload.author_rois),
        "updated_at": at,
    }


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
