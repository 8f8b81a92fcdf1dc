"""Registration: claim the mission (R1, R2, R4, R5), read it back with its auto-creation state, opt out (A10)."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from live_mission import wiring
from live_mission.api import JSON, MissionId, build_resolver, seller_id_of
from live_mission.models import Registration, RegistrationRequest
from live_mission.observability import logger, metrics

app = build_resolver()


@app.post("/missions/<mission_id>/registrations")
def register(mission_id: MissionId, request: RegistrationRequest) -> Response[Registration]:
    registration, created = wiring.registration_service().register(mission_id, seller_id_of(app), request)
    return Response(status_code=201 if created else 200, content_type=JSON, body=registration)


@app.get("/missions/<mission_id>/registration")
def registration(mission_id: MissionId) -> Registration:
    return wiring.registration_service().registration(mission_id, seller_id_of(app))


@app.post("/missions/<mission_id>/auto-creation/opt-out")
def opt_out(mission_id: MissionId) -> Registration:
    return wiring.auto_creator().opt_out(mission_id, seller_id_of(app))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
