"""Task progress (W4) and reward history (W5) for the calling seller."""

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from live_mission import wiring
from live_mission.api import SELLER, MissionId, build_resolver, documented, seller_id_of
from live_mission.errors import RegistrationNotFound
from live_mission.missions import known_mission
from live_mission.models import RewardHistory
from live_mission.observability import logger, metrics
from live_mission.progress import Progress, activity_for, progress_of
from live_mission.rewards import reward_history

app = build_resolver()


@app.get("/missions/<mission_id>/progress", responses=documented(Progress), security=SELLER)
def progress(mission_id: MissionId) -> Progress:
    seller_id = seller_id_of(app)
    view = wiring.seller_views().of(mission_id, seller_id)  # one read for the mission and the registration
    mission, registration = known_mission(view.mission, mission_id), view.registration
    if registration is None:
        raise RegistrationNotFound(f"You have not registered for mission {mission_id!r}.")
    return progress_of(mission, registration, activity_for(wiring.activity(), mission, seller_id))


@app.get("/rewards", responses=documented(RewardHistory), security=SELLER)
def rewards() -> RewardHistory:
    return reward_history(wiring.registrations(), wiring.voucher_seal(), seller_id_of(app))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
