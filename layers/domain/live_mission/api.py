"""What every HTTP function shares: the resolver with OpenAPI validation, the contract's error shape, body
limits, and identity taken only from the verified token (or IAM for named operators)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from .errors import Forbidden, ServiceBusy, ServiceError, Unauthorized, ValidationFailed
from .models import ErrorBody, Operator
from .observability import logger
from .ports import StorageBusy
from .settings import load_settings

MAX_BODY_BYTES = 16 * 1024
MAX_JSON_DEPTH = 32  # the contract's bodies nest three levels; deeper is refused before it is parsed
JSON = "application/json"
MissionId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
SELLER: list[dict[str, list[str]]] = [{"sellerJwt": []}]
OPERATOR: list[dict[str, list[str]]] = [{"iam": []}]
SECURITY_SCHEMES: dict[str, Any] = {
    "sellerJwt": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "The seller is the token's sub.",
    },
    "iam": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "AWS Signature Version 4 by a principal named in OperatorPrincipalArns; locally an operator "
        "token (role=admin).",
    },
}


def _error(description: str, *, retry_after: bool = False) -> OpenAPIResponse:
    response: OpenAPIResponse = {"description": description, "content": {JSON: {"model": ErrorBody}}}
    if retry_after:
        response["headers"] = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}
    return response


def documented(
    answer: Any,
    *,
    created: bool = False,
    operator: bool = False,
    ads: bool = False,
    errors: dict[int, str] | None = None,
) -> dict[int, OpenAPIResponse]:
    """A route's answers (docs/openapi.json): its own, and the errors every route shares, in the contract's shape."""
    ok: OpenAPIResponse = {"description": "OK", "content": {JSON: {"model": answer}}}
    unavailable = "SERVICE_BUSY" + (" or ADS_PLATFORM_UNAVAILABLE (the Ads platform cannot be reached)" if ads else "")
    responses: dict[int, OpenAPIResponse] = {
        200: ok,
        400: _error("Bad input: VALIDATION_FAILED (with fields) or a rule's code"),
        404: _error("MISSION_NOT_FOUND, REGISTRATION_NOT_FOUND or NOT_FOUND"),
        413: _error("PAYLOAD_TOO_LARGE: the body is over 16 KiB"),
        415: _error("UNSUPPORTED_MEDIA_TYPE: the body is not application/json"),
        503: _error(f"{unavailable}: try again after Retry-After seconds", retry_after=True),
    }
    if created:
        responses[201] = {**ok, "description": "Created"}
        responses[200] = {**ok, "description": "Already there: the same as when it was created"}
    if operator:
        responses[403] = _error("FORBIDDEN: not a principal named as an operator")
    else:
        responses[401] = _error("UNAUTHORIZED: a valid seller token is required")
    for status, description in (errors or {}).items():
        responses[status] = _error(description)
    return dict(sorted(responses.items()))


def error_response(error: ServiceError) -> Response:
    return Response(
        status_code=error.status, content_type=JSON, body=json.dumps(error.body()), headers=error.headers or None
    )


def _field_of(detail: dict[str, Any]) -> dict[str, Any]:
    location = [str(part) for part in detail.get("loc", ())]
    return {"field": ".".join(location), "message": str(detail.get("msg", "invalid")), "type": detail.get("type", "")}


def _depth(text: str) -> int:
    """How deep JSON brackets nest (strings skipped), without parsing: parsing is what must not recurse."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _refusal(event: Mapping[str, Any]) -> ServiceError | None:
    """Bodies are small JSON documents; anything else is refused before it is parsed or validated."""
    body = event.get("body") or ""
    if len(body.encode("utf-8", "surrogatepass")) > MAX_BODY_BYTES:
        return _PayloadTooLarge(f"The body is larger than {MAX_BODY_BYTES} bytes.")
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    content_type = headers.get("content-type", "").strip().lower()
    if body and content_type and not content_type.startswith(JSON):
        return _UnsupportedMediaType("Send the body as application/json.")
    if body and _depth(body) > MAX_JSON_DEPTH:
        return ValidationFailed(
            f"The body nests deeper than {MAX_JSON_DEPTH} levels.",
            fields=[{"field": "body", "message": "nested too deeply", "type": "json_invalid"}],
        )
    return None


class MissionApi(APIGatewayHttpResolver):
    """Powertools' HTTP API resolver, refusing what no route should ever parse."""

    def resolve(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        refusal = _refusal(event)
        if refusal is not None:
            return {
                "statusCode": refusal.status,
                "headers": {"Content-Type": JSON, **refusal.headers},
                "body": json.dumps(refusal.body()),
                "isBase64Encoded": False,
            }
        return super().resolve(event, context)


def build_resolver() -> MissionApi:
    app = MissionApi(enable_validation=True)
    app.configure_openapi(title="LIVE GMV Max Mission service", security_schemes=SECURITY_SCHEMES)

    @app.exception_handler(ServiceError)
    def _service_error(error: ServiceError) -> Response:
        return error_response(error)

    @app.exception_handler(StorageBusy)
    def _storage_busy(error: StorageBusy) -> Response:
        logger.warning("storage busy", extra={"error": str(error)})
        return error_response(ServiceBusy("We are very busy right now; please try again in a moment."))

    @app.exception_handler(RequestValidationError)
    def _invalid_request(error: RequestValidationError) -> Response:
        fields = [_field_of(detail) for detail in error.errors()]
        malformed = any(f["type"] == "json_invalid" for f in fields)
        message = "The body is not valid JSON." if malformed else "The request is not valid; see fields."
        return error_response(ValidationFailed(message, fields=fields))

    @app.not_found
    def _no_route(_: Exception) -> Response:
        return error_response(_NoRoute("No such route."))

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response:
        logger.exception("unexpected error")
        return error_response(_Internal("Something went wrong on our side; please try again."))

    return app


class _PayloadTooLarge(ServiceError):
    status, code = 413, "PAYLOAD_TOO_LARGE"


class _UnsupportedMediaType(ServiceError):
    status, code = 415, "UNSUPPORTED_MEDIA_TYPE"


class _NoRoute(ServiceError):
    status, code = 404, "NOT_FOUND"


class _Internal(ServiceError):
    status, code = 500, "INTERNAL_ERROR"


def seller_id_of(app: APIGatewayHttpResolver) -> str:
    """The seller is the verified token's `sub`, never a body or path field."""
    claims = app.current_event.request_context.authorizer.jwt_claim
    subject = claims.get("sub") if claims else None
    if not isinstance(subject, str) or not subject:
        raise Unauthorized("A valid seller token is required.")
    return subject


def operator_of(app: APIGatewayHttpResolver) -> Operator:
    """Operator routes are signed with IAM; only the principals named in OperatorPrincipalArns are
    operators (any other principal allowed to invoke the API is refused). Returns who it is."""
    authorizer = app.current_event.request_context.authorizer
    iam = authorizer.get("iam") if authorizer else None
    session = str((iam or {}).get("userArn") or "")
    if not session:
        raise Forbidden("An operator credential is required.")
    listed = listed_operator(session, load_settings().operator_principal_arns)
    if listed is None:
        logger.warning("refused a principal that is not an operator", extra={"principal": session})
        raise Forbidden("This principal is not an operator of this service.")
    # Every log line of the change names who made it: the listed role and the person's session.
    logger.append_keys(operator=listed, operator_session=session)
    return Operator(principal=listed, session=session)


_ROLE_SESSION = re.compile(r"arn:(aws[\w-]*):sts::(\d{12}):assumed-role/([\w+=,.@-]+)/[\w+=,.@-]+")
_ROLE = re.compile(r"arn:(aws[\w-]*):iam::(\d{12}):role/(?:[\w+=,.@-]+/)*([\w+=,.@-]+)")


def listed_operator(user_arn: str, listed: frozenset[str]) -> str | None:
    """The listed principal a signed request is: a role's session (`arn:aws:sts::1:assumed-role/Ops/alice`) is
    its role, whatever the role's path (a session's ARN never carries it, and SSO's roles have one:
    `arn:aws:iam::1:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Ops_1a2b`); users are themselves."""
    session = _ROLE_SESSION.fullmatch(user_arn)
    if session is None:
        return user_arn if user_arn in listed else None
    for principal in sorted(listed):
        role = _ROLE.fullmatch(principal)
        if role is not None and role.groups() == session.groups():
            return principal
    return None
