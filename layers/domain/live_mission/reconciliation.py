"""Knowing, not creating (A2, A3, A4, A5, A8): what the Ads platform says exists for a registration.

- A campaign of ours is found by its deterministic name, whether its creation was recorded or not (a create
  that timed out but succeeded is found, never repeated: A5); a status the Ads platform reported for it
  before it was recorded comes back here and becomes the seller's fact (A3, A4).
- After the local day's give-up, campaigns are listed, never created, until the Ads platform answers (A8).
- Campaign status reports that waited for the Ads platform to say whose campaign it was are replayed before
  anything is decided.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .ads import AdsCampaign, AdsError, AdsQuotaBusy
from .ads_quota import Purpose
from .campaign_lifecycle import STOPPED_AS_RECORDED, WITHDRAWN, CampaignReports
from .decisions import LOOK_AGAIN_DELAY, ours, serving_store
from .models import AutoCreationStatus, CampaignOrigin, ReasonCode
from .outcomes import auto_created, settled
from .ports import AdsFacts, AdsPlatform, Fact, Registrations
from .records import CampaignReport, KnownCampaign, RegistrationRecord, SellerFacts


class Reconciler:
    def __init__(self, registrations: Registrations, ads: AdsPlatform, facts: AdsFacts) -> None:
        self._registrations = registrations
        self._ads = ads
        self._facts = facts
        self._reports = CampaignReports(registrations, ads)

    def campaigns_of(self, registration: RegistrationRecord, purpose: Purpose) -> list[AdsCampaign]:
        """The LIVE GMV Max campaigns on the seller's ad accounts, for their store. Raises AdsError."""
        account = registration.claim.account
        advertiser_ids = account.advertiser_ids or [registration.claim.advertiser_id]
        campaigns = serving_store(
            [c for advertiser_id in advertiser_ids for c in self._ads.live_campaigns(advertiser_id, purpose=purpose)],
            account.store_id,
        )
        if any(c.is_active for c in campaigns):  # an earlier listing that found none no longer holds (A2, Q4)
            self._facts.forget_clear_campaigns(registration.seller_id)
        return campaigns

    def facts_after_waiting_reports(self, seller_id: str, purpose: Purpose) -> SellerFacts:
        """The seller's facts, once a stop or withdrawal reported during an Ads outage (waiting for the Ads
        platform to say whose campaign it was) has been replayed (A3, A4). Raises AdsError while it cannot."""
        facts = self._registrations.facts(seller_id)
        if not facts.reports_to_confirm:
            return facts
        for report in facts.reports_to_confirm:
            self._reports.confirm(seller_id, report, purpose)
        return self._registrations.facts(seller_id)

    def look(self, leased: RegistrationRecord, unknown: bool, now: datetime) -> RegistrationRecord:
        """A8: the give-up at the end of the local day ends creating, not knowing. Campaigns are listed,
        never created, until the Ads platform answers."""
        held = leased.auto_creation.held_by_quota  # every attempt today was kept from the platform by the quota
        try:
            campaigns = self.campaigns_of(leased, Purpose.CREATE)
        except AdsError as error:
            # Campaigns could not be listed: keep looking until the Ads platform answers. If a create may have
            # succeeded, one of ours may be running: never tell the seller to create another meanwhile. If the
            # app's Ads quota kept the attempts from the platform, that is what the seller is told (Q3).
            reason = ReasonCode.STILL_LOOKING if unknown else ReasonCode.ADS_QUOTA_USED_UP if held else None
            again = now + timedelta(seconds=error.retry_after) if isinstance(error, AdsQuotaBusy) else now
            return settled(
                leased,
                AutoCreationStatus.FAILED,
                reason=reason,
                due_at=max(now + LOOK_AGAIN_DELAY, again),
                outcome_unknown=unknown,
                held_by_quota=held,
            )
        mine = ours(campaigns, leased.claim.plan.campaign_name if leased.claim.plan else None)
        if mine is not None:
            return self.record_ours(leased, mine)
        active = [c for c in campaigns if c.is_active]
        if active:
            return self.record_existing(leased, active[0])
        reason = ReasonCode.ADS_QUOTA_USED_UP if held else None
        return settled(leased, AutoCreationStatus.FAILED, reason=reason, held_by_quota=held)

    def record_ours(self, leased: RegistrationRecord, found: AdsCampaign) -> RegistrationRecord:
        """CREATED with the campaign the service made (A5). Recorded as ours before the registration says so:
        a status the Ads platform reported before this moment is kept on the campaign's record and comes back
        here (A3, A4 for a campaign not yet recorded)."""
        record = self._registrations.mark_auto_created(
            leased.seller_id, found.campaign_id, leased.mission_id, found.advertiser_id or leased.claim.advertiser_id
        )
        report = None
        if record.status and record.status_changed_at:
            report = CampaignReport(
                campaign_id=found.campaign_id, status=record.status, changed_at=record.status_changed_at
            )
            # The report's consumer could not record these facts if it could not tell the campaign was ours
            # (the Ads platform did not answer through the event's retries): they are recorded here.
            fact: Fact | None = (
                "stopped_at"
                if record.status in STOPPED_AS_RECORDED
                else "withdrawn_at"
                if record.status == WITHDRAWN
                else None
            )
            if fact is not None:
                self._registrations.record_fact(
                    leased.seller_id, fact, record.status_changed_at, campaign_id=found.campaign_id
                )
        return settled(leased, AutoCreationStatus.CREATED, known=auto_created(leased, found), report=report)

    def record_existing(self, leased: RegistrationRecord, active: AdsCampaign) -> RegistrationRecord:
        """A2: the seller's active LIVE GMV Max campaign is recorded, and nothing is created."""
        origin = (
            CampaignOrigin.AUTO
            if active.campaign_id in self._registrations.auto_created_campaign_ids(leased.seller_id)
            else CampaignOrigin.MANUAL
        )
        known = KnownCampaign(
            campaign_id=active.campaign_id,
            origin=origin,
            status=active.operation_status,
            advertiser_id=active.advertiser_id,
            campaign_name=active.campaign_name,
        )
        return settled(leased, AutoCreationStatus.SKIPPED_EXISTING_CAMPAIGN, known=known)

    def mark_ours(self, leased: RegistrationRecord, found: AdsCampaign) -> KnownCampaign:
        """A campaign of ours found by name while switching off: recorded as ours on the seller's side too."""
        self._registrations.mark_auto_created(
            leased.seller_id, found.campaign_id, leased.mission_id, found.advertiser_id
        )
        return auto_created(leased, found)
