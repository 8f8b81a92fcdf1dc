"""What every HTTP function shares: the resolver with OpenAPI validation, the SPEC error shape,
body limits, and identity taken only from the verified token (or IAM for operators)."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Path

from .errors import Forbidden, ServiceError, Unauthorized, ValidationFailed
from .observability import logger

MAX_BODY_BYTES = 16 * 1024
JSON = "application/json"
MissionId = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")]


def error_response(error: ServiceError) -> Response:
    return Response(
        status_code=error.status, content_type=JSON, body=json.dumps(error.body()), headers=error.headers or None
    )


def _field_of(detail: dict[str, Any]) -> dict[str, Any]:
    location = [str(part) for part in detail.get("loc", ())]
    return {"field": ".".join(location), "message": str(detail.get("msg", "invalid")), "type": detail.get("type", "")}


def _refusal(event: Mapping[str, Any]) -> ServiceError | None:
    """Bodies are small JSON documents; anything else is refused before it is parsed or validated."""
    body = event.get("body") or ""
    if len(body.encode("utf-8", "surrogatepass")) > MAX_BODY_BYTES:
        return _PayloadTooLarge(f"The body is larger than {MAX_BODY_BYTES} bytes.")
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    content_type = headers.get("content-type", "").strip().lower()
    if body and content_type and not content_type.startswith(JSON):
        return _UnsupportedMediaType("Send the body as application/json.")
    return None


class _PerThread:
    """An attribute each thread sees its own value of."""

    _values = threading.local()

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        return getattr(self._values, self._name)

    def __set__(self, instance: object, value: Any) -> None:
        setattr(self._values, self._name, value)


class MissionApi(APIGatewayHttpResolver):
    """Powertools keeps the request being resolved on a class attribute (`BaseRouter.current_event`),
    shared by every resolver in the process. Lambda resolves one request per process at a time, but
    where containers are threads of one process (the local stack), two sellers' requests would read
    each other's token. Here each thread reads its own request."""

    current_event = _PerThread()
    lambda_context = _PerThread()

    def resolve(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        refusal = _refusal(event)
        if refusal is not None:
            return {
                "statusCode": refusal.status,
                "headers": {"Content-Type": JSON},
                "body": json.dumps(refusal.body()),
                "isBase64Encoded": False,
            }
        self.current_event = self._to_proxy_event(dict(event))
        self.lambda_context = context
        return super().resolve(event, context)


def build_resolver() -> MissionApi:
    app = MissionApi(enable_validation=True)

    @app.exception_handler(ServiceError)
    def _service_error(error: ServiceError) -> Response:
        return error_response(error)

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


def require_operator(app: APIGatewayHttpResolver) -> None:
    """Operator routes are signed with IAM (deployed) or an admin token (the local gateway maps it to IAM)."""
    iam = (
        app.current_event.request_context.authorizer.get("iam")
        if app.current_event.request_context.authorizer
        else None
    )
    if not iam:
        raise Forbidden("An operator credential is required.")
