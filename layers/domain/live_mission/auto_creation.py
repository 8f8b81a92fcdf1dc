"""Campaign auto-creation (A1-A10): one LIVE GMV Max campaign per registered seller, at most once,
retried through the advertiser's local day of registration when the Ads platform fails."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from .ads import AdsCampaign, AdsError, AdsPlatform
from .campaign_settings import planned_campaign
from .clock import Clock
from .errors import AdsPlatformUnavailable, RegistrationNotFound
from .events import EventPublisher
from .missions import mission_or_not_found
from .models import AutoCreationStatus, Campaign, CampaignOrigin, Mission, Registration, utc_iso
from .observability import follow, logger, metrics
from .recommendations import recommend, timing_at
from .registration import registration_view
from .store import MissionStore

# A lease outlives any attempt (a few Ads calls with bounded timeouts), so two never overlap.
ATTEMPT_LEASE = timedelta(minutes=2)
FIRST_RETRY_DELAY = timedelta(minutes=15)  # A8
SECOND_RETRY_DELAY = timedelta(minutes=30)
LATER_RETRY_DELAY = timedelta(minutes=60)

REASONS = {
    AutoCreationStatus.CREATED: "Your LIVE GMV Max campaign was created; it goes live at 08:00 tomorrow, "
    "your ad account's time.",
    AutoCreationStatus.SKIPPED_EXISTING_CAMPAIGN: "You already have an active LIVE GMV Max campaign, "
    "so none was created.",
    AutoCreationStatus.SKIPPED_WITHDRAWN: "Your LIVE room was withdrawn from LIVE GMV Max, so no campaign is created "
    "automatically. Create a LIVE GMV Max campaign yourself in Seller Center -> Shop Ads.",
    AutoCreationStatus.SKIPPED_STOPPED: "A campaign created for you earlier was stopped, so no campaign is created "
    "automatically. Create a LIVE GMV Max campaign yourself in Seller Center -> Shop Ads.",
    AutoCreationStatus.OPTED_OUT: "You opted out of the automatically created campaign.",
    AutoCreationStatus.RETRYING: "The Ads platform did not answer; we will try again automatically today.",
    AutoCreationStatus.FAILED: "We could not create your campaign today. Please create a LIVE GMV Max campaign "
    "yourself in Seller Center -> Shop Ads.",
}


def retry_delay(attempts: int) -> timedelta:
    """A8: 15 minutes after the first failure, then 30, then every 60."""
    if attempts <= 1:
        return FIRST_RETRY_DELAY
    if attempts == 2:
        return SECOND_RETRY_DELAY
    return LATER_RETRY_DELAY


def seller_fact_decision(facts: dict[str, Any]) -> AutoCreationStatus | None:
    """A10, A3, A4 in that order: facts about the seller that hold in every mission."""
    if facts.get("opted_out_at"):
        return AutoCreationStatus.OPTED_OUT
    if facts.get("withdrawn_at"):
        return AutoCreationStatus.SKIPPED_WITHDRAWN
    if facts.get("stopped_at"):
        return AutoCreationStatus.SKIPPED_STOPPED
    return None


class AutoCreator:
    def __init__(self, store: MissionStore, ads: AdsPlatform, clock: Clock, events: EventPublisher) -> None:
        self._store = store
        self._ads = ads
        self._clock = clock
        self._events = events

    def attempt(self, mission_id: str, seller_id: str) -> AutoCreationStatus | None:
        """One attempt; at most one create call (A8). None when another attempt holds the registration
        or it needs nothing more (A5: redeliveries and repeats create nothing)."""
        now = self._clock.now()
        registration = self._store.claim_attempt(mission_id, seller_id, now, now + ATTEMPT_LEASE)
        if registration is None:
            return None
        follow(registration)
        deadline = datetime.fromisoformat(registration["retry_deadline"])
        if registration["status"] == AutoCreationStatus.RETRYING and now >= deadline:
            return self._finish(registration, AutoCreationStatus.FAILED, attempted=False)
        mission = self._store.get_mission(mission_id)
        assert mission is not None  # a registration exists only for an existing mission
        decided = seller_fact_decision(self._store.seller_facts(seller_id))
        if decided:
            return self._finish(registration, decided)
        try:
            return self._create_unless_one_exists(mission, registration, now)
        except AdsError as error:
            logger.warning(
                "auto-creation attempt failed",
                extra={"mission_id": mission_id, "seller_id": seller_id, "error": str(error), "code": error.code},
            )
            metrics.add_metric(name="AutoCreationAttemptFailed", unit="Count", value=1)
            return self._schedule_retry(registration, now, deadline)

    def _plan(self, mission: Mission, registration: dict[str, Any], now: datetime) -> tuple[Campaign, dict[str, Any]]:
        """A6: the campaign to create, its target ROI the highest recommended tier (O1)."""
        account = registration.get("account") or {}
        country = account.get("country") or mission.country
        roi = recommend(self._store, country, account.get("industry"), timing_at(mission, now))
        return planned_campaign(mission, registration, registration.get("timezone"), roi.highest)

    def _create_unless_one_exists(
        self, mission: Mission, registration: dict[str, Any], now: datetime
    ) -> AutoCreationStatus:
        planned, request = self._plan(mission, registration, now)
        campaigns = self._live_campaigns(registration)
        ours = [c for c in campaigns if c.campaign_name == planned.campaign_name]
        if ours:  # A5: an earlier create that timed out did succeed; record it, never repeat it
            return self._created(registration, planned.model_copy(update={"campaign_id": ours[0].campaign_id}))
        active = [c for c in campaigns if c.is_active]
        if active:  # A2
            return self._finish(
                registration,
                AutoCreationStatus.SKIPPED_EXISTING_CAMPAIGN,
                campaign=self._existing(registration["seller_id"], active[0]),
            )
        campaign_id = self._ads.create_live_campaign(request)
        return self._created(registration, planned.model_copy(update={"campaign_id": campaign_id}))

    def _live_campaigns(self, registration: dict[str, Any]) -> list[AdsCampaign]:
        store_id = (registration.get("account") or {}).get("store_id")
        advertiser_ids = (registration.get("account") or {}).get("advertiser_ids") or [registration["advertiser_id"]]
        campaigns = [c for advertiser_id in advertiser_ids for c in self._ads.live_campaigns(advertiser_id)]
        # An agency account may serve several shops: only this seller's store counts.
        return [c for c in campaigns if not store_id or not c.store_id or c.store_id == store_id]

    def _existing(self, seller_id: str, campaign: AdsCampaign) -> Campaign:
        origin = (
            CampaignOrigin.AUTO
            if campaign.campaign_id in self._store.auto_created_campaign_ids(seller_id)
            else CampaignOrigin.MANUAL
        )
        return Campaign(
            campaign_id=campaign.campaign_id,
            origin=origin,
            status=campaign.operation_status,
            advertiser_id=campaign.advertiser_id,
            campaign_name=campaign.campaign_name,
        )

    def _created(self, registration: dict[str, Any], campaign: Campaign) -> AutoCreationStatus:
        record = {
            "campaign_id": campaign.campaign_id,
            "origin": "AUTO",
            "mission_id": registration["mission_id"],
            "seller_id": registration["seller_id"],
            "advertiser_id": campaign.advertiser_id,
        }
        return self._finish(registration, AutoCreationStatus.CREATED, campaign=campaign, campaign_record=record)

    def _schedule_retry(self, registration: dict[str, Any], now: datetime, deadline: datetime) -> AutoCreationStatus:
        attempts = int(registration.get("attempts", 0)) + 1
        # The retry schedule runs on the minute: the attempt is due in the minute it falls in.
        next_attempt = (now + retry_delay(attempts)).replace(second=0, microsecond=0)
        if next_attempt >= deadline:
            # No attempt fits in the rest of the local day: give up when the day ends (A8).
            return self._finish(
                registration,
                AutoCreationStatus.RETRYING,
                next_attempt_at=None,
                due_at=deadline,
                reason="The Ads platform did not answer; if it stays so until the end of your "
                "ad account's day, please create a LIVE GMV Max campaign yourself.",
            )
        return self._finish(
            registration, AutoCreationStatus.RETRYING, next_attempt_at=next_attempt, due_at=next_attempt
        )

    def _finish(
        self,
        registration: dict[str, Any],
        status: AutoCreationStatus,
        *,
        attempted: bool = True,
        campaign: Campaign | None = None,
        campaign_record: dict[str, Any] | None = None,
        next_attempt_at: datetime | None = None,
        due_at: datetime | None = None,
        reason: str | None = None,
    ) -> AutoCreationStatus:
        attempts = int(registration.get("attempts", 0)) + (1 if attempted else 0)
        changes: dict[str, Any] = {
            "status": status.value,
            "reason": reason or REASONS[status],
            "attempts": attempts,
            "next_attempt_at": next_attempt_at.isoformat() if next_attempt_at else None,
            "last_attempt_at": self._clock.now().isoformat(),
        }
        if campaign is not None:
            changes["campaign"] = campaign.model_dump(mode="json")
        due = utc_iso(due_at) if due_at else None
        if not self._store.finish_attempt(registration, changes, due_at=due, campaign_record=campaign_record):
            logger.warning("attempt lease lost; its outcome is left to the next attempt")
            latest = self._store.get_registration(
                registration["mission_id"], registration["seller_id"], consistent=True
            )
            if campaign and status is AutoCreationStatus.CREATED and latest and latest["status"] == "OPTED_OUT":
                self._switch_off(latest, campaign)  # A10: the seller opted out while this attempt was creating
            return status
        metrics.add_metric(name=f"AutoCreation_{status.value}", unit="Count", value=1)
        self._publish(registration, changes, status)
        return status

    def _publish(self, registration: dict[str, Any], changes: dict[str, Any], status: AutoCreationStatus) -> None:
        detail = registration_view({**registration, **changes}).model_dump(mode="json")
        if status is AutoCreationStatus.CREATED:
            self._events.publish("CampaignAutoCreated", detail)
        elif status is AutoCreationStatus.FAILED:
            self._events.publish("CampaignAutoCreationFailed", detail)
        elif status is not AutoCreationStatus.RETRYING:
            self._events.publish("CampaignAutoCreationSkipped", detail)

    def opt_out(self, mission_id: str, seller_id: str) -> Registration:
        """A10: no campaign is auto-created for this seller again, and the one created for this mission
        is switched off on the Ads side. Repeating it is harmless; if the Ads platform cannot be reached
        the opt-out still holds and a repeat finishes switching the campaign off."""
        mission_or_not_found(self._store, mission_id)
        registration, campaign = self._record_opt_out(mission_id, seller_id)
        if campaign and campaign.status != "DISABLE":
            self._switch_off(registration, campaign)
        latest = self._store.get_registration(mission_id, seller_id, consistent=True)
        return registration_view(latest or registration)

    def _record_opt_out(self, mission_id: str, seller_id: str) -> tuple[dict[str, Any], Campaign | None]:
        while True:  # a concurrent attempt may change the registration between our read and write
            registration = self._store.get_registration(mission_id, seller_id, consistent=True)
            if not registration:
                raise RegistrationNotFound(f"You have not registered for mission {mission_id!r}.")
            campaign = self._auto_campaign_of(registration)
            if registration["status"] == AutoCreationStatus.OPTED_OUT:
                return registration, campaign
            changes: dict[str, Any] = {
                "status": AutoCreationStatus.OPTED_OUT.value,
                "reason": REASONS[AutoCreationStatus.OPTED_OUT],
                "next_attempt_at": None,
            }
            if campaign:
                changes["campaign"] = campaign.model_dump(mode="json")
            if self._store.opt_out(registration, changes, self._clock.now().isoformat()):
                self._publish(registration, changes, AutoCreationStatus.OPTED_OUT)
                return {**registration, **changes}, campaign

    def _auto_campaign_of(self, registration: dict[str, Any]) -> Campaign | None:
        """The campaign auto-created for this registration, if any. While an attempt may have created
        one without recording it yet, the Ads platform is asked (by the campaign's name, A5)."""
        recorded = registration.get("campaign")
        if recorded:
            campaign = Campaign.model_validate(recorded)
            return campaign if campaign.origin is CampaignOrigin.AUTO else None
        if registration["status"] not in (AutoCreationStatus.PENDING, AutoCreationStatus.RETRYING):
            return None
        mission = mission_or_not_found(self._store, registration["mission_id"])
        planned, _ = self._plan(mission, registration, self._clock.now())
        try:
            found = [c for c in self._live_campaigns(registration) if c.campaign_name == planned.campaign_name]
        except AdsError as error:
            raise AdsPlatformUnavailable("The Ads platform cannot be reached right now; please try again.") from error
        if not found:
            return None
        return planned.model_copy(update={"campaign_id": found[0].campaign_id, "status": found[0].operation_status})

    def _switch_off(self, registration: dict[str, Any], campaign: Campaign) -> None:
        try:
            self._ads.disable_campaign(campaign.advertiser_id or registration["advertiser_id"], campaign.campaign_id)
        except AdsError as error:
            raise AdsPlatformUnavailable(
                "Your opt-out is recorded, but the campaign could not be switched off yet; please try again."
            ) from error
        switched_off = campaign.model_copy(update={"status": "DISABLE"}).model_dump(mode="json")
        self._store.set_registration_campaign(registration["mission_id"], registration["seller_id"], switched_off)

    def retry_due(self, limit_per_shard: int = 200) -> int:
        """A8: attempts every registration whose next attempt is due, shard by shard (no Scan)."""
        now = self._clock.now()
        attempted = 0
        for shard in range(self._store.retry_shards):
            for mission_id, seller_id in self._store.due_registrations(shard, now, limit_per_shard):
                if self.attempt(mission_id, seller_id) is not None:
                    attempted += 1
        return attempted
