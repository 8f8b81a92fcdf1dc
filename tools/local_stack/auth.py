"""Local tokens: what API Gateway's JWT authorizer checks when deployed (signature, expiry against the
service clock, issuer, audience), and the operator credential that stands in for IAM."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import jwt

from .clock import LocalClock

# Long enough that a token survives a test that moves the clock through a whole mission and its
# grace period; expiry itself is still checked against the service clock.
TOKEN_LIFETIME = timedelta(days=400)


class TokenError(Exception):
    pass


class LocalAuthority:
    def __init__(self, clock: LocalClock, issuer: str, audience: str, seller_scope: str = "") -> None:
        self._clock = clock
        self._key = secrets.token_bytes(64)
        self.issuer = issuer
        self.audience = audience
        self.seller_scope = seller_scope

    def issue(
        self, subject: str, role: str | None = None, scope: str | None = None, principal: str | None = None
    ) -> str:
        """A token as the identity provider issues it to the app: with the seller scope unless `scope`
        names others (an empty one: none)."""
        now = self._clock.now()
        claims: dict[str, Any] = {
            "sub": subject,
            "iss": self.issuer,
            "aud": self.audience,
            "iat": int(now.timestamp()),
            "exp": int((now + TOKEN_LIFETIME).timestamp()),
        }
        scope = self.seller_scope if scope is None else scope
        if scope:
            claims["scope"] = scope
        if role:
            claims["role"] = role
        if principal:
            claims["principal"] = principal
        return jwt.encode(claims, self._key, algorithm="HS256")

    def verify(self, authorization: str | None) -> dict[str, Any]:
        if not authorization or not authorization.startswith("Bearer "):
            raise TokenError("missing bearer token")
        token = authorization.removeprefix("Bearer ").strip()
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._key,
                algorithms=["HS256"],  # never "none", never a key the token names itself
                audience=self.audience,
                issuer=self.issuer,
                # Time is checked below against the service clock, the only clock of the local stack.
                options={
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "require": ["sub", "exp", "iss", "aud"],
                },
            )
        except jwt.PyJWTError as error:
            raise TokenError(str(error)) from error
        now = self._clock.now().timestamp()
        if now >= float(claims["exp"]):
            raise TokenError("token expired")
        if "nbf" in claims and now < float(claims["nbf"]):
            raise TokenError("token not yet valid")
        if not isinstance(claims["sub"], str) or not claims["sub"]:
            raise TokenError("token has no subject")
        return claims
