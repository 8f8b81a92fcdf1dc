"""Handlers in-process against moto (`mock_aws`), tables and bus built from template.yaml, and the
Ads sandbox on a loopback port."""

from __future__ import annotations

import importlib.util
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
import requests
from moto import mock_aws

from live_mission import wiring
from live_mission.store.dynamo import Table
from tests.support import free_port, mission_body
from tools.ads_sandbox.server import AdsSandbox
from tools.local_stack.aws import CREDENTIALS, MotoServer, create_resources
from tools.local_stack.dispatcher import lambda_sqs_record
from tools.local_stack.http_api import OPERATOR_ARN, http_api_event, operator_authorizer, seller_authorizer
from tools.local_stack.template import ROOT, Template


@pytest.fixture(scope="session")
def sandbox() -> Iterator[tuple[AdsSandbox, str]]:
    port = free_port()
    server = AdsSandbox(timeout_seconds=0.6)
    server.serve(port=port)
    yield server, f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture
def service(sandbox: tuple[AdsSandbox, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    ads, ads_url = sandbox
    ads.state.reset()
    with mock_aws():
        template = Template(parameter_overrides={"AdsBaseUrl": ads_url, "OperatorPrincipalArns": OPERATOR_ARN})
        create_resources(
            boto3.client("dynamodb", region_name="us-east-1"),
            boto3.client("events", region_name="us-east-1"),
            template,
            sqs=boto3.client("sqs", region_name="us-east-1"),
            kms=boto3.client("kms", region_name="us-east-1"),
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
                "queues": template.physical_names,
            },
        )
        wiring.new_container()


def from_the_ingestion_queue(service: Any, *bus_events: dict[str, Any]) -> dict[str, Any]:
    """The events sent to the ingestion queue as its rules send them, received, and handed over as Lambda's
    SQS poller hands a batch to the function."""
    sqs, url = boto3.client("sqs", region_name="us-east-1"), service.queues["IngestionQueue"]
    for event in bus_events:
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(event, default=str))  # a Decimal as its digits
    received: list[dict[str, Any]] = []
    while len(received) < len(bus_events):
        received += sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
    return {"Records": [lambda_sqs_record(m, service.queues["IngestionQueue.Arn"]) for m in received]}


def dead_letters(service: Any) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """What the ingestion dead-letter queue holds: each letter's body and message attributes, read once."""
    sqs, url = boto3.client("sqs", region_name="us-east-1"), service.queues["IngestionDeadLetterQueue"]
    letters = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]).get(
        "Messages", []
    ):
        for message in messages:
            letters.append((json.loads(message["Body"]), message.get("MessageAttributes", {})))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return letters


def load_handler(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"it_{name}_{uuid.uuid4().hex}", ROOT / "functions" / name / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def tables(emulator: tuple[MotoServer, Template]) -> Callable[[], Table]:
    """A new client on the emulator's MissionTable each call, as each Lambda container has its own."""
    server, template = emulator

    def table() -> Table:
        client = boto3.client("dynamodb", endpoint_url=server.url, **CREDENTIALS)
        return Table(template.physical_names["MissionTable"], client)

    return table


@pytest.fixture
def emulator() -> Iterator[tuple[MotoServer, Template]]:
    """The moto server the local stack uses (requests applied one at a time, as DynamoDB applies
    writes to an item), with the template's resources; for tests that race."""
    server = MotoServer()
    server.start()
    template = Template()
    create_resources(server.client("dynamodb"), server.client("events"), template)
    yield server, template
    requests.post(f"{server.url}/moto-api/reset", timeout=10)  # moto's state is one per process
    server.stop()


@dataclass
class LocalContext:
    """The Lambda context a handler reads, for handlers invoked in-process by these tests."""

    function_name: str
    aws_request_id: str
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:test"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def context() -> LocalContext:
    return LocalContext("test", str(uuid.uuid4()))


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
    """An HTTP API event as the deployed authorizer passes it on: a seller's claims or an IAM caller."""
    authorizer = seller_authorizer({"sub": seller}) if seller else operator_authorizer("operator") if operator else {}
    return http_api_event(method, route, path, path_parameters=path_parameters, body=body, authorizer=authorizer)


def put_mission(mission_id: str = "M1", body: dict[str, Any] | None = None, *, operator: bool = True) -> dict[str, Any]:
    """`PUT /admin/missions/{mission_id}` through the mission_admin handler, by an operator (or a seller)."""
    event = http_event(
        "PUT",
        f"/admin/missions/{mission_id}",
        "/admin/missions/{mission_id}",
        operator=operator,
        seller=None if operator else "S1",
        body=json.dumps(body or mission_body()),
        path_parameters={"mission_id": mission_id},
    )
    return load_handler("mission_admin").lambda_handler(event, context())  # type: ignore[no-any-return]
