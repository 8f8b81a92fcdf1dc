"""The embedded AWS emulator (moto server) and the resources template.yaml declares."""

from __future__ import annotations

import copy
import json
import re
import threading
import urllib.request
from collections import Counter
from typing import Any

import boto3
import moto.dynamodb.models as moto_dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models import table as moto_table
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from .faults import FaultInjector
from .template import Template

REGION = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local", "region_name": REGION}
_TABLE_KEYS = (
    "AttributeDefinitions",
    "KeySchema",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "StreamSpecification",
    "BillingMode",
)


# Requests that can give the dispatcher something to deliver (a stream record or a queued event).
_DELIVERABLE = re.compile(
    r"\.(PutItem|UpdateItem|DeleteItem|BatchWriteItem|TransactWriteItems|PutEvents|SendMessage\w*)$"
)


class _OneRequestAtATime:
    """moto's backends do not lock, so requests are applied one at a time: each conditional write is
    decided atomically, as DynamoDB decides it. Callers still run concurrently. DynamoDB's own
    concurrency failures (conflicts, throttling) are injected on demand instead (faults.py).
    It also counts the writes that may create work, so an idle dispatcher asks nothing."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._lock = threading.Lock()
        self.writes = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        with self._lock:
            if _DELIVERABLE.search(target) or "Action=SendMessage" in environ.get("QUERY_STRING", ""):
                self.writes += 1
            return list(self._app(environ, start_response))


class _Counted:
    """Counts the requests made through one endpoint, by X-Amz-Target (e.g. DynamoDB_20120810.GetItem)."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        with self._lock:
            self.calls[environ.get("HTTP_X_AMZ_TARGET", "")] += 1
        return self._app(environ, start_response)


class _QuietHandler(MotoRequestHandler):
    disable_nagle_algorithm = True  # see the gateway: a POST's answer would wait 40 ms for a delayed ACK

    def log_request(self, *args: Any, **kwargs: Any) -> None:  # one line per AWS call drowns the output
        return


class _TablesAreNotCopied:
    """Stands in for the `copy` module inside moto's DynamoDB backend: a table is not deep-copied."""

    @staticmethod
    def deepcopy(value: Any) -> Any:
        return value if isinstance(value, moto_table.Table) else copy.deepcopy(value)


def _back_up_items_not_tables() -> None:
    """moto backs up every table a transaction touches with a deep copy, seconds per call once a table
    holds thousands of items, and puts the copy back when the transaction is cancelled. Here requests
    are applied one at a time, so backing up the touched items and the stream's length gives the same
    all-or-nothing outcome at the cost of the items involved."""
    if getattr(DynamoDBBackend.transact_write_items, "_items_backed_up", False):
        return
    moto_dynamodb_models.copy = _TablesAreNotCopied  # type: ignore[assignment]
    original = DynamoDBBackend.transact_write_items

    def transact_write_items(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        saved: list[tuple[Any, Any, Any, Any]] = []
        stream_lengths: dict[int, tuple[Any, int]] = {}
        for entry in transact_items:
            ((kind, operation),) = entry.items()
            table = backend.tables.get(operation.get("TableName"))
            if table is None:
                continue
            source = operation["Item"] if kind == "Put" else operation["Key"]
            hash_value = DynamoType(source[table.hash_key_attr])
            range_value = DynamoType(source[table.range_key_attr]) if table.range_key_attr else None
            saved.append((table, hash_value, range_value, copy.deepcopy(table.get_item(hash_value, range_value))))
            if table.stream_shard is not None:
                stream_lengths[id(table)] = (table, len(table.stream_shard.items))
        try:
            original(backend, transact_items)
        except Exception:
            for table, hash_value, range_value, item in reversed(saved):
                if range_value is None:
                    table.items.pop(hash_value, None) if item is None else table.items.__setitem__(hash_value, item)
                elif item is None:
                    table.items[hash_value].pop(range_value, None)
                else:
                    table.items[hash_value][range_value] = item
            for table, length in stream_lengths.values():
                del table.stream_shard.items[length:]
            raise

    transact_write_items._items_backed_up = True  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign, assignment]


def _query_reads_one_partition() -> None:
    """moto answers a Query on the table (not an index) by listing and sorting every item of the table,
    which grows with the table: a burst of 10,000 claims slowed to a crawl. DynamoDB reads the one
    partition; so does this, handing moto's query only that partition's items, in key order."""
    if getattr(moto_table.Table.query, "_one_partition", False):
        return
    original = moto_table.Table.query

    def query(table: moto_table.Table, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        if index_name is not None or hash_key is None or not table.range_key_attr:
            return original(table, hash_key, *args, **kwargs)
        partition = sorted(table.items.get(hash_key, {}).values(), key=lambda item: item.range_key)
        table.all_items = lambda: partition  # type: ignore[method-assign]
        try:
            return original(table, hash_key, *args, **kwargs)
        finally:
            del table.all_items

    query._one_partition = True  # type: ignore[attr-defined]
    moto_table.Table.query = query  # type: ignore[method-assign, assignment]


class MotoServer:
    """One emulated AWS, two endpoints: `url` for the local stack's own plumbing and for tests, and
    `functions_url` for the functions, where faults are injected and every call is counted."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        _back_up_items_not_tables()
        _query_reads_one_partition()
        self._app = _OneRequestAtATime(DomainDispatcherApplication(create_backend_app))
        self.faults = FaultInjector(self._app)
        self._functions_app = _Counted(self.faults)
        self._server = make_server(host, port, self._app, threaded=True, request_handler=_QuietHandler)
        self._functions_server = make_server(host, 0, self._functions_app, threaded=True, request_handler=_QuietHandler)
        self.url = f"http://{host}:{self._server.server_port}"
        self.functions_url = f"http://{host}:{self._functions_server.server_port}"

    @property
    def calls(self) -> Counter[str]:
        """The functions' requests so far, by API action (faulted ones included)."""
        return self._functions_app.calls

    @property
    def writes(self) -> int:
        """How many requests so far could have given the dispatcher work."""
        return self._app.writes

    def start(self) -> None:
        for name, server in (("moto", self._server), ("moto-functions", self._functions_server)):
            threading.Thread(target=server.serve_forever, name=name, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._functions_server.shutdown()

    def reset(self) -> None:
        """Forgets every resource: moto's state belongs to the process, not to one server."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")  # noqa: S310 - loopback
        urllib.request.urlopen(request, timeout=10).close()  # noqa: S310

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.url, **CREDENTIALS)  # type: ignore[call-overload]


def create_resources(dynamodb: Any, events: Any, template: Template, sqs: Any = None) -> None:
    """The template's tables, bus and queues, named by logical id (also used by the integration tests)."""
    for logical_id, resource in template.of_type("AWS::DynamoDB::Table").items():
        props = template.resolve(resource["Properties"])
        kwargs = {k: props[k] for k in _TABLE_KEYS if k in props}
        if "StreamSpecification" in kwargs:  # CloudFormation implies what the API wants said
            kwargs["StreamSpecification"] = {**kwargs["StreamSpecification"], "StreamEnabled": True}
        description = dynamodb.create_table(TableName=logical_id, **kwargs)["TableDescription"]
        template.physical_names[logical_id] = logical_id
        template.physical_names[f"{logical_id}.Arn"] = description["TableArn"]
        if "LatestStreamArn" in description:
            template.physical_names[f"{logical_id}.StreamArn"] = description["LatestStreamArn"]
    for logical_id, resource in template.of_type("AWS::Events::EventBus").items():
        name = str(template.resolve(resource["Properties"]["Name"]))
        arn = events.create_event_bus(Name=name)["EventBusArn"]
        template.physical_names[logical_id] = name
        template.physical_names[f"{logical_id}.Arn"] = arn
        template.physical_names[f"{logical_id}.Name"] = name
    for logical_id in template.of_type("AWS::SQS::Queue") if sqs else ():
        url = sqs.create_queue(QueueName=logical_id)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        template.physical_names[logical_id] = url
        template.physical_names[f"{logical_id}.Arn"] = arn


def route_rule_to_queue(moto: MotoServer, bus: str, rule: str, pattern: dict[str, Any]) -> str:
    """An EventBridge rule whose target is a queue the dispatcher reads (moto delivers to SQS)."""
    sqs = moto.client("sqs")
    queue_url = sqs.create_queue(QueueName=rule)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events = moto.client("events")
    events.put_rule(Name=rule, EventBusName=bus, EventPattern=json.dumps(pattern), State="ENABLED")
    events.put_targets(Rule=rule, EventBusName=bus, Targets=[{"Id": "local", "Arn": queue_arn}])
    return str(queue_url)
