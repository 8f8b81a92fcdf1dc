"""AWS faults on demand (`POST /_local/faults`): the next N matching DynamoDB or EventBridge calls made
by the functions fail as AWS fails them, before moto sees them (so nothing is applied, but with
`applied_then_error`).

- conflict: TransactWriteItems is cancelled with reason `TransactionConflict` (one reason per item, as
  DynamoDB lists them); a single-item write (PutItem, UpdateItem, DeleteItem) gets
  `TransactionConflictException`. Reads never conflict, so a conflict fault passes them by. botocore
  retries neither: the service must.
- throttle: `ProvisionedThroughputExceededException` (DynamoDB), `ThrottlingException` (EventBridge);
  botocore retries these with back-off, so a fault of a few calls may be absorbed by its retries.
- error: HTTP 500, `InternalServerError` (DynamoDB) or `InternalException` (EventBridge's name for it).
- applied_then_error: a write (DynamoDB PutItem, UpdateItem, DeleteItem, TransactWriteItems; EventBridge
  PutEvents) is applied, and then answered as `error` is: the answer lost after the work was done, as
  a timeout is. botocore retries it, and the retry meets the write's own effect (its condition fails
  on what the write itself did; events arrive twice).

Only the functions' own endpoint injects faults; the local stack's plumbing (stream pollers, the
archive, the controls) uses another endpoint of the same emulator.
"""

from __future__ import annotations

import io
import json
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

SERVICES = {"DynamoDB_20120810": "dynamodb", "AWSEvents": "events"}
MODES = ("conflict", "throttle", "error", "applied_then_error")
WRITES = frozenset({"TransactWriteItems", "PutItem", "UpdateItem", "DeleteItem"})
APPLIED_WRITES = WRITES | {"PutEvents"}  # what applied_then_error applies
_DYNAMODB = "com.amazonaws.dynamodb.v20120810#"


@dataclass
class Fault:
    service: str
    operation: str  # an AWS operation name or "any"
    mode: str
    remaining: int

    def matches(self, service: str, operation: str) -> bool:
        if self.service != service or self.operation not in (operation, "any"):
            return False
        if self.mode == "conflict":
            return operation in WRITES
        return self.mode != "applied_then_error" or operation in APPLIED_WRITES


class FaultInjector:
    """WSGI middleware in front of the emulator; thread-safe."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self.injected: dict[str, int] = {}

    def set(self, service: str, operation: str, mode: str, count: int) -> None:
        """Adds a fault; `count` 0 clears that operation's faults (any mode) for the service."""
        with self._lock:
            if count <= 0:
                self._faults = [f for f in self._faults if not (f.service == service and f.operation == operation)]
            else:
                self._faults.append(Fault(service, operation, mode, count))

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.__dict__.copy() for f in self._faults]

    def _take(self, service: str, operation: str) -> str | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(service, operation):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    key = f"{service}.{operation}.{fault.mode}"
                    self.injected[key] = self.injected.get(key, 0) + 1
                    return fault.mode
            return None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        prefix, _, operation = environ.get("HTTP_X_AMZ_TARGET", "").partition(".")
        service = SERVICES.get(prefix)
        mode = self._take(service, operation) if service and self._faults else None
        if mode is None:
            return self._app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        if mode == "applied_then_error":
            environ["wsgi.input"] = io.BytesIO(body)
            for _ in self._app(environ, lambda *_: None):  # applied; its answer is dropped
                pass
            mode = "error"
        status, payload = _failure(service or "", operation, mode, body)
        return aws_error(start_response, status, payload, "1.0" if service == "dynamodb" else "1.1")


def aws_error(
    start_response: Callable[..., Any], status: str, payload: dict[str, Any], json_version: str
) -> list[bytes]:
    """An error answered as the AWS JSON protocol answers it."""
    data = json.dumps(payload).encode()
    start_response(
        status,
        [
            ("Content-Type", f"application/x-amz-json-{json_version}"),
            ("Content-Length", str(len(data))),
            ("x-amzn-RequestId", str(uuid.uuid4())),
        ],
    )
    return [data]


def _failure(service: str, operation: str, mode: str, body: bytes) -> tuple[str, dict[str, Any]]:
    if service == "events":
        if mode == "throttle":
            return "400 Bad Request", {"__type": "ThrottlingException", "message": "Rate exceeded"}
        return "500 Internal Server Error", {"__type": "InternalException", "message": "Internal service error"}
    if mode == "throttle":
        return "400 Bad Request", {
            "__type": f"{_DYNAMODB}ProvisionedThroughputExceededException",
            "message": "The level of configured provisioned throughput for the table was exceeded. "
            "Consider increasing your provisioning level with the UpdateTable API.",
        }
    if mode == "error":
        return "500 Internal Server Error", {"__type": f"{_DYNAMODB}InternalServerError", "message": "Internal error"}
    if operation == "TransactWriteItems":
        try:
            items = len(json.loads(body or b"{}").get("TransactItems") or []) or 1
        except ValueError:
            items = 1
        reasons = [{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}] + [
            {"Code": "None"} for _ in range(items - 1)
        ]
        codes = ", ".join(r["Code"] for r in reasons)
        return "400 Bad Request", {
            "__type": f"{_DYNAMODB}TransactionCanceledException",
            "Message": f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
            "CancellationReasons": reasons,
        }
    return "400 Bad Request", {
        "__type": f"{_DYNAMODB}TransactionConflictException",
        "message": "Transaction is ongoing for the item",
    }
