"""Each function's role, enforced on its DynamoDB requests as IAM enforces it when deployed: a request is
answered `AccessDeniedException`, before moto sees it, unless one statement of the function's role allows its
action on its resource (the table, or the index queried) with every condition met; `dynamodb:LeadingKeys` is
the partition key of every item the request names (the key condition's, for a query). The service's store
uses GetItem, BatchGetItem, Query, PutItem and UpdateItem; any other operation is decided on resource `*`.

A function is known by the access key its containers sign with (the stack gives each function its own);
requests signed otherwise (the local stack's plumbing, tests) pass. Only DynamoDB is enforced here: the
template tests read the other services' statements.
"""

from __future__ import annotations

import fnmatch
import io
import json
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .faults import aws_error

_TARGET = "DynamoDB_20120810."
_CREDENTIAL = re.compile(r"Credential=([^/]+)/")
_EQUALS = re.compile(r"(#?[\w.-]+)\s*=\s*(:\w+)")
_CONDITIONS = {"ForAllValues:StringLike", "ForAllValues:StringEquals"}


@dataclass(frozen=True)
class Request:
    """What IAM decides on: one action on one resource, with the partition keys it names."""

    action: str
    resource: str
    leading_keys: tuple[str, ...]


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


class Role:
    """One function's statements (resolved) that name a DynamoDB action."""

    def __init__(self, statements: list[dict[str, Any]]) -> None:
        self.statements = [s for s in statements if any(a.startswith("dynamodb:") for a in _listed(s["Action"]))]
        for statement in self.statements:
            unknown = set(statement.get("Condition") or {}) - _CONDITIONS
            keys = {k for c in (statement.get("Condition") or {}).values() for k in c}
            if unknown or keys - {"dynamodb:LeadingKeys"} or "NotAction" in statement or "NotResource" in statement:
                raise ValueError(f"the local IAM cannot decide this statement: {statement}")

    def allows(self, request: Request) -> bool:
        matching = [s for s in self.statements if _matches(s, request)]
        return not any(s["Effect"] == "Deny" for s in matching) and any(s["Effect"] == "Allow" for s in matching)


def _matches(statement: dict[str, Any], request: Request) -> bool:
    if not any(fnmatch.fnmatchcase(request.action.lower(), a.lower()) for a in _listed(statement["Action"])):
        return False
    if not any(fnmatch.fnmatchcase(request.resource, r) for r in _listed(statement["Resource"])):
        return False
    for operator, condition in (statement.get("Condition") or {}).items():
        patterns = _listed(condition["dynamodb:LeadingKeys"])
        if operator == "ForAllValues:StringLike":
            met = all(any(fnmatch.fnmatchcase(k, p) for p in patterns) for k in request.leading_keys)
        else:
            met = all(k in patterns for k in request.leading_keys)
        if not met:
            return False
    return True


class Tables:
    """The hash key of each table and index, to tell a request's partition keys."""

    def __init__(self, arns: dict[str, str], hash_keys: dict[str, str]) -> None:
        self._arns = arns  # table name -> its ARN
        self._hash_keys = hash_keys  # "table" or "table/index" -> its hash key attribute

    def requests(self, operation: str, body: dict[str, Any]) -> list[Request]:
        action = f"dynamodb:{operation}"
        if operation == "BatchGetItem":
            return [
                Request(action, self._arns[table], tuple(self._value(table, key) for key in asked.get("Keys") or []))
                for table, asked in (body.get("RequestItems") or {}).items()
            ]
        table = body.get("TableName")
        if not table:
            return [Request(action, "*", ())]
        index = body.get("IndexName")
        resource = self._arns[table] + (f"/index/{index}" if index else "")
        if operation == "Query":
            keys = self._key_condition(f"{table}/{index}" if index else table, body)
        else:
            item = body.get("Key") or body.get("Item")
            keys = (self._value(table, item),) if item else ()
        return [Request(action, resource, keys)]

    def _value(self, table: str, item: dict[str, Any] | None) -> str:
        attribute = (item or {}).get(self._hash_keys[table]) or {}
        return str(next(iter(attribute.values()), ""))

    def _key_condition(self, keyed: str, body: dict[str, Any]) -> tuple[str, ...]:
        names = body.get("ExpressionAttributeNames") or {}
        values = body.get("ExpressionAttributeValues") or {}
        for name, placeholder in _EQUALS.findall(body.get("KeyConditionExpression") or ""):
            if names.get(name, name) == self._hash_keys[keyed]:
                return (str(next(iter(values[placeholder].values()))),)
        return ()


class Enforcer:
    """WSGI middleware in front of the functions' endpoint."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app
        self._roles: dict[str, Role] = {}
        self._tables: Tables | None = None
        self.denied: list[dict[str, Any]] = []

    def govern(self, roles: dict[str, list[dict[str, Any]]], tables: Tables) -> None:
        """From now on, requests signed with one of these access keys are decided by its role."""
        self._roles = {key: Role(statements) for key, statements in roles.items()}
        self._tables = tables

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        signed = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
        principal = signed.group(1) if signed else ""
        role = self._roles.get(principal)
        if role is None or self._tables is None or not target.startswith(_TARGET):
            return self._app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(raw)  # read once to decide, handed on unread
        operation = target[len(_TARGET) :]
        refused = [r for r in self._tables.requests(operation, json.loads(raw or b"{}")) if not role.allows(r)]
        if not refused:
            return self._app(environ, start_response)
        first = refused[0]
        self.denied.append({"principal": principal, **first.__dict__})
        denial = f"local IAM: {principal} may not {first.action} on {first.resource} {first.leading_keys}"
        print(denial, file=sys.stderr)  # beside the stack's log: which statement the role lacks
        message = (
            f"User: arn:aws:sts::123456789012:assumed-role/{principal}/{principal} is not authorized to perform: "
            f"{first.action} on resource: {first.resource} because no identity-based policy allows the "
            f"{first.action} action"
        )
        payload = {"__type": "com.amazon.coral.service#AccessDeniedException", "Message": message}
        return aws_error(start_response, "400 Bad Request", payload, "1.0")
