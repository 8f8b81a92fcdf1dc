"""What happens to campaigns after creation, as the Ads platform reports it (CampaignStatusChanged).

A withdrawn LIVE room (A3) and a stopped auto-created campaign (A4) become facts about the seller that
block auto-creation in every later mission. The service only records; it never changes a campaign
the seller edited (A7) and never stops one when a mission ends (A9).
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from .observability import logger
from .store import MissionStore

# Statuses that stop an auto-created campaign (A4); the seller may still restart it on the Ads side.
_STOPPING = frozenset({"AUTHORIZATION_CANCELED", "DISABLED", "DELETED"})
# The Ads platform's operation status for the statuses that have one.
_OPERATION_STATUS = {"ENABLED": "ENABLE", "DISABLED": "DISABLE", "DELETED": "DELETE"}


class CampaignStatusChanged(BaseModel):
    """`ads.gmvmax` / `CampaignStatusChanged` (SPEC section 3)."""

    model_config = ConfigDict(extra="ignore")

    seller_id: str = Field(min_length=1, max_length=128)
    advertiser_id: str = Field(min_length=1, max_length=128)
    campaign_id: str = Field(min_length=1, max_length=128)
    status: Literal["ENABLED", "DISABLED", "LIVEROOM_WITHDRAWN", "AUTHORIZATION_CANCELED", "DELETED"]
    changed_at: AwareDatetime


def record_status_change(store: MissionStore, change: CampaignStatusChanged) -> None:
    at = change.changed_at.isoformat()
    if change.status == "LIVEROOM_WITHDRAWN":  # A3: whichever campaign it was reported on
        store.record_seller_fact(change.seller_id, "withdrawn_at", at, campaign_id=change.campaign_id)
    record = store.campaign_record(change.seller_id, change.campaign_id)
    if not record or record.get("origin") != "AUTO":
        return  # a manual campaign is the seller's own business
    status = _OPERATION_STATUS.get(change.status, change.status)
    if not store.record_campaign_status(record, status, at):
        logger.info("older campaign status ignored", extra={"campaign_id": change.campaign_id})
    if change.status in _STOPPING:  # A4
        store.record_seller_fact(change.seller_id, "stopped_at", at, campaign_id=change.campaign_id)
