"""Delivers asynchronous work to the functions as AWS would:

- DynamoDB stream records, per event source mapping: the template's FilterCriteria, BatchSize,
  partial batch failures (the batch is retried from the first failed record), MaximumRetryAttempts
  (-1: until it succeeds) and the OnFailure destination; one batch per shard at a time, in order;
- EventBridge rule targets and `lambda:Invoke` with `InvocationType=Event`: Lambda's asynchronous
  invocation, run concurrently up to the function's concurrency, retried MaximumRetryAttempts times
  (EventInvokeConfig; 2 by default), then sent to the OnFailure destination with the error;
- rules (`AWS::Events::Rule`) whose target is an SQS queue, and SQS event source mappings: batches of
  BatchSize messages, at most MaximumConcurrency at a time, partial batch answers (ReportBatchItemFailures);
  what is not answered as done comes back when its visibility timeout ends, in wall-clock time as SQS keeps
  it, and the queue's redrive policy moves it on after maxReceiveCount receipts (moto keeps both);
- schedules (rate expressions), fired by the clock.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from moto.events.models import EventPattern

from .aws import MotoServer
from .clock import LocalClock
from .lambda_service import ACCOUNT, REGION, LambdaService
from .template import Template

DEFAULT_ASYNC_RETRIES = 2
ARCHIVE_LIMIT = 100_000
ASYNC_WORKERS = 48
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")


@dataclass
class StreamSubscription:
    function: str
    stream_arn: str
    batch_size: int
    patterns: list[EventPattern]
    max_retries: int  # -1: until the batch succeeds (or, deployed, the record expires)
    tumbling_window_seconds: int = 0
    on_failure_url: str | None = None
    failing: dict[str, tuple[list[dict[str, Any]], int]] = field(default_factory=dict)  # batch, attempts


@dataclass
class RuleSubscription:
    """An EventBridge rule of the template whose target is a function."""

    function: str
    bus: str
    pattern: EventPattern


@dataclass
class QueueRule:
    """An EventBridge rule of the template (AWS::Events::Rule) whose target is an SQS queue."""

    bus: str
    pattern: EventPattern
    queue_url: str


@dataclass
class QueueSubscription:
    """An SQS event source mapping of the template."""

    function: str
    queue_arn: str
    queue_url: str
    batch_size: int
    partial: bool  # FunctionResponseTypes: [ReportBatchItemFailures]
    max_concurrency: int  # ScalingConfig.MaximumConcurrency
    dead_letter_url: str | None  # the queue's redrive target
    running: int = 0  # batches being delivered
    busy: bool = False  # messages may be in the queue: sent, being delivered, or waiting to be visible again
    look_again_at: float = 0.0  # monotonic: when only invisible messages are left, ask twice a second


@dataclass
class Schedule:
    function: str
    name: str
    period: timedelta
    input: str  # the schedule's Input, with EventBridge Scheduler's context attributes still in it

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
    def __init__(self, template: Template, moto: MotoServer, lambdas: LambdaService, clock: LocalClock) -> None:
        self._moto = moto
        self._lambdas = lambdas
        self._clock = clock
        self._sqs = moto.client("sqs")
        self._lock = threading.RLock()  # one pump at a time: deliveries happen in a clear order
        self.streams: list[StreamSubscription] = []
        self._positions: dict[str, str] = {}  # the last sequence number read, by stream
        self.rules: list[RuleSubscription] = []
        self.queue_rules: list[QueueRule] = []
        self.queues: list[QueueSubscription] = []
        self.schedules: list[Schedule] = []
        self._async_config: dict[str, tuple[int, str | None]] = {}  # function: retries, OnFailure queue
        self.bus_name = ""
        # Every event put on the bus, until GET /_local/events reads it.
        self._archive: deque[dict[str, Any]] = deque(maxlen=ARCHIVE_LIMIT)
        self._archive_lock = threading.RLock()
        self.failures: list[dict[str, Any]] = []
        self._writes_seen = -1
        self._async = ThreadPoolExecutor(max_workers=ASYNC_WORKERS, thread_name_prefix="async-invoke")
        self._in_flight = 0
        self._in_flight_lock = threading.Condition()
        # SQS requests AWS would bill for the service: a rule's delivery to a queue, a poller's receipt of a
        # batch and its deletion (an empty poll is a fixed cost of each queue, not counted).
        self.sqs_requests = 0
        self._subscribe(template)

    def _subscribe(self, template: Template) -> None:
        buses = list(template.of_type("AWS::Events::EventBus"))
        self.bus_name = template.physical_names[buses[0]] if buses else "default"
        for function in template.functions():
            invoke_config = template.resolve(
                template.resources[function.logical_id]["Properties"].get("EventInvokeConfig") or {}
            )
            self._async_config[function.name] = (
                int(invoke_config.get("MaximumRetryAttempts", DEFAULT_ASYNC_RETRIES)),
                self._queue_url(invoke_config.get("DestinationConfig")),
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
                            int(props.get("MaximumRetryAttempts", -1)),
                            int(props.get("TumblingWindowInSeconds", 0)),
                            self._queue_url(props.get("DestinationConfig")),
                        )
                    )
                elif kind == "EventBridgeRule":
                    pattern = EventPattern.load(json.dumps(props["Pattern"]))
                    self.rules.append(
                        RuleSubscription(function.name, props.get("EventBusName", self.bus_name), pattern)
                    )
                elif kind == "SQS":
                    url = self._url_of(props["Queue"])
                    redrive = self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])
                    target = json.loads(redrive.get("Attributes", {}).get("RedrivePolicy", "{}"))
                    self.queues.append(
                        QueueSubscription(
                            function.name,
                            props["Queue"],
                            url,
                            int(props.get("BatchSize", 10)),
                            "ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
                            int((props.get("ScalingConfig") or {}).get("MaximumConcurrency", 1000)),
                            self._url_of(target["deadLetterTargetArn"]) if target else None,
                        )
                    )
                elif kind in ("ScheduleV2", "Schedule"):
                    match = _RATE.match(props["ScheduleExpression"])
                    if not match:
                        raise ValueError(f"the local scheduler knows rate() only: {props['ScheduleExpression']}")
                    unit = match.group(2).rstrip("s") + "s"
                    period = timedelta(**{unit: int(match.group(1))})
                    self.schedules.append(Schedule(function.name, event_name, period, props.get("Input") or "{}"))

        for rule in template.of_type("AWS::Events::Rule").values():
            props = template.resolve(rule["Properties"])
            pattern = EventPattern.load(json.dumps(props["EventPattern"]))
            for target in props.get("Targets") or []:
                if ":sqs:" not in str(target["Arn"]):
                    raise ValueError(f"the local stack delivers a rule's targets to SQS queues only: {target['Arn']}")
                self.queue_rules.append(
                    QueueRule(props.get("EventBusName", self.bus_name), pattern, self._url_of(target["Arn"]))
                )

    def _url_of(self, queue_arn: str) -> str:
        return str(self._sqs.get_queue_url(QueueName=str(queue_arn).rsplit(":", 1)[-1])["QueueUrl"])

    def _queue_url(self, destination_config: dict[str, Any] | None) -> str | None:
        """The SQS queue of an OnFailure destination, if the template gives one."""
        arn = ((destination_config or {}).get("OnFailure") or {}).get("Destination")
        return self._url_of(arn) if arn else None

    def _dead_letter(self, url: str | None, function: str, payload: Any, error: str, attempts: int) -> None:
        """What Lambda sends an OnFailure destination once the retries are exhausted: the request, the reason."""
        self.failures.append({"function": function, "error": error})
        if url:
            record = {
                "requestContext": {
                    "condition": "RetriesExhausted",
                    "approximateInvokeCount": attempts,
                    "functionArn": self._lambdas.function(function).arn,
                },
                "requestPayload": payload,
                "responsePayload": {"errorMessage": error},
            }
            self._sqs.send_message(QueueUrl=url, MessageBody=json.dumps(record, default=str))

    def dead_letters(self) -> dict[str, list[dict[str, Any]]]:
        """Everything the dead-letter queues received since the last read, by function: what Lambda or a
        function sent with its reason, and what a queue's redrive moved there (whose reader gave up on it)."""
        letters: dict[str, list[dict[str, Any]]] = {}
        urls = {s.on_failure_url for s in self.streams} | {url for _, url in self._async_config.values()}
        redriven = {s.dead_letter_url: s for s in self.queues if s.dead_letter_url}
        for url in sorted(u for u in urls | set(redriven) if u):
            while messages := self._sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]
            ).get("Messages", []):
                for message in messages:
                    body = json.loads(message["Body"])
                    if "requestContext" in body:
                        function = self._lambdas.function(body["requestContext"]["functionArn"]).name
                    else:  # moved by the redrive policy: the message as it was sent, no reason with it
                        function = redriven[url].function
                        count = message.get("Attributes", {}).get("ApproximateReceiveCount", "?")
                        body = {
                            "requestContext": {"condition": "RedriveMaxReceiveCount", "approximateInvokeCount": count},
                            "requestPayload": body,
                            "responsePayload": {"errorMessage": f"received {count} times without success"},
                        }
                    letters.setdefault(function, []).append(body)
                    self._sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return letters

    # --- asynchronous invocations ----------------------------------------------------------------

    def invoke_async(self, function: str, event: Any) -> None:
        """Lambda's asynchronous invocation: queued, run when a container is free, retried, dead-lettered."""
        with self._in_flight_lock:
            self._in_flight += 1
        self._async.submit(self._run_async, function, event)

    def _run_async(self, function: str, event: Any) -> None:
        retries, on_failure = self._async_config.get(function, (DEFAULT_ASYNC_RETRIES, None))
        error = ""
        try:
            for _ in range(retries + 1):
                invocation = self._lambdas.invoke(function, event, wait_for_container=True)
                if not invocation.failed:
                    return
                error = f"{invocation.error.get('errorType')}: {invocation.error.get('errorMessage')}"  # type: ignore[union-attr]
            self._dead_letter(on_failure, function, event, error, retries + 1)
        except Exception as crash:  # noqa: BLE001 - the local service itself failed; record it
            self.failures.append({"function": function, "error": repr(crash)})
        finally:
            with self._in_flight_lock:
                self._in_flight -= 1
                self._in_flight_lock.notify_all()

    # --- SQS event source mappings ------------------------------------------------------------------

    def _pump_queues(self) -> int:
        """Starts a batch for each mapping while it has visible messages and room under its concurrency."""
        started = 0
        for subscription in self.queues:
            if not subscription.busy or time.monotonic() < subscription.look_again_at:
                continue
            while True:
                with self._in_flight_lock:
                    if subscription.running >= subscription.max_concurrency:
                        break
                messages = self._sqs.receive_message(
                    QueueUrl=subscription.queue_url,
                    MaxNumberOfMessages=min(10, subscription.batch_size),
                    AttributeNames=["All"],
                    MessageAttributeNames=["All"],
                ).get("Messages", [])
                if not messages:
                    self._look_again_later(subscription)
                    break
                with self._in_flight_lock:
                    self.sqs_requests += 1
                    self._in_flight += 1
                    subscription.running += 1
                self._async.submit(self._deliver_messages, subscription, messages)
                started += 1
        return started

    def _look_again_later(self, subscription: QueueSubscription) -> None:
        """Nothing visible: the mapping rests if the queue is empty, else asks again in half a second."""
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=subscription.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        waiting = int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )
        with self._in_flight_lock:
            if not waiting and not subscription.running:
                subscription.busy = False
            else:
                subscription.look_again_at = time.monotonic() + 0.5

    def _deliver_messages(self, subscription: QueueSubscription, messages: list[dict[str, Any]]) -> None:
        """One batch, as Lambda's SQS poller hands it over; the messages answered as done are deleted, the
        rest come back when their visibility timeout ends (all of them if the invocation failed)."""
        records = [lambda_sqs_record(m, subscription.queue_arn) for m in messages]
        try:
            invocation = self._lambdas.invoke(subscription.function, {"Records": records}, wait_for_container=True)
            ids = {r["messageId"] for r in records}
            if invocation.failed:
                failed, error = ids, f"{invocation.error.get('errorType')}: {invocation.error.get('errorMessage')}"  # type: ignore[union-attr]
            else:
                answer = invocation.value() or {}
                named = {f.get("itemIdentifier") for f in answer.get("batchItemFailures") or []}
                # Lambda fails the whole batch when the answer names a message it was not given.
                failed = (named if named <= ids else ids) if subscription.partial else set()
                error = "messages failed"
            done = [
                {"Id": r["messageId"], "ReceiptHandle": r["receiptHandle"]}
                for r in records
                if r["messageId"] not in failed
            ]
            if done:  # one receipt is at most ten messages: one deletion
                with self._in_flight_lock:
                    self.sqs_requests += 1
                self._sqs.delete_message_batch(QueueUrl=subscription.queue_url, Entries=done)
            if failed:
                self.failures.append({"function": subscription.function, "error": error, "retrying": True})
        except Exception as crash:  # noqa: BLE001 - the local service itself failed; record it
            self.failures.append({"function": subscription.function, "error": repr(crash)})
        finally:
            with self._in_flight_lock:
                subscription.running -= 1
                subscription.look_again_at = 0.0
                self._in_flight -= 1
                self._in_flight_lock.notify_all()

    def _queues_busy(self) -> bool:
        with self._in_flight_lock:
            return any(s.busy for s in self.queues)

    def async_idle(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._in_flight_lock:
            while self._in_flight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._in_flight_lock.wait(timeout=min(remaining, 0.5))
            return True

    @property
    def in_flight(self) -> int:
        with self._in_flight_lock:
            return self._in_flight

    # --- pumping ---------------------------------------------------------------------------------

    def pump(self) -> int:
        """Delivers what is pending right now; returns how much it delivered."""
        with self._lock:
            queued = self._pump_queues()  # a message becomes visible again with nothing written
            writes = self._moto.writes
            failing = any(s.failing for s in self.streams)
            if writes == self._writes_seen and not failing:
                return queued  # nothing was written since everything was last read: nothing else to deliver
            self._writes_seen = writes
            delivered = self._retry_failing() + self._pump_streams() + self._pump_events()
            if delivered or failing:
                self._writes_seen = -1  # look again next time
            return queued + delivered

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Nothing is delivered inside this block (measurements that separate request and async work)."""
        with self._lock:
            yield

    def drain(self, timeout_seconds: float = 180.0) -> bool:
        """Until no stream record, queued event or asynchronous invocation is pending; False on timeout."""
        deadline = time.monotonic() + timeout_seconds
        with self._lock:
            while time.monotonic() < deadline:
                delivered = self.pump()
                idle = self.async_idle(timeout=max(0.0, deadline - time.monotonic()))
                failing = any(s.failing for s in self.streams)
                queued = self._queues_busy()
                if not delivered and idle and not self._moto_has_news() and not failing and not queued:
                    return True
                if not delivered and (failing or queued):
                    time.sleep(0.05)  # a failing batch is retried, a message waits to be visible again
            return False

    def _moto_has_news(self) -> bool:
        return self._moto.writes != self._writes_seen

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
                # EventBridge Scheduler invokes asynchronously; the advance waits for it and its work.
                self.invoke_async(schedule.function, self._scheduled_event(schedule, moment))
                self.drain()
                fired.append({"function": schedule.function, "at": moment.isoformat()})
            self._clock.set(end)
            self.drain()
            return fired

    def _scheduled_event(self, schedule: Schedule, moment: datetime) -> Any:
        """EventBridge Scheduler delivers the schedule's Input as the event itself, its context attributes
        filled in."""
        attributes = {
            "<aws.scheduler.scheduled-time>": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "<aws.scheduler.schedule-arn>": f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/default/{schedule.name}",
            "<aws.scheduler.execution-id>": uuid.uuid4().hex,
            "<aws.scheduler.attempt-number>": "1",
        }
        return json.loads(re.sub(r"<aws\.scheduler\.[a-z-]+>", lambda m: attributes.get(m[0], m[0]), schedule.input))

    def _pump_streams(self) -> int:
        """Reads each stream once, on from where it was read, and gives every event source mapping its own
        filtered share in order: each mapping reads the shard for itself when deployed, and here all
        of them are always at the same place (a failing batch waits aside, with what followed it)."""
        delivered = 0
        for stream_arn in dict.fromkeys(s.stream_arn for s in self.streams):
            table = stream_arn.split(":table/", 1)[1].split("/", 1)[0]
            shard_id, raw = self._moto.stream_records(table, self._positions.get(stream_arn))
            if not raw:
                continue
            self._positions[stream_arn] = raw[-1]["dynamodb"]["SequenceNumber"]
            records = [_as_lambda_record(r, stream_arn) for r in raw]
            for subscription in (s for s in self.streams if s.stream_arn == stream_arn):
                mine = [
                    r
                    for r in records
                    if not subscription.patterns or any(p.matches_event(r) for p in subscription.patterns)  # type: ignore[arg-type]
                ]
                if not mine:
                    continue
                if shard_id in subscription.failing:  # in order: behind the batch that is failing
                    failed_batch, attempts = subscription.failing[shard_id]
                    subscription.failing[shard_id] = (failed_batch + mine, attempts)
                    continue
                delivered += self._deliver_batch(subscription, shard_id, mine, 0)
        return delivered

    def _retry_failing(self) -> int:
        retried = 0
        for subscription in self.streams:
            for shard_id in list(subscription.failing):
                batch, attempts = subscription.failing.pop(shard_id)
                retried += self._deliver_batch(subscription, shard_id, batch, attempts)
        return retried

    def _deliver_batch(
        self, subscription: StreamSubscription, shard_id: str, records: list[dict[str, Any]], attempts: int
    ) -> int:
        """Partial batch failures: retried from the first failed record, as Lambda's stream poller does."""
        batch = records[: subscription.batch_size]
        rest = records[subscription.batch_size :]
        event: dict[str, Any] = {"Records": batch}
        if subscription.tumbling_window_seconds:
            event.update(self._window(subscription, shard_id))
        invocation = self._lambdas.invoke(subscription.function, event, wait_for_container=True)
        attempts += 1
        if not invocation.failed and subscription.tumbling_window_seconds and "state" not in (invocation.value() or {}):
            invocation.error = {"errorType": "InvalidResponse", "errorMessage": "a tumbling window answer needs state"}
        if invocation.failed:
            failed_from, error = 0, f"{invocation.error.get('errorType')}: {invocation.error.get('errorMessage')}"  # type: ignore[union-attr]
        else:
            result = invocation.value() or {}
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures") or []}
            if not failed:
                if rest:
                    return 1 + self._deliver_batch(subscription, shard_id, rest, 0)
                return 1
            failed_from = next((i for i, r in enumerate(batch) if r["dynamodb"]["SequenceNumber"] in failed), 0)
            error = "records failed"
        remaining = batch[failed_from:] + rest
        if subscription.max_retries >= 0 and attempts > subscription.max_retries:
            self._dead_letter(
                subscription.on_failure_url, subscription.function, {"Records": remaining}, error, attempts
            )
            return 1
        subscription.failing[shard_id] = (remaining, attempts)  # retried on the next pump
        self.failures.append({"function": subscription.function, "error": error, "retrying": True})
        return 1

    def _window(self, subscription: StreamSubscription, shard_id: str) -> dict[str, Any]:
        """What a tumbling window adds to a stream invocation (the window's final invocations are not
        made locally: the service keeps no window state)."""
        length = subscription.tumbling_window_seconds
        now = self._clock.now().timestamp()
        start = datetime.fromtimestamp(now - now % length, UTC)
        return {
            "window": {"start": start.isoformat(), "end": (start + timedelta(seconds=length)).isoformat()},
            "state": {},
            "shardId": shard_id,
            "eventSourceARN": subscription.stream_arn,
            "isFinalInvokeForWindow": False,
            "isWindowTerminatedEarly": False,
        }

    def _pump_events(self) -> int:
        """Routes each event put on a bus to the functions whose rule matches it (asynchronous invocation),
        and keeps it for GET /_local/events."""
        events = self._moto.events_put()
        with self._archive_lock:
            self._archive.extend({k: v for k, v in e.items() if k != "event-bus-name"} for e in events)
        for event in events:
            delivered = {k: v for k, v in event.items() if k != "event-bus-name"}
            for rule in self.rules:
                if rule.bus == event["event-bus-name"] and rule.pattern.matches_event(delivered):  # type: ignore[arg-type]
                    self.invoke_async(rule.function, delivered)
            for queue_rule in self.queue_rules:
                if queue_rule.bus == event["event-bus-name"] and queue_rule.pattern.matches_event(delivered):  # type: ignore[arg-type]
                    self._sqs.send_message(QueueUrl=queue_rule.queue_url, MessageBody=json.dumps(delivered))
                    with self._in_flight_lock:
                        self.sqs_requests += 1
                        for subscription in self.queues:
                            if subscription.queue_url == queue_rule.queue_url:
                                subscription.busy, subscription.look_again_at = True, 0.0
        return len(events)

    def skip_stream_records(self) -> None:
        """Moves every stream's read position to its end: what was written so far is not delivered (a
        bench's backfill, which stands for work done before it starts)."""
        with self._lock:
            for stream_arn in {s.stream_arn for s in self.streams}:
                table = stream_arn.split(":table/", 1)[1].split("/", 1)[0]
                while True:
                    _, raw = self._moto.stream_records(table, self._positions.get(stream_arn))
                    if not raw:
                        break
                    self._positions[stream_arn] = raw[-1]["dynamodb"]["SequenceNumber"]

    def bus_events(self) -> list[dict[str, Any]]:
        """Everything put on the bus since the last read (at most ARCHIVE_LIMIT events, the newest)."""
        with self._lock:
            self._pump_events()
        with self._archive_lock:
            seen = list(self._archive)
            self._archive.clear()
            return seen

    def stop(self) -> None:
        self._async.shutdown(wait=False, cancel_futures=True)


def lambda_sqs_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """A received SQS message as Lambda's SQS poller hands it to a function."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {
            name: {"stringValue": value.get("StringValue"), "dataType": value["DataType"]}
            for name, value in (message.get("MessageAttributes") or {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


def _as_lambda_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A stream record as Lambda's event source mapping hands it over."""
    created = record.get("dynamodb", {}).get("ApproximateCreationDateTime")
    if isinstance(created, datetime):  # Lambda hands it over in epoch seconds, as the Streams API does
        record = {**record, "dynamodb": {**record["dynamodb"], "ApproximateCreationDateTime": int(created.timestamp())}}
    record = json.loads(json.dumps(record, default=str))
    record["eventSourceARN"] = stream_arn
    record.setdefault("eventSource", "aws:dynamodb")
    record.setdefault("awsRegion", "us-east-1")
    return record
