"""Lambda's Invoke API for the functions themselves (`lambda:InvokeFunction`, e.g. the retry sweep's
fan-out): `POST /2015-03-31/functions/{name}/invocations`, RequestResponse or Event, as boto3 sends it.
The functions reach it through `AWS_ENDPOINT_URL_LAMBDA`; nothing else of Lambda's API is served."""

from __future__ import annotations

import json
import re
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from .dispatcher import Dispatcher
from .lambda_service import LambdaService

_INVOKE = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations$")


def _error(status: int, kind: str, message: str) -> Response:
    return Response(
        json.dumps({"Type": "User", "message": message}),
        status=status,
        headers={"x-amzn-ErrorType": kind},
        content_type="application/json",
    )


class _QuietHandler(WSGIRequestHandler):
    disable_nagle_algorithm = True

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        return


class InvokeApi:
    def __init__(self, lambdas: LambdaService, dispatcher: Dispatcher) -> None:
        self._lambdas = lambdas
        self._dispatcher = dispatcher

    @staticmethod
    def serve_app(app: Any, host: str = "127.0.0.1") -> BaseWSGIServer:
        return make_server(host, 0, app, threaded=True, request_handler=_QuietHandler)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.handle(Request(environ))(environ, start_response)

    def handle(self, request: Request) -> Response:
        match = _INVOKE.match(request.path)
        if request.method != "POST" or not match:
            return _error(404, "ResourceNotFoundException", "only Invoke is served locally")
        try:
            function = self._lambdas.function(match.group("name"))
        except KeyError:
            return _error(404, "ResourceNotFoundException", f"Function not found: {match.group('name')}")
        try:
            event = json.loads(request.get_data() or b"{}")
        except ValueError:
            return _error(400, "InvalidRequestContentException", "Could not parse request body into json")
        kind = request.headers.get("X-Amz-Invocation-Type", "RequestResponse")
        if kind == "Event":
            self._dispatcher.invoke_async(function.name, event)
            return Response(b"", status=202)
        if kind == "DryRun":
            return Response(b"", status=204)
        invocation = function.invoke(event, wait_for_container=False)
        headers = {"X-Amz-Executed-Version": "$LATEST"}
        if invocation.failed:
            headers["X-Amz-Function-Error"] = "Unhandled"
            return Response(json.dumps(invocation.error), 200, headers=headers, content_type="application/json")
        return Response(invocation.result or b"null", 200, headers=headers, content_type="application/json")
