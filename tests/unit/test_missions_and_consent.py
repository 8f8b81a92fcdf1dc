"""R1 (registration window) and R2 (terms and consent), as pure rules."""

from datetime import timedelta

import pytest
from pydantic import ValidationError

from live_mission.errors import AuthorizationConsentRequired, TermsNotAccepted
from live_mission.missions import registration_is_open
from live_mission.models import Mission, MissionDefinition, RegistrationRequest
from live_mission.registration import _check_consent
from tests.support import mission_body


def _mission(**overrides: object) -> Mission:
    return Mission(mission_id="M1", **MissionDefinition.model_validate(mission_body(**overrides)).model_dump())


def test_the_window_opens_inclusively_and_closes_exclusively() -> None:
    mission = _mission()
    opens, closes = mission.registration_opens_at, mission.registration_closes_at
    assert registration_is_open(mission, opens)
    assert registration_is_open(mission, closes - timedelta(microseconds=1))
    assert not registration_is_open(mission, closes)
    assert not registration_is_open(mission, opens - timedelta(seconds=1))


def test_windows_must_be_ordered() -> None:
    with pytest.raises(ValidationError):
        MissionDefinition.model_validate(mission_body(registration_closes_at="2026-01-01T00:00:00+00:00"))
    with pytest.raises(ValidationError):
        MissionDefinition.model_validate(mission_body(campaign_ends_at="2026-01-01T00:00:00+00:00"))


def test_times_need_an_offset() -> None:
    with pytest.raises(ValidationError):
        MissionDefinition.model_validate(mission_body(campaign_starts_at="2026-02-09T00:00:00"))


def test_money_stays_decimal_and_travels_as_a_number() -> None:
    mission = _mission(goals={"gmv": "1000000.50", "live_minutes": 60})
    assert str(mission.goals.gmv) == "1000000.50"
    assert mission.model_dump(mode="json")["goals"]["gmv"] == 1000000.5
    assert _mission().model_dump(mode="json")["goals"]["gmv"] == 1000000


@pytest.mark.parametrize(
    ("claim", "error"),
    [
        ({"accept_terms": False, "terms_version": "v1", "authorize_live_gmv_max": True}, TermsNotAccepted),
        ({"accept_terms": True, "terms_version": "v2", "authorize_live_gmv_max": True}, TermsNotAccepted),
        ({"accept_terms": True, "terms_version": "v1", "authorize_live_gmv_max": False}, AuthorizationConsentRequired),
    ],
)
def test_terms_and_consent(claim: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        _check_consent(_mission(), RegistrationRequest.model_validate(claim))


def test_accepted_terms_and_consent_pass() -> None:
    _check_consent(_mission(), RegistrationRequest(accept_terms=True, terms_version="v1", authorize_live_gmv_max=True))


def test_flags_must_be_json_booleans() -> None:
    with pytest.raises(ValidationError):
        RegistrationRequest.model_validate({"accept_terms": "true", "terms_version": "v1", "authorize_live_gmv_max": 1})


def test_an_operator_role_session_is_its_role_whatever_the_roles_path() -> None:
    from live_mission.api import listed_operator

    sso = "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Ops_1a2b"
    listed = frozenset({"arn:aws:iam::123456789012:role/MissionOperators", sso, "arn:aws:iam::123456789012:user/ops"})
    session = "arn:aws:sts::123456789012:assumed-role/MissionOperators/alice@example.com"
    assert listed_operator(session, listed) == "arn:aws:iam::123456789012:role/MissionOperators"
    assert listed_operator("arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Ops_1a2b/bob", listed) == sso
    assert listed_operator("arn:aws:iam::123456789012:user/ops", listed) == "arn:aws:iam::123456789012:user/ops"
    # another account's role of the same name, another role, a federated user, an unsigned call: no operator
    assert listed_operator("arn:aws:sts::210987654321:assumed-role/MissionOperators/eve", listed) is None
    assert listed_operator("arn:aws:sts::123456789012:assumed-role/MissionOperatorsX/eve", listed) is None
    assert listed_operator("arn:aws:sts::123456789012:federated-user/bob", listed) is None
    assert listed_operator("", listed) is None
