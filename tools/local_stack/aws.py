"""The embedded AWS emulator (moto server, in a process of its own) and the resources template.yaml declares."""

from __future__ import annotations

import contextlib
import copy
import json
import os
import re
import subprocess
import sys
import threading
import urllib.request
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import boto3
import moto.dynamodb.models as moto_dynamodb_models
import requests
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models import table as moto_table
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from .faults import FaultInjector
from .iam import Enforcer, Tables
from .template import ROOT, Template

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local", "region_name": REGION}
_TABLE_KEYS = (
    "AttributeDefinitions",
    "KeySchema",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "StreamSpecification",
    "BillingMode",
)


# moto's backends belong to the process: each patch below is applied once per process, however many
# emulators it starts (make bench starts two; the tests start one per case).
_PATCHED: set[str] = set()


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
        self.lock = threading.Lock()
        self.writes = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        with self.lock:
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
    if "items_backed_up" in _PATCHED:
        return
    _PATCHED.add("items_backed_up")
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

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign, assignment]


def _query_reads_one_partition() -> None:
    """moto answers a Query on the table (not an index) by listing and sorting every item of the table,
    which grows with the table: a burst of 10,000 claims slowed to a crawl. DynamoDB reads the one
    partition; so does this, handing moto's query only that partition's items, in key order."""
    if "query_reads_one_partition" in _PATCHED:
        return
    _PATCHED.add("query_reads_one_partition")
    original = moto_table.Table.query

    def query(table: moto_table.Table, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        if index_name is not None or hash_key is None or not table.range_key_attr:
            return original(table, hash_key, *args, **kwargs)
        partition = sorted(table.items.get(hash_key, {}).values(), key=lambda item: item.range_key)
        return _answered_from(partition, original, table, hash_key, *args, **kwargs)

    moto_table.Table.query = query  # type: ignore[method-assign, assignment]


def _answered_from(items: list[Any], query: Any, table: moto_table.Table, *args: Any, **kwargs: Any) -> Any:
    """moto's own Query, over the given items instead of the whole table (its filters and paging unchanged)."""
    table.all_items = lambda: items  # type: ignore[method-assign]
    try:
        return query(table, *args, **kwargs)
    finally:
        del table.all_items


_WRITES = [0]  # every write moto's DynamoDB backend applies, in this process, by whatever path


def _writes_are_counted() -> None:
    if "writes_counted" in _PATCHED:
        return
    _PATCHED.add("writes_counted")
    for name in ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item"):
        original = getattr(DynamoDBBackend, name)

        def counted(backend: DynamoDBBackend, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            try:
                return _original(backend, *args, **kwargs)
            finally:
                _WRITES[0] += 1

        setattr(DynamoDBBackend, name, counted)


_WRITE_UNITS: Counter[str] = Counter()  # write request units the writes consumed, by action
Footprint = tuple[int, dict[str, tuple[Any, Any, int]]]  # an item's size; per index: its key, projection, size


def _write_units_are_measured() -> None:
    """What each write costs in DynamoDB's write request units, by its rules: the larger of the item
    before and after, in 1 KB units (at least one, also when a condition fails), and for each global
    secondary index the item enters, leaves or changes in: one write of the projected item (1 KB units),
    two when its index key changes (a delete and a put). Read by `make bench` to price the writes."""
    if "write_units" in _PATCHED:
        return
    _PATCHED.add("write_units")

    def kilobytes(size: int) -> int:
        return max(1, -(-size // 1024))

    def footprint(table: moto_table.Table, item: Any) -> Footprint:
        """The item's size, and for each index it is in: its key there, its projection, and that one's size."""
        if item is None:
            return 0, {}
        attrs = item.attrs
        indexes = {}
        for index in table.global_indexes:
            names = [key["AttributeName"] for key in index.schema]
            if not all(name in attrs for name in names):
                continue
            projection = index.projection or {}
            kept: set[str] = {*names, *(k for k in (table.hash_key_attr, table.range_key_attr) if k)}
            if projection.get("ProjectionType") == "ALL":
                kept = set(attrs)
            else:
                kept |= set(projection.get("NonKeyAttributes") or [])
            projected = {name: attrs[name] for name in kept if name in attrs}
            size = sum(len(name.encode()) + value.size() for name, value in projected.items())
            key = tuple(str(attrs[name].value) for name in names)
            indexes[index.name] = (key, repr(sorted((k, v.to_json()) for k, v in projected.items())), size)
        return item.size(), indexes

    def units(before: Footprint, after: Footprint) -> int:
        (size_before, before_in), (size_after, after_in) = before, after
        total = kilobytes(max(size_before, size_after))
        for name in set(before_in) | set(after_in):
            old, new = before_in.get(name), after_in.get(name)
            if old and new and old[0] != new[0]:
                total += kilobytes(old[2]) + kilobytes(new[2])
            elif old and new and old[1] != new[1]:
                total += kilobytes(new[2])
            elif (old or new) and not (old and new):
                total += kilobytes((old or new)[2])  # type: ignore[index]
        return total

    def key_of(table: moto_table.Table, attrs: dict[str, Any]) -> dict[str, Any]:
        return {name: attrs[name] for name in (table.hash_key_attr, table.range_key_attr) if name and name in attrs}

    def measured(action: str, original: Any, key_argument: str) -> Any:
        def write(backend: DynamoDBBackend, table_name: str, *args: Any, **kwargs: Any) -> Any:
            try:
                table = backend.get_table(table_name)
                key = key_of(table, args[0] if args else kwargs[key_argument])
                before = footprint(table, backend.get_item(table_name, key))  # taken now: moto updates in place
            except Exception:  # noqa: BLE001 - a request moto refuses anyway: its own error, unmeasured
                return original(backend, table_name, *args, **kwargs)
            try:
                return original(backend, table_name, *args, **kwargs)
            finally:
                _WRITE_UNITS[action] += units(before, footprint(table, backend.get_item(table_name, key)))

        return write

    for name, action, key_argument in (
        ("put_item", "PutItem", "item_attrs"),
        ("update_item", "UpdateItem", "key"),
        ("delete_item", "DeleteItem", "key"),
    ):
        setattr(DynamoDBBackend, name, measured(action, getattr(DynamoDBBackend, name), key_argument))


_READ_UNITS: Counter[str] = Counter()  # read request units the reads consumed, by action


def _read_units_are_measured() -> None:
    """What each read costs in DynamoDB's read request units, by its rules: an item (of GetItem, or each
    of BatchGetItem's keys, found or not) in 4 KB units, a Query's items together in 4 KB units, at least
    one unit a read; half as much when eventually consistent (the default, and always on an index). Read
    by `make bench` to price the reads."""
    if "read_units" in _PATCHED:
        return
    _PATCHED.add("read_units")
    from moto.dynamodb.responses import DynamoHandler

    def size(item: dict[str, Any]) -> int:
        return sum(
            len(name.encode()) + (value if isinstance(value, DynamoType) else DynamoType(value)).size()
            for name, value in item.items()
        )

    def units(size: int, consistent: bool) -> float:
        return max(1, -(-size // 4096)) * (1.0 if consistent else 0.5)

    def get_item(body: dict[str, Any], result: dict[str, Any]) -> float:
        return units(size(result.get("Item") or {}), bool(body.get("ConsistentRead")))

    def batch_get_item(body: dict[str, Any], result: dict[str, Any]) -> float:
        total = 0.0
        for table, request in body["RequestItems"].items():
            consistent, found = bool(request.get("ConsistentRead")), result.get("Responses", {}).get(table, [])
            unprocessed = len(result.get("UnprocessedKeys", {}).get(table, {}).get("Keys", []))
            missing = len(request["Keys"]) - len(found) - unprocessed
            total += sum(units(size(item), consistent) for item in found) + missing * units(0, consistent)
        return total

    def query(body: dict[str, Any], result: dict[str, Any]) -> float:
        consistent = bool(body.get("ConsistentRead")) and not body.get("IndexName")
        return units(sum(size(item) for item in result.get("Items", [])), consistent)

    def measured(method: str, action: str, spent: Any) -> Any:
        original = getattr(DynamoHandler, method)

        def read(handler: Any) -> Any:
            answer = original(handler)
            _READ_UNITS[action] += spent(handler.body, answer.result)
            return answer

        return read

    for method, action, spent in (
        ("get_item", "GetItem", get_item),
        ("batch_get_item", "BatchGetItem", batch_get_item),
        ("query", "Query", query),
    ):
        setattr(DynamoHandler, method, measured(method, action, spent))


def _index_queries_read_their_partition() -> None:
    """moto answers a Query on an index by sorting and scanning every item of the table; the retry
    scheduler queries its index every simulated minute, so a long clock move slowed with the table's
    size. Here each index's items are grouped by their partition value, regrouped only when moto has
    applied a write since."""
    if "index_partitions" in _PATCHED:
        return
    _PATCHED.add("index_partitions")
    _writes_are_counted()
    original = moto_table.Table.query

    def writes() -> int:
        return _WRITES[0]

    grouped: dict[tuple[int, str, str], tuple[int, dict[tuple[str, str], list[Any]]]] = {}

    def partition(table: moto_table.Table, attribute: str, value: DynamoType) -> list[Any]:
        # A table recreated after a reset may reuse an old one's id: its creation time tells them apart.
        key, version = (id(table), str(table.created_at), attribute), writes()
        cached = grouped.get(key)
        if cached is None or cached[0] != version:
            by_value: dict[tuple[str, str], list[Any]] = {}
            for item in table.all_items():  # moto's own order, kept in each group
                found = item.attrs.get(attribute)
                if found is not None:
                    by_value.setdefault((found.type, str(found.value)), []).append(item)
            cached = grouped[key] = (version, by_value)
        return cached[1].get((value.type, str(value.value)), [])

    def query(table: moto_table.Table, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        conditions = args[9] if len(args) > 9 else kwargs.get("hash_key_conditions")
        if index_name is None or not conditions or len(conditions) != 1:
            return original(table, hash_key, *args, **kwargs)
        ((attribute, value),) = conditions
        return _answered_from(partition(table, attribute, value), original, table, hash_key, *args, **kwargs)

    moto_table.Table.query = query  # type: ignore[method-assign, assignment]


def _update_expressions_counted_once() -> None:
    """moto checks that an update expression has at most one SET, ADD and REMOVE clause at every nested
    node, walking the subtree again each time: quadratic in the actions (45 ms for a registration's
    update). Counting once at the root gives the same verdict."""
    if "update_expressions_counted_once" in _PATCHED:
        return
    _PATCHED.add("update_expressions_counted_once")
    import moto.dynamodb.parsing.ast_nodes as ast_nodes
    from moto.dynamodb.parsing.validators import ActionCountValidator

    root_type = ast_nodes.UpdateExpression  # type: ignore[attr-defined]

    def traverse(validator: ActionCountValidator, node: Any) -> Any:
        return validator.verify_action_counts(node) if isinstance(node, root_type) else node

    ActionCountValidator.traverse = traverse


def _event_paths_compiled_once() -> None:
    """moto builds a JSONPath parser (its yacc tables included) for each of eight paths, for every event
    it forwards to a rule's target; the paths never change, their compiled form is reused."""
    if "event_paths_compiled_once" in _PATCHED:
        return
    _PATCHED.add("event_paths_compiled_once")
    import functools

    import jsonpath_ng.ext

    jsonpath_ng.ext.parse = functools.lru_cache(maxsize=256)(jsonpath_ng.ext.parse)


_EVENTS: list[tuple[int, dict[str, Any]]] = []  # every event put on a bus, numbered, until read
_EVENT_NUMBERS = [0]


def _events_are_logged() -> None:
    """Every event EventBridge accepts is kept as it would be handed to a target, for the stack's
    dispatcher to read once and route by the template's rules (moto's own rule targets would carry it
    through SQS queues, which cost more than everything else the emulator does)."""
    if "events_logged" in _PATCHED:
        return
    _PATCHED.add("events_logged")
    from moto.core.utils import iso_8601_datetime_without_milliseconds, utcnow
    from moto.events.models import EventsBackend

    original = EventsBackend.put_events

    def put_events(backend: EventsBackend, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        entries = original(backend, events)
        for event, entry in zip(events, entries, strict=True):
            if "EventId" not in entry:
                continue
            when = event.get("Time")
            moment = datetime.fromtimestamp(float(when), UTC).replace(tzinfo=None) if when is not None else utcnow()
            _EVENT_NUMBERS[0] += 1
            bus = str(backend._normalize_event_bus_arn(event.get("EventBusName"))).rsplit("/", 1)[-1]
            delivered = {
                "version": "0",
                "id": entry["EventId"],
                "detail-type": event["DetailType"],
                "source": event["Source"],
                "account": backend.account_id,
                "time": iso_8601_datetime_without_milliseconds(moment),
                "region": backend.region_name,
                "resources": event.get("Resources", []),
                "detail": json.loads(event["Detail"]),
                "event-bus-name": bus,
            }
            _EVENTS.append((_EVENT_NUMBERS[0], delivered))
        return entries

    EventsBackend.put_events = put_events  # type: ignore[method-assign, assignment]


def _modules_listed_once() -> None:
    """moto's dispatcher lists its own package directory (a stat per service, about 170) on every request
    to tell a backend by the request's host; the list cannot change while the process runs."""
    import moto.backends as moto_backends

    if "modules_listed_once" in _PATCHED:
        return
    _PATCHED.add("modules_listed_once")
    modules = tuple(moto_backends.list_of_moto_modules())

    def list_of_moto_modules() -> tuple[str, ...]:
        return modules

    moto_backends.list_of_moto_modules = list_of_moto_modules


def _retention_read_not_every_attribute() -> None:
    """moto checks each message it hands out against the queue's retention by computing every attribute of
    the queue, three counts over all its messages among them: a receipt cost the square of the queue's
    length (seconds for a few thousand messages, every other request waiting behind it). The retention is
    read from the queue itself; the check is the same."""
    if "retention_read" in _PATCHED:
        return
    _PATCHED.add("retention_read")
    from moto.core.utils import unix_time
    from moto.sqs.models import Message, SQSBackend

    def is_message_valid_based_on_retention_period(backend: SQSBackend, queue_name: str, message: Message) -> bool:
        retention = int(backend.get_queue(queue_name).message_retention_period)  # type: ignore[attr-defined]
        return bool(retention + message.sent_timestamp / 1000 > unix_time())  # type: ignore[operator]

    SQSBackend.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period  # type: ignore[method-assign, assignment]


class Emulator:
    """Runs inside the emulator's own process (emulator.py): moto behind two endpoints, `url` for the
    local stack's plumbing and for tests, `functions_url` for the functions, where faults are injected
    and every call is counted; `/_emulator/...` on the first answers the stack's questions."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        _back_up_items_not_tables()
        _query_reads_one_partition()
        _modules_listed_once()
        _index_queries_read_their_partition()
        _write_units_are_measured()
        _read_units_are_measured()
        _update_expressions_counted_once()
        _event_paths_compiled_once()
        _events_are_logged()
        _retention_read_not_every_attribute()
        self._app = _OneRequestAtATime(DomainDispatcherApplication(create_backend_app))
        self.faults = FaultInjector(self._app)
        self.iam = Enforcer(self.faults)
        self._functions_app = _Counted(self.iam)
        self._server = make_server(host, 0, self._controls, threaded=True, request_handler=_QuietHandler)
        self._functions_server = make_server(host, 0, self._functions_app, threaded=True, request_handler=_QuietHandler)
        self.url = f"http://{host}:{self._server.server_port}"
        self.functions_url = f"http://{host}:{self._functions_server.server_port}"

    def _controls(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/_emulator/"):
            return self._app(environ, start_response)
        if path == "/_emulator/stream":
            return self._stream_records(environ, start_response)
        if path == "/_emulator/events":
            return self._events_put(environ, start_response)
        if path == "/_emulator/roles":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            given = json.loads(environ["wsgi.input"].read(length))
            self.iam.govern(given["roles"], Tables(given["tables"], given["hash_keys"]))
        if path == "/_emulator/faults" and environ["REQUEST_METHOD"] == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            fault = json.loads(environ["wsgi.input"].read(length) or b"{}")
            self.faults.set(fault["service"], fault["operation"], fault["mode"], int(fault["count"]))
        answer = {
            "writes": self._app.writes,
            "calls": dict(self._functions_app.calls),
            "write_units": dict(_WRITE_UNITS),
            "read_units": dict(_READ_UNITS),
            "faults": self.faults.pending(),
            "injected": dict(self.faults.injected),
            "denied": self.iam.denied[-100:],
        }
        body = json.dumps(answer).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    def _stream_records(self, environ: dict[str, Any], start_response: Any) -> Any:
        """A table's stream records after a sequence number, as moto keeps them: what the stack's stream
        poller reads (moto's GetRecords answer is the same records, through a much slower serializer)."""
        from urllib.parse import parse_qs

        from moto.dynamodb.models import dynamodb_backends

        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        with self._app.lock:  # as any request: applied between writes, never during one
            table = dynamodb_backends[ACCOUNT][REGION].get_table(query["table"])
            shard = table.stream_shard
            records: list[Any] = []
            shard_id = ""
            if shard is not None:
                shard_id = shard.id
                first = max(
                    0,
                    int(query.get("after") or shard.starting_sequence_number - 1) + 1 - shard.starting_sequence_number,
                )
                records = [r.to_json() for r in shard.items[first : first + int(query.get("limit", 1000))]]
            body = json.dumps({"shard_id": shard_id, "records": records}, default=str).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    def _events_put(self, environ: dict[str, Any], start_response: Any) -> Any:
        """The events put since the last read, in order; read once (by the stack's dispatcher)."""
        with self._app.lock:
            taken = [event for _, event in _EVENTS]
            _EVENTS.clear()
        body = json.dumps({"events": taken}, default=str).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    def serve(self) -> None:
        for name, server in (("moto", self._server), ("moto-functions", self._functions_server)):
            threading.Thread(target=server.serve_forever, name=name, daemon=True).start()


class _FaultsOf:
    """The stack's handle on the emulator's fault injector, and on what the functions' roles refused."""

    def __init__(self, emulator: MotoServer) -> None:
        self._emulator = emulator

    def set(self, service: str, operation: str, mode: str, count: int) -> None:
        self._emulator.ask("POST", {"service": service, "operation": operation, "mode": mode, "count": count})

    def pending(self) -> list[dict[str, Any]]:
        return list(self._emulator.ask()["faults"])

    @property
    def injected(self) -> dict[str, int]:
        return dict(self._emulator.ask()["injected"])

    @property
    def denied(self) -> list[dict[str, Any]]:
        """The latest table requests a function's own role refused (iam.py): a role too narrow for its code."""
        return list(self._emulator.ask()["denied"])


class MotoServer:
    """The AWS emulator, a process of its own (so that moto works on its own core, as AWS would beside
    the functions): started here, ended with this object's process or by stop()."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tools.local_stack.emulator"],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'layers' / 'domain'}"},
            stdin=subprocess.PIPE,  # its lifeline: the emulator ends when this pipe closes
            stdout=subprocess.PIPE,
            text=True,
            process_group=0,  # a Ctrl-C at the terminal is the stack's to handle: it stops the emulator last
        )
        assert self._process.stdout is not None
        ready = self._process.stdout.readline()
        if not ready:
            raise RuntimeError("the AWS emulator did not start")
        urls = json.loads(ready)
        self.url: str = urls["url"]
        self.functions_url: str = urls["functions_url"]
        self.faults = _FaultsOf(self)
        self._http = threading.local()

    def _session(self) -> requests.Session:
        """A keep-alive connection to the emulator, one per thread (requests' sessions are not thread-safe)."""
        if not hasattr(self._http, "session"):
            self._http.session = requests.Session()
        session: requests.Session = self._http.session
        return session

    def stream_records(self, table: str, after: str | None, limit: int = 1000) -> tuple[str, list[dict[str, Any]]]:
        """The stream records of a table after a sequence number (None: from the start), and its shard."""
        params = {"table": table, "limit": str(limit), **({"after": after} if after else {})}
        response = self._session().get(f"{self.url}/_emulator/stream", params=params, timeout=60)
        response.raise_for_status()
        answer = response.json()
        return str(answer["shard_id"]), list(answer["records"])

    def events_put(self) -> list[dict[str, Any]]:
        """Every event put on a bus since the last call, as EventBridge hands it to a target."""
        response = self._session().get(f"{self.url}/_emulator/events", timeout=60)
        response.raise_for_status()
        return list(response.json()["events"])

    def ask(self, method: str = "GET", body: dict[str, Any] | None = None, control: str = "faults") -> dict[str, Any]:
        """The emulator's state (faults, calls, units, refusals), after giving it `body` for `control` if any."""
        response = self._session().request(method, f"{self.url}/_emulator/{control}", json=body, timeout=30)
        response.raise_for_status()
        answer: dict[str, Any] = response.json()
        return answer

    def govern(self, template: Template, keys: dict[str, str]) -> None:
        """From now on each function's DynamoDB requests, signed with its own access key (`keys`: function logical
        id to key), are decided by its role in the template (iam.py)."""
        roles = {key: template.resolve(template.role_statements(function)) for function, key in keys.items()}
        arns, hash_keys = {}, {}
        for logical_id, resource in template.of_type("AWS::DynamoDB::Table").items():
            properties = resource["Properties"]
            arns[logical_id] = template.physical_names[f"{logical_id}.Arn"]
            hash_keys[logical_id] = _hash_key(properties["KeySchema"])
            for index in properties.get("GlobalSecondaryIndexes", []) + properties.get("LocalSecondaryIndexes", []):
                hash_keys[f"{logical_id}/{index['IndexName']}"] = _hash_key(index["KeySchema"])
        self.ask("POST", {"roles": roles, "tables": arns, "hash_keys": hash_keys}, control="roles")

    @property
    def calls(self) -> Counter[str]:
        """The functions' requests so far, by API action (faulted ones included)."""
        return Counter(self.ask()["calls"])

    @property
    def write_units(self) -> Counter[str]:
        """Write request units consumed so far, by action (`_write_units_are_measured`)."""
        return Counter(self.ask()["write_units"])

    @property
    def read_units(self) -> Counter[str]:
        """Read request units consumed so far, by action (`_read_units_are_measured`)."""
        return Counter(self.ask()["read_units"])

    @property
    def writes(self) -> int:
        """How many requests so far could have given the dispatcher work."""
        return int(self.ask()["writes"])

    def start(self) -> None:
        """Serving since it was made; kept for the callers that start what they make."""

    def stop(self) -> None:
        """Ends the emulator: its lifeline closed, then a SIGTERM; killed if it is still there after 2 s."""
        if self._process.poll() is None:
            with contextlib.suppress(OSError):
                assert self._process.stdin is not None
                self._process.stdin.close()
            self._process.terminate()
            try:
                self._process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=2)

    def reset(self) -> None:
        """Forgets every resource."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")  # noqa: S310 - loopback
        urllib.request.urlopen(request, timeout=10).close()  # noqa: S310

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.url, **CREDENTIALS)  # type: ignore[call-overload]


_QUEUE_ATTRIBUTES = ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "ReceiveMessageWaitTimeSeconds")


def _hash_key(schema: list[dict[str, str]]) -> str:
    return next(k["AttributeName"] for k in schema if k["KeyType"] == "HASH")


def create_resources(dynamodb: Any, events: Any, template: Template, sqs: Any = None, kms: Any = None) -> None:
    """The template's tables, bus, queues and keys, named by logical id (also used by the integration tests)."""
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
    queues = template.of_type("AWS::SQS::Queue") if sqs else {}
    for logical_id in queues:
        url = sqs.create_queue(QueueName=logical_id)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        template.physical_names[logical_id] = url
        template.physical_names[f"{logical_id}.Arn"] = arn
        template.physical_names[f"{logical_id}.QueueName"] = logical_id
    for logical_id, resource in queues.items():  # once every queue exists: a redrive names its target's ARN
        props = template.resolve(resource.get("Properties") or {})
        attributes = {k: str(props[k]) for k in _QUEUE_ATTRIBUTES if k in props}
        if "RedrivePolicy" in props:
            attributes["RedrivePolicy"] = json.dumps(props["RedrivePolicy"])
        if attributes:
            sqs.set_queue_attributes(QueueUrl=template.physical_names[logical_id], Attributes=attributes)
    for logical_id, resource in template.of_type("AWS::KMS::Key").items() if kms else ():
        key = kms.create_key(Description=str(resource["Properties"].get("Description", logical_id)))["KeyMetadata"]
        template.physical_names[logical_id] = key["KeyId"]
        template.physical_names[f"{logical_id}.Arn"] = key["Arn"]
