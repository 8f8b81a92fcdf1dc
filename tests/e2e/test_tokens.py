"""Identity comes from a verified token only, over HTTP: unsigned and wrongly signed tokens are refused, and
a genuine one expires with the service clock. The claim checks themselves (expiry, not-before, issuer,
audience, subject) are tested with a known key in tests/unit/test_local_tokens.py."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

import jwt
import pytest

from tests.e2e.conftest import Stack


def _claims(stack: Stack, **changes: Any) -> dict[str, Any]:
    now = int(datetime.fromisoformat(stack.control("GET", "/_local/clock")["now"]).timestamp())
    claims = {
        "sub": "intruder",
        "iss": f"{stack.api}/_local",
        "aud": "live-gmv-max-mission",
        "iat": now,
        "exp": now + 3600,
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _unsigned(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda s: _unsigned(_claims(s)), id="alg none"),
        pytest.param(lambda s: jwt.encode(_claims(s), "not-the-key-" * 3, algorithm="HS256"), id="wrong key"),
    ],
)
def test_forged_or_stale_tokens_are_refused(world: Stack, forge: Any) -> None:
    mission_id = world.put_mission()
    response = world.call(
        "GET", f"/missions/{mission_id}/eligibility", headers={"Authorization": f"Bearer {forge(world)}"}
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"


def test_a_genuine_token_expires_with_the_service_clock(world: Stack) -> None:
    mission_id = world.put_mission()
    seller = world.new_eligible_seller()
    headers = world.as_seller(seller)
    assert world.call("GET", f"/missions/{mission_id}/eligibility", headers=headers).status_code == 200
    world.set_clock("2031-01-01T00:00:00+00:00")  # long after the token's expiry
    assert world.call("GET", f"/missions/{mission_id}/eligibility", headers=headers).status_code == 401


@pytest.mark.parametrize("scope", ["", "live-mission/reader"])
def test_a_genuine_token_without_the_seller_scope_is_refused(world: Stack, scope: str) -> None:
    token = world.control("GET", f"/_local/token?sub=scopeless&scope={scope}")["token"]
    for path in ("/missions", "/rewards"):
        response = world.http.get(f"{world.api}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert response.status_code == 403, response.text[:300]
        assert response.json()["error"]["code"] == "FORBIDDEN"
