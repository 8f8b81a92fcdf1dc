"""Errors a seller or operator can meet, each with the HTTP status and contract code it answers with."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A failure with a public meaning: status, code and message go to the caller as they are."""

    status: int = 400
    code: str = "BAD_REQUEST"

    def __init__(
        self,
        message: str,
        *,
        blockers: list[dict[str, Any]] | None = None,
        fields: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.blockers = blockers
        self.fields = fields
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.blockers is not None:
            error["blockers"] = self.blockers
        if self.fields is not None:
            error["fields"] = self.fields
        return {"error": error}


class ValidationFailed(ServiceError):
    status, code = 400, "VALIDATION_FAILED"


class Unauthorized(ServiceError):
    status, code = 401, "UNAUTHORIZED"


class Forbidden(ServiceError):
    status, code = 403, "FORBIDDEN"


class MissionNotFound(ServiceError):
    status, code = 404, "MISSION_NOT_FOUND"


class RegistrationNotFound(ServiceError):
    status, code = 404, "REGISTRATION_NOT_FOUND"


class MissionNotOpen(ServiceError):  # R1
    status, code = 409, "MISSION_NOT_OPEN"


class TermsNotAccepted(ServiceError):  # R2
    status, code = 400, "TERMS_NOT_ACCEPTED"


class AuthorizationConsentRequired(ServiceError):  # R2
    status, code = 400, "AUTHORIZATION_CONSENT_REQUIRED"


class RegistrationBlocked(ServiceError):  # R4
    status, code = 422, "REGISTRATION_BLOCKED"


class ServiceBusy(ServiceError):
    """Nothing was decided, try again after Retry-After: DynamoDB kept refusing after our retries, every
    container is busy, or the fleet's Ads quota has no call for this request before then (Q3)."""

    status, code = 503, "SERVICE_BUSY"

    def __init__(self, message: str, retry_after_seconds: int = 1) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after_seconds)})


class AdsPlatformUnavailable(ServiceError):  # R4: nothing written, the app may try again later
    status, code = 503, "ADS_PLATFORM_UNAVAILABLE"

    def __init__(self, message: str, retry_after_seconds: int = 30) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after_seconds)})
