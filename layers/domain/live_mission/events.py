"""Events out (SPEC section 3): the service's own facts, on its bus, source `live-gmv-max-mission`."""

from __future__ import annotations

import json
from typing import Any, Protocol

import boto3

from .clock import Clock
from .observability import correlation_id, logger

SOURCE = "live-gmv-max-mission"


class EventPublisher(Protocol):
    def publish(self, detail_type: str, detail: dict[str, Any]) -> None: ...


class EventBridgePublisher:
    def __init__(self, bus_name: str, clock: Clock, client: Any = None) -> None:
        self._bus_name = bus_name
        self._clock = clock
        self._client = client or boto3.client("events")

    def publish(self, detail_type: str, detail: dict[str, Any]) -> None:
        """Best effort: the state change is already stored, a lost notification must not undo it."""
        entry: Any = {
            "Source": SOURCE,
            "DetailType": detail_type,
            "Detail": json.dumps({**detail, "correlation_id": correlation_id()}, default=str),
            "EventBusName": self._bus_name,
            "Time": self._clock.now(),
        }
        try:
            response = self._client.put_events(Entries=[entry])
            if response.get("FailedEntryCount"):
                logger.error("event not accepted", extra={"detail_type": detail_type, "response": response["Entries"]})
        except Exception:  # noqa: BLE001 - best effort, see above
            logger.exception("event not published", extra={"detail_type": detail_type})
