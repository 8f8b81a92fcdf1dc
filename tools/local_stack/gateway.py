"""The API port: API Gateway (HTTP API, payload 2.0) in front of the real handlers, plus `/_local`."""

from __future__ import annotations

import json
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import api_docs
from .auth import LocalAuthority, TokenError
from .clock import LocalClock
from .containers import Containers
from .dispatcher import Dispatcher
from .http_api import http_api_event, operator_authorizer, seller_authorizer
from .template import HttpRoute

MAX_REQUEST_BYTES = 1024 * 1024  # larger bodies are refused before any handler runs


def _error(status: int, code: str, message: str) -> tuple[int, dict[str, str], bytes]:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    return status, {"Content-Type": "application/json"}, body


def _json(status: int, payload: Any) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(payload, default=str).encode()


class Gateway:
    def __init__(
        self,
        routes: list[HttpRoute],
        containers: Containers,
        dispatcher: Dispatcher,
        clock: LocalClock,
        authority: LocalAuthority,
        events: Any,
    ) -> None:
        self.routes = routes
        self.containers = containers
        self.dispatcher = dispatcher
        self.clock = clock
        self.authority = authority
        self.events = events  # an EventBridge client on moto
        self.ready = False

    def serve(self, host: str, port: int) -> ThreadingHTTPServer:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes; with Nagle's algorithm the body would wait for
            # the client's delayed ACK, 40 ms on every POST.
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:
                return

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_REQUEST_BYTES:
                    status, headers, body = _error(413, "PAYLOAD_TOO_LARGE", "The request body is too large.")
                    self.close_connection = True
                else:
                    raw = self.rfile.read(length) if length else b""
                    status, headers, body = gateway.handle(self.command, self.path, dict(self.headers.items()), raw)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if self.command == "HEAD":
                    body = b""  # a HEAD answer has headers only
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def __getattr__(self, name: str) -> Any:
                # http.server looks for do_<METHOD>; every method gets an answer in the SPEC shape, not a 501.
                if name.startswith("do_"):
                    return self._answer
                raise AttributeError(name)

        server = ThreadingHTTPServer((host, port), Handler)
        server.daemon_threads = True
        return server

    # --- requests --------------------------------------------------------------------------------

    def handle(
        self, method: str, target: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        url = urlsplit(target)
        try:
            if url.path.startswith("/_local/"):
                return self._control(method, url.path, parse_qs(url.query), raw)
            return self._api(method, url, headers, raw)
        except Exception as error:  # noqa: BLE001 - the gateway itself must always answer
            return _error(500, "LOCAL_STACK_ERROR", repr(error))

    def _api(self, method: str, url: Any, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, str], bytes]:
        matching = [(route, m) for route in self.routes if (m := route.pattern.match(url.path))]
        chosen = [(route, m) for route, m in matching if route.method == method]
        if not chosen:
            if matching:
                return _error(405, "METHOD_NOT_ALLOWED", f"{method} is not allowed here.")
            return _error(404, "NOT_FOUND", "No such route.")
        route, match = chosen[0]
        authorization = next((v for k, v in headers.items() if k.lower() == "authorization"), None)
        try:
            claims = self.authority.verify(authorization)
        except TokenError as error:
            return _error(401, "UNAUTHORIZED", f"A valid bearer token is required ({error}).")
        if route.operator_only:
            if claims.get("role") != "admin":
                return _error(403, "FORBIDDEN", "An operator credential is required.")
            authorizer = operator_authorizer(claims["sub"])
        else:
            authorizer = seller_authorizer(claims)
        event = http_api_event(
            method,
            route.path,
            url.path,
            path_parameters=match.groupdict(),
            query=url.query,
            headers=headers,
            body=raw.decode("utf-8", "replace") if raw else None,
            authorizer=authorizer,
            now=self.clock.now(),
        )
        result = self.containers.invoke(route.function, event)
        response_headers = {str(k): str(v) for k, v in (result.get("headers") or {}).items()}
        body = result.get("body") or ""
        return int(result.get("statusCode", 200)), response_headers, body.encode()

    # --- /_local controls ------------------------------------------------------------------------

    def _control(
        self, method: str, path: str, query: dict[str, list[str]], raw: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            return _error(400, "VALIDATION_FAILED", "The body is not valid JSON.")
        if method == "GET" and api_docs.serves(path):
            return api_docs.page(path, query)
        if method == "GET" and path == "/_local/health":
            return _json(200, {"status": "ok"}) if self.ready else _error(503, "STARTING", "starting")
        if method == "GET" and path == "/_local/token":
            subject = (query.get("sub") or [""])[0]
            if not subject:
                return _error(400, "VALIDATION_FAILED", "sub is required")
            role = (query.get("role") or [""])[0] or None
            return _json(200, {"token": self.authority.issue(subject, role)})
        if path == "/_local/clock" and method in ("GET", "PUT"):
            if method == "PUT":
                try:
                    self.clock.set(datetime.fromisoformat(str(body["now"])))
                except (KeyError, TypeError, ValueError) as error:
                    return _error(400, "VALIDATION_FAILED", f"now must be an ISO 8601 time with an offset ({error})")
            return _json(200, {"now": self.clock.now().isoformat()})
        if method == "POST" and path == "/_local/clock/advance":
            seconds = body.get("seconds") if isinstance(body, dict) else None
            if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
                return _error(400, "VALIDATION_FAILED", "seconds must be a non-negative number")
            fired = self.dispatcher.advance(float(seconds))
            return _json(200, {"now": self.clock.now().isoformat(), "fired": fired})
        if method == "POST" and path == "/_local/events":
            return self._put_events(body)
        if method == "GET" and path == "/_local/events":
            return _json(200, {"events": self.dispatcher.bus_events()})
        if method == "GET" and path == "/_local/dead-letters":
            return _json(200, {"dead_letters": self.dispatcher.dead_letters()})
        if method == "POST" and path == "/_local/drain":
            started = time.monotonic()
            self.dispatcher.drain()
            return _json(
                200,
                {
                    "drained": True,
                    "seconds": round(time.monotonic() - started, 3),
                    "failures": self.dispatcher.failures[-20:],
                },
            )
        if method == "POST" and path.startswith("/_local/invoke/"):
            name = path.removeprefix("/_local/invoke/")
            if name not in self.containers.names:
                return _error(404, "NOT_FOUND", f"no function {name!r}; known: {', '.join(self.containers.names)}")
            return _json(200, self.containers.invoke(name, body))
        return _error(404, "NOT_FOUND", "No such local control.")

    def _put_events(self, body: Any) -> tuple[int, dict[str, str], bytes]:
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
            entry["Time"] = datetime.fromisoformat(str(entry["Time"])) if entry.get("Time") else self.clock.now()
            prepared.append(entry)
        results = []
        for start in range(0, len(prepared), 10):  # PutEvents takes ten entries a call
            response = self.events.put_events(Entries=prepared[start : start + 10])
            results.extend(response.get("Entries", []))
        failed = sum(1 for r in results if r.get("ErrorCode"))
        return _json(200, {"FailedEntryCount": failed, "Entries": results})
