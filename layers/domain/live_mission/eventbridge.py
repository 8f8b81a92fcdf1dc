"""The bus adapter of `ports.EventPublisher`: events out put on the service's EventBridge bus, ten a call."""

from __future__ import annotations

import json
from typing import Any

import boto3

from .events import SOURCE, EventOut
from .ports import Clock

MAX_ENTRIES_PER_CALL = 10  # PutEvents takes ten entries a call


class EventBridgePublisher:
    def __init__(self, bus_name: str, clock: Clock, client: Any = None) -> None:
        self._bus_name = bus_name
        self._clock = clock
        self._client = client or boto3.client("events")

    def publish(self, events: list[EventOut]) -> list[bool]:
        """Puts the events on the bus; says, for each, whether EventBridge accepted it. A refused call
        raises (the relay's batch is retried from the first event not out)."""
        accepted: list[bool] = []
        for start in range(0, len(events), MAX_ENTRIES_PER_CALL):
            chunk = events[start : start + MAX_ENTRIES_PER_CALL]
            entries: Any = [
                {
                    "Source": SOURCE,
                    "DetailType": event.detail_type,
                    "Detail": json.dumps(event.detail, default=str),
                    "EventBusName": self._bus_name,
                    "Time": self._clock.now(),
                }
                for event in chunk
            ]
            response = self._client.put_events(Entries=entries)
            accepted.extend(not result.get("ErrorCode") for result in response.get("Entries", []))
        return accepted
