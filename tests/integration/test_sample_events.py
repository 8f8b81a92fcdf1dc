"""Every sample event under events/ is one its function accepts (they are also used by `make invoke`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.conftest import context, load_handler
from tests.support import eligible_seller, mission_body

EVENTS = Path(__file__).resolve().parents[2] / "events"


@pytest.mark.parametrize("sample", sorted(p.name for p in EVENTS.glob("*.json")))
def test_sample_event_is_handled(service, sample: str) -> None:  # type: ignore[no-untyped-def]
    # Given mission M1 and seller S1, whom every sample names
    from live_mission import wiring
    from live_mission.models import Mission, MissionDefinition

    definition = MissionDefinition.model_validate(mission_body())
    wiring.missions().put(Mission(mission_id="M1", **definition.model_dump()))
    service.ads.state.put_seller("S1", eligible_seller("A1"))
    function = sample.split("_")[0]

    # When the sample is invoked on its function
    response = load_handler(function).lambda_handler(json.loads((EVENTS / sample).read_text()), context())

    # Then it is answered, never with a server error
    assert response["statusCode"] < 500, response
