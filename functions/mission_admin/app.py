"""For named operators (IAM): create or update missions, load ROI benchmarks (O1), read a mission's report."""

import time
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from live_mission import wiring
from live_mission.api import JSON, OPERATOR, MissionId, build_resolver, documented, operator_of
from live_mission.missions import save_mission
from live_mission.models import Mission, MissionDefinition
from live_mission.observability import logger, metrics
from live_mission.recommendations import BenchmarkSaved, BenchmarkUpload, Timing, save_benchmark
from live_mission.statistics import MissionReport, mission_report, quota_report

app = build_resolver()


@app.put("/admin/missions/<mission_id>", responses=documented(Mission, created=True, operator=True), security=OPERATOR)
def put_mission(mission_id: MissionId, definition: MissionDefinition) -> Response[Mission]:
    operator = operator_of(app)
    mission, created = save_mission(wiring.missions(), wiring.clock(), mission_id, definition, operator)
    logger.info("mission saved", extra={"mission_id": mission_id, "new": created})
    return Response(status_code=201 if created else 200, content_type=JSON, body=mission)


@app.get("/admin/missions/<mission_id>/report", responses=documented(MissionReport, operator=True), security=OPERATOR)
def report(mission_id: MissionId) -> MissionReport:
    operator_of(app)
    quota = wiring.quota_limits().app
    ads_quota = quota_report(quota, wiring.quota_ledger(), wiring.clock().now(), time.time()) if quota.any else None
    return mission_report(wiring.missions(), wiring.statistics(), mission_id, ads_quota)


@app.put(
    "/admin/roi-benchmarks/<country>/<industry>/<timing>",
    responses=documented(BenchmarkSaved, operator=True),
    security=OPERATOR,
)
def put_roi_benchmark(
    country: Annotated[str, Path(pattern=r"^[A-Z]{2}$")],
    industry: Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")],
    timing: Annotated[Timing, Path()],
    upload: BenchmarkUpload,
) -> BenchmarkSaved:
    """O1: operators load the achieved ROI of similar authors; tiers are computed when asked."""
    operator = operator_of(app)
    saved = save_benchmark(wiring.missions(), wiring.clock(), country, industry, timing, upload, operator)
    logger.info("benchmark saved", extra={"country": country, "industry": industry})
    return saved


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
