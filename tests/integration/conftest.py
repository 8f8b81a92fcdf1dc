"""Handlers in-process against moto (`mock_aws`), tables and bus built from template.yaml, and the
Ads sandbox on a loopback port."""

from __future__ import annotations

import importlib.util
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from live_mission import wiring
from tools.ads_sandbox.server import AdsSandbox
from tools.local_stack.aws import create_resources
from tools.local_stack.template import ROOT, Template


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def sandbox() -> Iterator[tuple[AdsSandbox, str]]:
    port = _free_port()
    server = AdsSandbox(timeout_seconds=0.6)
    server.serve(port=port)
    yield server, f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture
def service(sandbox: tuple[AdsSandbox, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    ads, ads_url = sandbox
    ads.state.reset()
    with mock_aws():
        template = Template(parameter_overrides={"AdsBaseUrl": ads_url})
        create_resources(
            boto3.client("dynamodb", region_name="us-east-1"), boto3.client("events", region_name="us-east-1"), template
        )
        for function in template.functions():
            for name, value in function.environment.items():
                monkeypatch.setenv(name, value)
        clock_file = tmp_path / "clock"
        clock_file.write_text("2026-02-09T02:00:00+07:00")
        monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        monkeypatch.setenv("ADS_ACCESS_TOKEN_PARAMETER", "")
        monkeypatch.setenv("ADS_ACCESS_TOKEN", "integration-token")
        monkeypatch.setenv("ADS_READ_TIMEOUT_SECONDS", "0.3")
        monkeypatch.setenv("SERVICE_CLOCK_FILE", str(clock_file))
        monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
        wiring.new_container()
        yield type(
            "Service",
            (),
            {
                "ads": ads,
                "ads_url": ads_url,
                "clock_file": clock_file,
                "table": template.physical_names["MissionTable"],
            },
        )
        wiring.new_container()


def load_handler(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"it_{name}_{uuid.uuid4().hex}", ROOT / "functions" / name / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Context:
    function_name = "test"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:test"
    aws_request_id = "test-request"


def http_event(
    method: str,
    path: str,
    route: str,
    *,
    seller: str | None = None,
    operator: bool = False,
    body: str | None = None,
    path_parameters: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) event, as the deployed authorizer would pass it on."""
    authorizer: dict[str, Any] = {}
    if seller:
        authorizer = {"jwt": {"claims": {"sub": seller}, "scopes": None}}
    if operator:
        authorizer = {"iam": {"userArn": "arn:aws:iam::123456789012:user/operator"}}
    return {
        "version": "2.0",
        "routeKey": f"{method} {route}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json"},
        "pathParameters": path_parameters,
        "requestContext": {
            "http": {"method": method, "path": path},
            "authorizer": authorizer,
            "requestId": str(uuid.uuid4()),
            "routeKey": f"{method} {route}",
            "stage": "$default",
        },
        "body": body,
        "isBase64Encoded": False,
    }
