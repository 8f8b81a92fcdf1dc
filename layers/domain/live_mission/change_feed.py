"""Registration changes, read from the table's stream: relayed to the bus as events out, and counted into
the mission's statistics. Both are derived from committed changes only, in stream order.

One consumer does both because a DynamoDB stream shard serves two readers well, and reward evaluation
is the other. A batch is answered with the first record whose events did not all go out: the stream
retries from there (events may go out twice, with the same event_id); counts are applied for the
records before it, exactly once whatever is retried (store/statistics.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from boto3.dynamodb.types import TypeDeserializer
from pydantic import ValidationError

from .events import EventOut, EventPublisher, events_of_change
from .observability import Metric, logger, metrics
from .ports import Statistics
from .records import RegistrationRecord
from .statistics import counts_of_change
from .store.registrations import is_registration, registration_of

_deserializer = TypeDeserializer()


@dataclass(frozen=True)
class Change:
    sequence_number: str
    before: RegistrationRecord | None
    after: RegistrationRecord | None

    @property
    def mission_id(self) -> str:
        registration = self.after or self.before
        assert registration is not None
        return registration.mission_id


def change_of(record: Mapping[str, Any]) -> Change | None:
    """A stream record of a registration as the change it is; None for any other item."""
    dynamodb = record.get("dynamodb") or {}
    if not is_registration(_plain(dynamodb.get("Keys"))):
        return None
    return Change(
        str(dynamodb["SequenceNumber"]),
        _registration(dynamodb.get("OldImage")),
        _registration(dynamodb.get("NewImage")),
    )


def _registration(image: Mapping[str, Any] | None) -> RegistrationRecord | None:
    if not image:
        return None
    item = _plain(image)
    try:
        return registration_of(item)
    except ValidationError:
        logger.exception("a registration image does not read as a registration", extra={"sk": item.get("sk")})
        raise


def _plain(image: Mapping[str, Any] | None) -> dict[str, Any]:
    return {name: _deserializer.deserialize(value) for name, value in (image or {}).items()}


class ChangeFeed:
    def __init__(self, publisher: EventPublisher, statistics: Statistics) -> None:
        self._publisher = publisher
        self._statistics = statistics

    def handle(self, changes: list[Change], stream_shard: str) -> str | None:
        """Relays and counts a batch of one stream shard, in order; returns the sequence number of the first
        change to retry, or None when all is done."""
        outgoing: list[tuple[int, EventOut]] = [
            (position, event)
            for position, change in enumerate(changes)
            for event in events_of_change(change.before, change.after)
        ]
        first_failed = len(changes)
        if outgoing:
            try:
                accepted = self._publisher.publish([event for _, event in outgoing])
            except Exception:  # noqa: BLE001 - the bus refused the call: nothing of this batch is known out
                logger.exception("events not accepted by the bus")
                accepted = [False] * len(outgoing)
            refused = [position for (position, _), ok in zip(outgoing, accepted, strict=True) if not ok]
            first_failed = min(refused, default=len(changes))
            metrics.add_metric(name=Metric.EVENTS_PUBLISHED, unit="Count", value=sum(accepted))
        by_mission: dict[str, list[tuple[str, Any]]] = defaultdict(list)
        for change in changes[:first_failed]:
            counts = counts_of_change(change.before, change.after)
            if counts:
                by_mission[change.mission_id].append((change.sequence_number, counts))
        for mission_id, counted in by_mission.items():
            self._statistics.apply(mission_id, stream_shard, counted)
        return changes[first_failed].sequence_number if first_failed < len(changes) else None
