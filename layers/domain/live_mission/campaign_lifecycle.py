"""What happens to campaigns after creation, as the Ads platform reports it (CampaignStatusChanged).

A withdrawn LIVE room (A3) and a stopped auto-created campaign (A4) become facts about the seller that
block auto-creation in every later mission. The service only records; it never changes a campaign
the seller edited (A7) and never stops one when a mission ends (A9).

A report may come before the service recorded its own campaign (a create that timed out but
succeeded): such a campaign is still the service's, recognised by its deterministic name on the Ads
side, and the report is kept on the campaign's record for the attempt that records it. A report for
a campaign that is not the seller's (not recorded for them, not theirs on the Ads side) changes nothing.

Telling whose campaign it is may need the Ads platform. While it cannot answer, the report also waits on
the seller's facts: the event's retries may record it; if they run out, the seller's next attempt (which
reads those facts anyway) replays it before deciding, so a withdrawal is never lost to an outage (A3).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from .activity import check_receipt
from .ads import AdsError
from .ads_quota import Purpose
from .models import AutoCreationStatus, SafeId
from .observability import logger
from .ports import AdsPlatform, Registrations
from .records import CampaignRecord, CampaignReport, ReportToConfirm

# Statuses that stop an auto-created campaign (A4); the seller may still restart it on the Ads side.
STOPPING = frozenset({"AUTHORIZATION_CANCELED", "DISABLED", "DELETED"})
WITHDRAWN = "LIVEROOM_WITHDRAWN"
# The Ads platform's operation status for the statuses that have one: a report is recorded in these terms.
_OPERATION_STATUS = {"ENABLED": "ENABLE", "DISABLED": "DISABLE", "DELETED": "DELETE"}
STOPPED_AS_RECORDED = frozenset(_OPERATION_STATUS.get(status, status) for status in STOPPING)
_UNSETTLED = (AutoCreationStatus.PENDING, AutoCreationStatus.RETRYING, AutoCreationStatus.FAILED)


class CampaignStatusChanged(BaseModel):
    """A campaign's status changed on the Ads side: a withdrawn room (A3), a stopped auto-created campaign (A4)."""

    model_config = ConfigDict(extra="ignore")

    seller_id: SafeId
    advertiser_id: str = Field(min_length=1, max_length=128)
    campaign_id: str = Field(min_length=1, max_length=128)
    status: Literal["ENABLED", "DISABLED", "LIVEROOM_WITHDRAWN", "AUTHORIZATION_CANCELED", "DELETED"]
    changed_at: AwareDatetime


class CampaignReports:
    def __init__(self, registrations: Registrations, ads: AdsPlatform) -> None:
        self._registrations = registrations
        self._ads = ads

    def record(
        self, change: CampaignStatusChanged, purpose: Purpose = Purpose.STATUS, *, received_at: datetime | None = None
    ) -> None:
        """Raises AdsError when the campaign's owner cannot be checked now: the platform retries the event, and
        the report waits on the seller's facts for their next attempt if those retries run out. A report dated in
        the future of its receipt is refused (W7): it would outrank every report after it."""
        if received_at is not None:
            check_receipt(change.changed_at, received_at, f"the status change of campaign {change.campaign_id}")
        status = _OPERATION_STATUS.get(change.status, change.status)
        kept = self._registrations.record_campaign_report(
            change.seller_id, change.campaign_id, change.advertiser_id, status, change.changed_at
        )
        record = kept or self._registrations.campaign(change.seller_id, change.campaign_id)
        if record is None:
            return
        if record.origin != "AUTO":
            try:
                record = self._recognise(change, record, purpose)
            except AdsError:
                waiting = ReportToConfirm.model_validate(change.model_dump(exclude={"seller_id"}))
                self._registrations.keep_report_to_confirm(change.seller_id, waiting)
                raise
            if record is None:
                logger.info(
                    "status report for a campaign that is not the seller's", extra={"campaign_id": change.campaign_id}
                )
                return
        at = change.changed_at
        if change.status == WITHDRAWN:  # A3: whichever of the seller's campaigns it was reported on
            self._registrations.record_fact(change.seller_id, "withdrawn_at", at, campaign_id=change.campaign_id)
        if record.origin != "AUTO" or record.mission_id is None:
            return  # a manual campaign is the seller's own business
        if change.status in STOPPING:  # A4, even when the report is older than the status shown
            self._registrations.record_fact(change.seller_id, "stopped_at", at, campaign_id=change.campaign_id)
        if kept is not None:  # the registration shows the latest report only
            report = CampaignReport(campaign_id=change.campaign_id, status=status, changed_at=at)
            self._registrations.report_campaign_status(record.mission_id, change.seller_id, report)

    def confirm(self, seller_id: str, report: ReportToConfirm, purpose: Purpose) -> None:
        """Replays a report that waited for the Ads platform, then forgets it. Raises AdsError while the
        platform still cannot answer (the report keeps waiting)."""
        self.record(CampaignStatusChanged(seller_id=seller_id, **report.model_dump()), purpose)
        self._registrations.forget_report_to_confirm(seller_id, report)

    def _recognise(
        self, change: CampaignStatusChanged, record: CampaignRecord, purpose: Purpose
    ) -> CampaignRecord | None:
        """Whose campaign is it? The service's own if the Ads platform names it as this seller's
        registration names its campaign (its creation may be unrecorded yet); else, for a withdrawal (the
        only status of a manual campaign that matters, A3), the seller's own if it runs on one of their
        ad accounts; else nobody's here."""
        registrations = self._registrations.of_seller(change.seller_id)
        unsettled = [
            r
            for r in registrations
            if r.auto_creation.status in _UNSETTLED
            or r.auto_creation.outcome_unknown
            or r.campaign.switch_off == "PENDING"
        ]
        found = self._ads.campaign(change.advertiser_id, change.campaign_id, purpose=purpose) if unsettled else None
        if unsettled:
            for registration in unsettled:
                plan = registration.claim.plan
                if found and plan and found.campaign_name == plan.campaign_name:
                    return self._registrations.mark_auto_created(
                        change.seller_id, change.campaign_id, registration.mission_id, change.advertiser_id
                    )
        if change.status != WITHDRAWN:
            return None
        known = {a for r in registrations for a in r.claim.account.advertiser_ids}
        if not known:  # not registered anywhere yet: ask the Ads platform which accounts are theirs
            account = self._ads.seller_account(change.seller_id, purpose=purpose)
            known = {a.advertiser_id for a in account.ad_accounts}
        if change.advertiser_id not in known:
            return None
        # And the campaign runs on that account: an event naming someone else's campaign changes nothing.
        if not unsettled:
            found = self._ads.campaign(change.advertiser_id, change.campaign_id, purpose=purpose)
        return record if found is not None else None
