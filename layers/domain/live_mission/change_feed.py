"""Registration changes, read from the table's stream: relayed to the bus as events out, and counted into
the mission's statistics. Both are derived from committed changes only, in stream order.

One consumer does both because a DynamoDB stream shard serves two readers well, and reward evaluation
is the other. A batch is answered with the first record whose events did not all go out: the stream
retries from there (events may go out twice, with the same event_id); counts are applied for the
records before it, exactly once whatever is retried (store/statistics.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from .events import EventOut, events_of_change
from .observability import Metric, count, logger
from .ports import EventPublisher, Statistics, StreamImages
from .records import Change
from .statistics import counts_of_change


class ChangeFeed:
    def __init__(self, publisher: EventPublisher, statistics: Statistics, images: StreamImages) -> None:
        self._publisher = publisher
        self._statistics = statistics
        self._images = images

    def handle_records(self, records: Sequence[Mapping[str, Any]], stream_shard: str) -> str | None:
        """A batch of stream records of one shard: the registrations' changes among them relayed and counted."""
        changes = [change for change in map(self._images.registration_change, records) if change is not None]
        return self.handle(changes, stream_shard) if changes else None

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
            count(Metric.EVENTS_PUBLISHED, sum(accepted))
        by_mission: dict[str, list[tuple[str, Any]]] = defaultdict(list)
        for change in changes[:first_failed]:
            counts = counts_of_change(change.before, change.after)
            if counts:
                by_mission[change.mission_id].append((change.sequence_number, counts))
        for mission_id, counted in by_mission.items():
            self._statistics.apply(mission_id, stream_shard, counted)
        return changes[first_failed].sequence_number if first_failed < len(changes) else None
