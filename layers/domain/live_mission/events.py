"""Events out (docs/contract.md): the service's own facts on its bus, source `live-gmv-max-mission`.

Every event out is derived from a committed change of a registration, read from the table's stream:
there is no code path that writes and then publishes, so a crash or an EventBridge failure between
the two cannot lose an event. Delivery is at least once; each event carries an `event_id` that is
the same on every delivery of it, for consumers to de-duplicate.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from .models import AutoCreationStatus, Contract, Money, Registration, Timestamp
from .records import RegistrationRecord

SOURCE = "live-gmv-max-mission"
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
    elif (status := after.auto_creation.status) is not before.auto_creation.status and status in _AUTO_CREATION_EVENTS:
        found.append(_event(_AUTO_CREATION_EVENTS[status], after, status.value, registration))
    if after.reward.reward is not None and (before is None or before.reward.reward is None):
        reward = after.reward.reward.model_dump()
        found.append(_event("RewardGranted", after, "granted", {"seller_id": after.seller_id, **reward}))
    return found


def _event(detail_type: str, registration: RegistrationRecord, occasion: str, fields: dict[str, Any]) -> EventOut:
    """The event's detail, shaped by its model in EVENTS_OUT (so docs/events/ describes exactly this)."""
    detail = EVENTS_OUT[detail_type].model_validate(
        {
            **fields,
            "event_id": event_id(detail_type, registration.mission_id, registration.seller_id, occasion),
            "correlation_id": registration.claim.correlation_id,
        }
    )
    return EventOut(detail_type, detail.model_dump(mode="json"))
