"""The local gateway's token checks, as API Gateway's JWT authorizer makes them when deployed: each claim
is tested alone, on a token signed with the right key."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest

from tools.local_stack.auth import LocalAuthority, TokenError
from tools.local_stack.clock import LocalClock

NOW = datetime(2026, 2, 9, 2, 0, tzinfo=UTC)


@pytest.fixture
def authority(tmp_path: Path) -> LocalAuthority:
    return LocalAuthority(LocalClock(tmp_path / "clock", NOW), issuer="https://local/_local", audience="svc")


def _signed(authority: LocalAuthority, **changes: Any) -> str:
    claims = {
        "sub": "S1",
        "iss": authority.issuer,
        "aud": authority.audience,
        "iat": int(NOW.timestamp()),
        "exp": int((NOW + timedelta(hours=1)).timestamp()),
    }
    claims.update(changes)
    return "Bearer " + jwt.encode({k: v for k, v in claims.items() if v is not None}, authority._key, algorithm="HS256")


def test_a_well_formed_token_gives_its_subject(authority: LocalAuthority) -> None:
    assert authority.verify(_signed(authority))["sub"] == "S1"
    assert authority.verify("Bearer " + authority.issue("S2", "admin"))["role"] == "admin"


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"exp": int(NOW.timestamp())}, id="expired now"),
        pytest.param({"nbf": int((NOW + timedelta(minutes=5)).timestamp())}, id="not yet valid"),
        pytest.param({"aud": "another-service"}, id="wrong audience"),
        pytest.param({"iss": "https://evil.example/"}, id="wrong issuer"),
        pytest.param({"sub": None}, id="no subject"),
        pytest.param({"sub": ""}, id="empty subject"),
        pytest.param({"exp": None}, id="no expiry"),
    ],
)
def test_each_claim_is_checked(authority: LocalAuthority, changes: dict[str, Any]) -> None:
    with pytest.raises(TokenError):
        authority.verify(_signed(authority, **changes))


@pytest.mark.parametrize(
    "header",
    [None, "", "Basic abc", "Bearer", "Bearer a.b.c"],
)
def test_malformed_headers_are_refused(authority: LocalAuthority, header: str | None) -> None:
    with pytest.raises(TokenError):
        authority.verify(header)


def test_other_algorithms_and_keys_are_refused(authority: LocalAuthority) -> None:
    claims = jwt.decode(_signed(authority).removeprefix("Bearer "), options={"verify_signature": False})
    with pytest.raises(TokenError):
        authority.verify("Bearer " + jwt.encode(claims, "another-key-" * 3, algorithm="HS256"))
    with pytest.raises(TokenError):
        authority.verify("Bearer " + jwt.encode(claims, authority._key, algorithm="HS512"))
