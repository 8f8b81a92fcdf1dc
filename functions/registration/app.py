"""Registration: claim the mission (R1, R2, R4, R5), read it back with its auto-creation state, opt out (A10)."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from live_mission import wiring
from live_mission.api import JSON, SELLER, MissionId, build_resolver, documented, seller_id_of
from live_mission.models import Registration, RegistrationRequest
from live_mission.observability import logger, metrics

app = build_resolver()


@app.post(
    "/missions/<mission_id>/registrations",
    responses=documented(
        Registration,
        created=True,
        ads=True,
        errors={
            409: "MISSION_NOT_OPEN (R1)",
            422: "REGISTRATION_BLOCKED, with every blocker and its steps (R3, R4)",
        },
    ),
    security=SELLER,
)
def register(mission_id: MissionId, request: RegistrationRequest) -> Response[Registration]:
    registration, created = wiring.registrar().register(mission_id, seller_id_of(app), request)
    return Response(status_code=201 if created else 200, content_type=JSON, body=registration)


@app.get("/missions/<mission_id>/registration", responses=documented(Registration), security=SELLER)
def registration(mission_id: MissionId) -> Registration:
    return wiring.registrar().registration(mission_id, seller_id_of(app))


@app.post("/missions/<mission_id>/auto-creation/opt-out", responses=documented(Registration, ads=True), security=SELLER)
def opt_out(mission_id: MissionId) -> Registration:
    """A10: recorded at once, whatever the Ads platform does; the campaign is switched off now or later."""
    return wiring.auto_creator().opt_out(mission_id, seller_id_of(app))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
