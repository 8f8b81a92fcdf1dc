"""Events out (docs/contract.md): the service's own facts on its bus, source `live-gmv-max-mission`.

Every event out is derived from a committed change of a registration, read from the table's stream:
there is no code path that writes and then publishes, so a crash or an EventBridge failure between
the two cannot lose an event. Delivery is at least once; each event carries an `event_id` that is
the same on every delivery of it, for consumers to de-duplicate.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

import boto3
from pydantic import Field

from .clock import Clock
from .models import AutoCreationStatus, Contract, Money, Registration, Timestamp
from .records import RegistrationRecord

SOURCE = "live-gmv-max-mission"
MAX_ENTRIES_PER_CALL = 10  # PutEvents takes ten entries a call
_EVENT_IDS = uuid.UUID("6f1c2a3e-8d54-4e0b-9f3a-2b7c1d9e4a61")

_AUTO_CREATION_EVENTS = {
    AutoCreationStatus.CREATED: "CampaignAutoCreated",
    AutoCreationStatus.FAILED: "CampaignAutoCreationFailed",
    AutoCreationStatus.SKIPPED_EXISTING_CAMPAIGN: "CampaignAutoCreationSkipped",
    AutoCreationStatus.SKIPPED_WITHDRAWN: "CampaignAutoCreationSkipped",
    AutoCreationStatus.SKIPPED_STOPPED: "CampaignAutoCreationSkipped",
    AutoCreationStatus.OPTED_OUT: "CampaignAutoCreationSkipped",
}


class _Delivery(Contract):
    event_id: str = Field(description="the same on every delivery of this event: de-duplicate on it")
    correlation_id: str | None = Field(default=None, description="the claim's request, through every later event")


class RegistrationEvent(Registration, _Delivery):
    """`MissionRegistered`, `CampaignAutoCreated`, `CampaignAutoCreationSkipped` and
    `CampaignAutoCreationFailed`: the registration as `GET .../registration` shows it after the change."""


class RewardGrantedEvent(_Delivery):
    """`RewardGranted`. No voucher code: it is a bearer credential, read by the seller through GET /rewards."""

    seller_id: str
    reward_id: str
    mission_id: str
    type: str
    value: Money
    currency: str
    granted_at: Timestamp


EVENTS_OUT: dict[str, type[Contract]] = {
    "MissionRegistered": RegistrationEvent,
    "CampaignAutoCreated": RegistrationEvent,
    "CampaignAutoCreationSkipped": RegistrationEvent,
    "CampaignAutoCreationFailed": RegistrationEvent,
    "RewardGranted": RewardGrantedEvent,
}


@dataclass(frozen=True)
class EventOut:
    detail_type: str
    detail: dict[str, Any]


def event_id(detail_type: str, mission_id: str, seller_id: str, occasion: str) -> str:
    """The same for every delivery of one event: a registration reaches each status, and is granted its
    reward, at most once."""
    return str(uuid.uuid5(_EVENT_IDS, f"{detail_type}\x1f{mission_id}\x1f{seller_id}\x1f{occasion}"))


def events_of_change(before: RegistrationRecord | None, after: RegistrationRecord | None) -> list[EventOut]:
    """What one committed change of a registration tells the world."""
    if after is None:
        return []
    found: list[EventOut] = []
    registration = after.view().model_dump()
    if before is None:
        found.append(_event("MissionRegistered", after, "registered", registration))
    elif before.status is not after.status and after.status in _AUTO_CREATION_EVENTS:
        found.append(_event(_AUTO_CREATION_EVENTS[after.status], after, after.status.value, registration))
    if after.reward is not None and (before is None or before.reward is None):
        reward = after.reward.model_dump()
        found.append(_event("RewardGranted", after, "granted", {"seller_id": after.seller_id, **reward}))
    return found


def _event(detail_type: str, registration: RegistrationRecord, occasion: str, fields: dict[str, Any]) -> EventOut:
    """The event's detail, shaped by its model in EVENTS_OUT (so docs/events/ describes exactly this)."""
    detail = EVENTS_OUT[detail_type].model_validate(
        {
            **fields,
            "event_id": event_id(detail_type, registration.mission_id, registration.seller_id, occasion),
            "correlation_id": registration.correlation_id,
        }
    )
    return EventOut(detail_type, detail.model_dump(mode="json"))


class EventPublisher(Protocol):
    def publish(self, events: list[EventOut]) -> list[bool]: ...


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
