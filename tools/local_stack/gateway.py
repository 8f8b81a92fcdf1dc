"""The API port: API Gateway (HTTP API, payload 2.0) in front of the functions, plus `/_local`.

Served by werkzeug (moto's own HTTP server library), which parses HTTP properly: chunked bodies,
a malformed Content-Length and keep-alive connections are its business, not ours.
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from . import api_docs
from .auth import LocalAuthority, TokenError
from .clock import LocalClock
from .dispatcher import Dispatcher
from .faults import MODES, SERVICES
from .http_api import OPERATOR_ARN, http_api_event, operator_authorizer, seller_authorizer
from .lambda_service import LambdaService, Throttled
from .template import ROOT, HttpRoute

MAX_REQUEST_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit; larger bodies never reach a function
FAULT_SERVICES = frozenset(SERVICES.values())


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps({"error": {"code": code, "message": message}})
    return Response(body, status=status, headers=headers, content_type="application/json")


def _json(status: int, payload: Any) -> Response:
    return Response(json.dumps(payload, default=str), status=status, content_type="application/json")


class _QuietHandler(WSGIRequestHandler):
    disable_nagle_algorithm = True  # headers and body go out in separate writes: no 40 ms delayed-ACK wait

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        return


class Gateway:
    def __init__(
        self,
        routes: list[HttpRoute],
        lambdas: LambdaService,
        dispatcher: Dispatcher,
        clock: LocalClock,
        authority: LocalAuthority,
        events: Any,
        faults: Any,
    ) -> None:
        self.routes = routes
        self.lambdas = lambdas
        self.dispatcher = dispatcher
        self.clock = clock
        self.authority = authority
        self.events = events  # an EventBridge client on the emulator's plumbing endpoint
        self.faults = faults
        self.ready = False
        self.started_at = datetime.now(UTC).isoformat(timespec="seconds")

    def serve(self, host: str, port: int) -> BaseWSGIServer:
        return make_server(host, port, self, threaded=True, request_handler=_QuietHandler)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        request.max_content_length = MAX_REQUEST_BYTES
        try:
            response = self.handle(request)
        except RequestEntityTooLarge:
            response = _error(413, "PAYLOAD_TOO_LARGE", "The request body is too large.")
        except ClientDisconnected:
            response = _error(400, "BAD_REQUEST", "The request body ended early.")
        return response(environ, start_response)

    # --- requests --------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        raw = request.get_data(cache=True)
        try:
            if request.path.startswith("/_local/"):
                return self._control(
                    request.method, request.path, parse_qs(request.query_string.decode(), keep_blank_values=True), raw
                )
            return self._api(request, raw)
        except (RequestEntityTooLarge, ClientDisconnected):
            raise
        except Exception as error:  # noqa: BLE001 - the gateway itself must always answer
            return _error(500, "LOCAL_STACK_ERROR", repr(error))

    def _api(self, request: Request, raw: bytes) -> Response:
        path, method = request.path, request.method
        matching = [(route, m) for route in self.routes if (m := route.pattern.match(path))]
        chosen = [(route, m) for route, m in matching if route.method == method]
        if not chosen:
            if matching:
                return _error(405, "METHOD_NOT_ALLOWED", f"{method} is not allowed here.")
            return _error(404, "NOT_FOUND", "No such route.")
        route, match = chosen[0]
        headers = {k: v for k, v in request.headers.items()}
        try:
            claims = self.authority.verify(request.headers.get("Authorization"))
        except TokenError as error:
            return _error(401, "UNAUTHORIZED", f"A valid bearer token is required ({error}).")
        if route.operator_only:
            if claims.get("role") != "admin":
                return _error(403, "FORBIDDEN", "An operator credential is required.")
            authorizer = operator_authorizer(claims["sub"], str(claims.get("principal") or OPERATOR_ARN))
        else:
            granted = set(str(claims.get("scope") or "").split())
            if route.scopes and not granted.intersection(route.scopes):  # as the JWT authorizer checks them
                return _error(
                    403, "FORBIDDEN", f"The token lacks the scope this route needs ({' or '.join(route.scopes)})."
                )
            authorizer = seller_authorizer(claims)
        event = http_api_event(
            method,
            route.path,
            path,
            path_parameters=match.groupdict(),
            query=request.query_string.decode("utf-8", "replace"),
            headers=headers,
            body=raw.decode("utf-8", "replace") if raw else None,
            authorizer=authorizer,
            now=self.clock.now(),
        )
        try:
            invocation = self.lambdas.invoke(route.function, event, wait_for_container=False)
        except Throttled:
            # Every container of the function is busy at its reserved concurrency.
            return _error(503, "SERVICE_BUSY", "Too many requests right now; please try again.", {"Retry-After": "1"})
        if invocation.failed:  # an unhandled error, a timeout or a crash: API Gateway's own answer
            return Response(json.dumps({"message": "Internal Server Error"}), 500, content_type="application/json")
        result = invocation.value() or {}
        response_headers = {str(k): str(v) for k, v in (result.get("headers") or {}).items()}
        return Response(
            str(result.get("body") or ""), status=int(result.get("statusCode", 200)), headers=response_headers
        )

    # --- /_local controls ------------------------------------------------------------------------

    def _control(self, method: str, path: str, query: dict[str, list[str]], raw: bytes) -> Response:
        try:
            body = json.loads(raw) if raw else {}
        except (ValueError, RecursionError):
            return _error(400, "VALIDATION_FAILED", "The body is not valid JSON.")
        if method == "GET" and api_docs.serves(path):
            status, headers, content = api_docs.page(path, query)
            return Response(content, status=status, headers=headers)
        if method == "GET" and path == "/_local/health":
            if not self.ready:
                return _error(503, "STARTING", "starting")
            # Which stack this is: a tool that finds one on its port can tell whether it runs this checkout;
            # and where its emulated AWS answers, to look at what the service stored (the AWS CLI's
            # --endpoint-url, any credentials).
            return _json(
                200,
                {
                    "status": "ok",
                    "root": str(ROOT),
                    "pid": os.getpid(),
                    "started_at": self.started_at,
                    "aws_endpoint": self.events.meta.endpoint_url,
                },
            )
        if method == "GET" and path == "/_local/token":
            subject = (query.get("sub") or [""])[0]
            if not subject:
                return _error(400, "VALIDATION_FAILED", "sub is required")
            role = (query.get("role") or [""])[0] or None
            scope = query["scope"][0] if "scope" in query else None
            principal = query["principal"][0] if "principal" in query else None  # whom an operator signs as
            return _json(200, {"token": self.authority.issue(subject, role, scope, principal)})
        if path == "/_local/clock" and method in ("GET", "PUT"):
            if method == "PUT":
                try:
                    moment = datetime.fromisoformat(str(body["now"]))
                    self.clock.set(moment)
                except (KeyError, TypeError, ValueError) as error:
                    return _error(400, "VALIDATION_FAILED", f"now must be an ISO 8601 time with an offset ({error})")
            return _json(200, {"now": self.clock.now().isoformat()})
        if method == "POST" and path == "/_local/clock/advance":
            seconds = body.get("seconds") if isinstance(body, dict) else None
            if not isinstance(seconds, int | float) or isinstance(seconds, bool) or not 0 <= seconds <= 400 * 86400:
                return _error(400, "VALIDATION_FAILED", "seconds must be a number from 0 to 34,560,000 (400 days)")
            fired = self.dispatcher.advance(float(seconds))
            return _json(200, {"now": self.clock.now().isoformat(), "fired": fired})
        if method == "POST" and path == "/_local/events":
            return self._put_events(body)
        if method == "GET" and path == "/_local/events":
            return _json(200, {"events": self.dispatcher.bus_events()})
        if method == "GET" and path == "/_local/dead-letters":
            return _json(200, {"dead_letters": self.dispatcher.dead_letters()})
        if method == "GET" and path == "/_local/containers":
            return _json(200, self.lambdas.report())
        if path == "/_local/faults" and method in ("GET", "POST"):
            return self._faults(method, body)
        if method == "POST" and path == "/_local/drain":
            started = time.monotonic()
            drained = self.dispatcher.drain()
            return _json(
                200,
                {
                    "drained": drained,
                    "seconds": round(time.monotonic() - started, 3),
                    "failures": self.dispatcher.failures[-20:],
                    "denied": self.faults.denied,
                },
            )
        if method == "POST" and path.startswith("/_local/invoke/"):
            return self._invoke(path.removeprefix("/_local/invoke/"), body)
        return _error(404, "NOT_FOUND", "No such local control.")

    def _invoke(self, name: str, event: Any) -> Response:
        """One invocation, as `aws lambda invoke` would answer it: the payload, or the error and the logs."""
        try:
            invocation = self.lambdas.invoke(name, event)
        except KeyError:
            return _error(404, "NOT_FOUND", f"no function {name!r}; known: {', '.join(self.lambdas.names)}")
        payload = json.loads(invocation.result) if invocation.result else None
        return _json(200, {"payload": payload, "error": invocation.error, "logs": invocation.logs})

    def _faults(self, method: str, body: Any) -> Response:
        if method == "POST":
            if not isinstance(body, dict):
                return _error(400, "VALIDATION_FAILED", "the body must be a JSON object")
            service, operation, mode, count = (body.get(k) for k in ("service", "operation", "mode", "count"))
            if service not in FAULT_SERVICES:
                return _error(400, "VALIDATION_FAILED", f"service must be one of {sorted(FAULT_SERVICES)}")
            if not isinstance(operation, str) or not operation.isalnum():
                return _error(400, "VALIDATION_FAILED", "operation must be an AWS operation name or 'any'")
            if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                return _error(400, "VALIDATION_FAILED", "count must be a whole number, 0 to clear")
            if count and (mode not in MODES or (mode == "conflict" and service != "dynamodb")):
                return _error(
                    400,
                    "VALIDATION_FAILED",
                    "mode must be conflict (DynamoDB only), throttle, error or applied_then_error",
                )
            self.faults.set(service, operation, str(mode), count)
        return _json(200, {"faults": self.faults.pending(), "injected": self.faults.injected})

    def _put_events(self, body: Any) -> Response:
        entries = body.get("entries") if isinstance(body, dict) else None
        if not isinstance(entries, list) or not entries:
            return _error(400, "VALIDATION_FAILED", "entries must be a non-empty list of PutEvents entries")
        prepared = []
        for entry in entries:
            if not isinstance(entry, dict):
                return _error(400, "VALIDATION_FAILED", "each entry must be an object")
            entry = dict(entry)
            entry.setdefault("EventBusName", self.dispatcher.bus_name)
            if isinstance(entry.get("Detail"), dict):
                entry["Detail"] = json.dumps(entry["Detail"])
            try:
                entry["Time"] = datetime.fromisoformat(str(entry["Time"])) if entry.get("Time") else self.clock.now()
            except ValueError:
                return _error(400, "VALIDATION_FAILED", "Time must be an ISO 8601 time")
            prepared.append(entry)
        results = []
        for start in range(0, len(prepared), 10):  # PutEvents takes ten entries a call
            response = self.events.put_events(Entries=prepared[start : start + 10])
            results.extend(response.get("Entries", []))
        failed = sum(1 for r in results if r.get("ErrorCode"))
        return _json(200, {"FailedEntryCount": failed, "Entries": results})
