"""Delivers asynchronous work to handlers as AWS would: DynamoDB stream records (with the
template's FilterCriteria and partial batch failures), EventBridge rule targets, and schedules."""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from moto.events.models import EventPattern

from .aws import MotoServer, route_rule_to_queue
from .clock import LocalClock
from .containers import Containers
from .template import Template

MAX_DELIVERY_ATTEMPTS = 3
ARCHIVE_LIMIT = 100_000
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")


@dataclass
class StreamSubscription:
    function: str
    stream_arn: str
    batch_size: int
    patterns: list[EventPattern]
    on_failure_url: str | None = None


@dataclass
class QueueSubscription:
    function: str
    queue_url: str
    on_failure_url: str | None = None


@dataclass
class Schedule:
    function: str
    name: str
    period: timedelta
    payload: dict[str, Any]

    def fire_times(self, after: datetime, until: datetime) -> list[datetime]:
        """Every multiple of the period since the epoch in (after, until]."""
        step = self.period.total_seconds()
        first = (int(after.timestamp() // step) + 1) * step
        times = []
        moment = first
        while moment <= until.timestamp():
            times.append(datetime.fromtimestamp(moment, after.tzinfo))
            moment += step
        return times


class Dispatcher:
    def __init__(self, template: Template, moto: MotoServer, containers: Containers, clock: LocalClock) -> None:
        self._moto = moto
        self._containers = containers
        self._clock = clock
        self._streams = moto.client("dynamodbstreams")
        self._sqs = moto.client("sqs")
        self._lock = threading.RLock()  # one pump at a time: deliveries happen in a clear order
        self.streams: list[StreamSubscription] = []
        self._positions: dict[str, str] = {}  # the last sequence number read, by shard
        self.queues: list[QueueSubscription] = []
        self.schedules: list[Schedule] = []
        self.bus_name = ""
        self.archive_url = ""
        # Every event put on the bus, until GET /_local/events reads it. Kept here, not in the archive
        # queue: moto's SendMessage costs time in proportion to a queue's length (it counts the
        # messages on every send), and a burst of claims would leave thousands there.
        self._archive: deque[dict[str, Any]] = deque(maxlen=ARCHIVE_LIMIT)
        self._archive_lock = threading.RLock()
        self.failures: list[dict[str, Any]] = []
        self._writes_seen = -1
        self._subscribe(template)

    def _subscribe(self, template: Template) -> None:
        buses = list(template.of_type("AWS::Events::EventBus"))
        self.bus_name = template.physical_names[buses[0]] if buses else "default"
        # Every event on the bus is also kept, so developers and tests can read what the service said.
        self.archive_url = route_rule_to_queue(
            self._moto, self.bus_name, "local-bus-archive", {"source": [{"prefix": ""}]}
        )
        for function in template.functions():
            invoke_config = template.resolve(
                template.resources[function.logical_id]["Properties"].get("EventInvokeConfig") or {}
            )
            for event_name, event in function.events.items():
                props = template.resolve(event.get("Properties") or {})
                kind = event["Type"]
                if kind == "DynamoDB":
                    filters = (props.get("FilterCriteria") or {}).get("Filters") or []
                    self.streams.append(
                        StreamSubscription(
                            function.name,
                            props["Stream"],
                            int(props.get("BatchSize", 100)),
                            [EventPattern.load(f["Pattern"]) for f in filters],
                            self._queue_url(props.get("DestinationConfig")),
                        )
                    )
                elif kind == "EventBridgeRule":
                    rule = f"local-{function.name}-{event_name}"
                    url = route_rule_to_queue(
                        self._moto, props.get("EventBusName", self.bus_name), rule, props["Pattern"]
                    )
                    self.queues.append(
                        QueueSubscription(function.name, url, self._queue_url(invoke_config.get("DestinationConfig")))
                    )
                elif kind in ("ScheduleV2", "Schedule"):
                    match = _RATE.match(props["ScheduleExpression"])
                    if not match:
                        raise ValueError(f"the local scheduler knows rate() only: {props['ScheduleExpression']}")
                    unit = match.group(2).rstrip("s") + "s"
                    period = timedelta(**{unit: int(match.group(1))})
                    payload = json.loads(props["Input"]) if props.get("Input") else {}
                    self.schedules.append(Schedule(function.name, event_name, period, payload))

    def _queue_url(self, destination_config: dict[str, Any] | None) -> str | None:
        """The SQS queue of an OnFailure destination, if the template gives one."""
        arn = ((destination_config or {}).get("OnFailure") or {}).get("Destination")
        return str(self._sqs.get_queue_url(QueueName=str(arn).rsplit(":", 1)[-1])["QueueUrl"]) if arn else None

    def _dead_letter(self, url: str | None, function: str, payload: dict[str, Any], error: str) -> None:
        """What Lambda sends an OnFailure destination once the retries are exhausted: the request, the reason."""
        self.failures.append({"function": function, "error": error})
        if url:
            record = {
                "requestContext": {
                    "condition": "RetriesExhausted",
                    "approximateInvokeCount": MAX_DELIVERY_ATTEMPTS,
                    "functionArn": f"arn:aws:lambda:us-east-1:123456789012:function:{function}",
                },
                "requestPayload": payload,
                "responsePayload": {"errorMessage": error},
            }
            self._sqs.send_message(QueueUrl=url, MessageBody=json.dumps(record, default=str))

    def dead_letters(self) -> dict[str, list[dict[str, Any]]]:
        """Everything the dead-letter queues received since the last read, by function."""
        letters: dict[str, list[dict[str, Any]]] = {}
        urls = {s.on_failure_url for s in self.streams} | {q.on_failure_url for q in self.queues}
        for url in sorted(u for u in urls if u):
            while messages := self._sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
                for message in messages:
                    body = json.loads(message["Body"])
                    name = body["requestContext"]["functionArn"].rsplit(":", 1)[-1]
                    letters.setdefault(name, []).append(body)
                    self._sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return letters

    # --- pumping ---------------------------------------------------------------------------------

    def pump(self) -> int:
        """Delivers what is pending right now; returns how many deliveries it made."""
        with self._lock:
            writes = self._moto.writes
            if writes == self._writes_seen:
                return 0  # nothing was written since everything was last read: nothing to deliver
            self._writes_seen = writes
            delivered = self._pump_streams() + sum(self._pump_queue(q) for q in self.queues)
            if delivered:
                self._writes_seen = -1  # a failed delivery may be retried: look again next time
            return delivered

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Nothing is delivered inside this block (measurements that separate request and async work)."""
        with self._lock:
            yield

    def drain(self, timeout_seconds: float = 120.0) -> None:
        deadline = time.monotonic() + timeout_seconds
        with self._lock:
            while self.pump() and time.monotonic() < deadline:
                pass

    def advance(self, seconds: float) -> list[dict[str, str]]:
        """Moves the clock, firing each schedule due on the way in time order, each drained."""
        with self._lock:
            self.drain()
            start = self._clock.now()
            end = start + timedelta(seconds=seconds)
            fires = sorted(
                ((moment, schedule) for schedule in self.schedules for moment in schedule.fire_times(start, end)),
                key=lambda pair: (pair[0], pair[1].function),
            )
            fired = []
            for moment, schedule in fires:
                self._clock.set(moment)
                self._containers.invoke_here(schedule.function, self._scheduled_event(schedule, moment))
                self.drain()
                fired.append({"function": schedule.function, "at": moment.isoformat()})
            self._clock.set(end)
            self.drain()
            return fired

    def _scheduled_event(self, schedule: Schedule, moment: datetime) -> dict[str, Any]:
        # EventBridge Scheduler delivers the schedule's Input as the event itself.
        return {**schedule.payload, "schedule": schedule.name, "time": moment.isoformat()}

    def _pump_streams(self) -> int:
        """Reads each stream once per pump and hands every subscription its own filtered share, in order
        (as each event source mapping would read the shard for itself)."""
        delivered = 0
        for stream_arn in dict.fromkeys(s.stream_arn for s in self.streams):
            subscriptions = [s for s in self.streams if s.stream_arn == stream_arn]
            shards = self._streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
            for shard in shards:
                shard_id = shard["ShardId"]
                # Read on from the last record seen. A cancelled transaction leaves no record behind: the
                # emulator restores the items and the stream's length (aws._back_up_items_not_tables).
                last = self._positions.get(shard_id)
                position = (
                    {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": last}
                    if last
                    else {"ShardIteratorType": "TRIM_HORIZON"}
                )
                iterator = self._streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard_id, **position)[
                    "ShardIterator"
                ]
                raw = self._streams.get_records(ShardIterator=iterator, Limit=1000).get("Records", [])
                if not raw:
                    continue
                self._positions[shard_id] = raw[-1]["dynamodb"]["SequenceNumber"]
                records = [_as_lambda_record(r, stream_arn) for r in raw]
                for subscription in subscriptions:
                    mine = [
                        r
                        for r in records
                        if not subscription.patterns or any(p.matches_event(r) for p in subscription.patterns)  # type: ignore[arg-type]
                    ]
                    for start in range(0, len(mine), subscription.batch_size):
                        self._deliver_batch(subscription, mine[start : start + subscription.batch_size])
                        delivered += 1
        return delivered

    def _deliver_batch(self, subscription: StreamSubscription, records: list[dict[str, Any]]) -> None:
        """Partial batch failures: retry from the first failed record, as Lambda's stream poller does."""
        function = subscription.function
        error = "records failed"
        for _attempt in range(MAX_DELIVERY_ATTEMPTS):
            try:
                result = self._containers.invoke_here(function, {"Records": records}) or {}
            except Exception as crash:  # noqa: BLE001 - a crashed invocation retries the whole batch
                error = repr(crash)
                continue
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures") or []}
            if not failed:
                return
            first = next(i for i, r in enumerate(records) if r["dynamodb"]["SequenceNumber"] in failed)
            records = records[first:]
        self._dead_letter(subscription.on_failure_url, function, {"Records": records}, error)

    def _pump_queue(self, subscription: QueueSubscription) -> int:
        messages = self._sqs.receive_message(
            QueueUrl=subscription.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
        ).get("Messages", [])
        for message in messages:
            event = _as_eventbridge_event(json.loads(message["Body"]))
            error = ""
            for _attempt in range(MAX_DELIVERY_ATTEMPTS):
                try:
                    self._containers.invoke_here(subscription.function, event)
                    break
                except Exception as crash:  # noqa: BLE001 - Lambda retries an asynchronous event, then gives up
                    error = f"{type(crash).__name__}: {crash}"
            else:
                self._dead_letter(subscription.on_failure_url, subscription.function, event, error)
            self._sqs.delete_message(QueueUrl=subscription.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return len(messages)

    def bus_events(self) -> list[dict[str, Any]]:
        """Everything put on the bus since the last read (at most ARCHIVE_LIMIT events, the newest)."""
        with self._archive_lock:
            self.keep_archived_events()
            seen = list(self._archive)
            self._archive.clear()
            return seen

    def keep_archived_events(self) -> int:
        """Moves what reached the archive queue into memory; the stack calls it continuously, beside the
        pump (a pump that delivers a long backlog would otherwise leave the queue growing)."""
        kept = 0
        with self._archive_lock:
            while messages := self._sqs.receive_message(QueueUrl=self.archive_url, MaxNumberOfMessages=10).get(
                "Messages"
            ):
                kept += len(messages)
                self._archive.extend(_as_eventbridge_event(json.loads(m["Body"])) for m in messages)
                self._sqs.delete_message_batch(
                    QueueUrl=self.archive_url,
                    Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
                )
        return kept


def _as_eventbridge_event(event: dict[str, Any]) -> dict[str, Any]:
    """An event as EventBridge hands it to a Lambda target (moto's queue copy lacks some fields)."""
    return {"version": "0", "account": "123456789012", "region": "us-east-1", "resources": [], **event}


def _as_lambda_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A stream record as Lambda's event source mapping hands it over."""
    record = json.loads(json.dumps(record, default=str))
    record["eventSourceARN"] = stream_arn
    record.setdefault("eventSource", "aws:dynamodb")
    record.setdefault("awsRegion", "us-east-1")
    return record
