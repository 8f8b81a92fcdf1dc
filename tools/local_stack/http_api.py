"""API Gateway HTTP API (payload 2.0) events, as the deployed API hands them to a function, with the
authorizer context its JWT authorizer or IAM fills in. Used by the local gateway and the tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

OPERATOR_ARN = "arn:aws:iam::123456789012:user/local-operator"


def seller_authorizer(claims: dict[str, Any]) -> dict[str, Any]:
    return {"jwt": {"claims": claims, "scopes": None}}


def operator_authorizer(caller: str, principal: str = OPERATOR_ARN) -> dict[str, Any]:
    """What API Gateway's IAM authorizer tells the function about a signed request's principal."""
    return {"iam": {"userArn": principal, "accountId": "123456789012", "callerId": caller}}


def http_api_event(
    method: str,
    route_path: str,
    path: str,
    *,
    path_parameters: dict[str, str] | None = None,
    query: str = "",
    headers: dict[str, str] | None = None,
    body: str | None = None,
    authorizer: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    headers = {k.lower(): v for k, v in (headers or {"content-type": "application/json"}).items()}
    route_key = f"{method} {route_path}"
    query_parameters = {k: ",".join(v) for k, v in parse_qs(query).items()}
    return {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "queryStringParameters": query_parameters or None,
        "pathParameters": path_parameters or None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "authorizer": authorizer or {},
            "domainName": "localhost",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route_key,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "body": body,
        "isBase64Encoded": False,
    }
