"""Campaign auto-creation (A1-A10): one LIVE GMV Max campaign per registered seller, at most once,
retried through the advertiser's local day of registration when the Ads platform fails.

Every piece of work on a registration is an attempt that holds its lease: creating (until the day
ends), looking for a campaign whose creation may have succeeded unseen (after the day ends, until
the Ads platform answers), or switching a campaign off after an opt-out (until it is off). The
registration's `due_at` says when the next piece of work is due; the retry sweep finds it there.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from .ads import AdsCampaign, AdsError, AdsPlatform
from .campaign_lifecycle import WITHDRAWN, CampaignReports
from .campaign_settings import create_request
from .clock import Clock
from .decisions import (
    FAILED_STILL_LOOKING,
    LOOK_AGAIN_DELAY,
    OPTED_OUT_SWITCHING_OFF,
    REASONS,
    RETRYING_LAST_CHANCE,
    SWITCH_OFF_RETRY_DELAY,
    on_the_minute,
    ours,
    retry_delay,
    serving_store,
)
from .errors import RegistrationNotFound
from .missions import mission_or_not_found
from .models import AutoCreationStatus, Campaign, CampaignOrigin, Registration
from .observability import Metric, follow, logger, metrics
from .ports import Fact, Missions, Registrations
from .records import CampaignReport, RegistrationRecord

# A lease outlives any attempt (a few Ads calls with bounded timeouts), so two never overlap.
ATTEMPT_LEASE = timedelta(minutes=2)
SWEEP_PAGE = 50
_CREATING = (AutoCreationStatus.PENDING, AutoCreationStatus.RETRYING)
_STOPPED = frozenset({"AUTHORIZATION_CANCELED", "DISABLE", "DELETE"})  # A4, as the registration shows them


class AutoCreator:
    def __init__(self, missions: Missions, registrations: Registrations, ads: AdsPlatform, clock: Clock) -> None:
        self._missions = missions
        self._registrations = registrations
        self._ads = ads
        self._clock = clock
        self._reports = CampaignReports(registrations, ads)

    # --- one attempt ----------------------------------------------------------------------------

    def attempt(self, mission_id: str, seller_id: str) -> AutoCreationStatus | None:
        """Does the work due on a registration, if any and if no other attempt holds it. At most one
        create call (A8); None when there was nothing to do (A5: redeliveries and repeats do nothing)."""
        now = self._clock.now()
        claimed = self._registrations.claim_attempt(mission_id, seller_id, now, now + ATTEMPT_LEASE)
        if claimed is None:
            return None
        leased, interrupted = claimed
        follow(leased)
        # An attempt that started and never finished may have created a campaign before it died.
        unknown = leased.outcome_unknown or interrupted
        if leased.status is AutoCreationStatus.OPTED_OUT:
            updated = self._switch_off_step(leased, now)
        elif leased.status is AutoCreationStatus.FAILED or (
            leased.status in _CREATING and now >= leased.retry_deadline
        ):
            updated = self._look_only(leased, unknown, now)
        elif leased.status in _CREATING:
            updated = self._create_unless_one_exists(leased, unknown, now)
        else:  # nothing is due on a settled registration; the index entry was left over
            updated = leased.model_copy(update={"due_at": None})
        return self._finish(leased, updated, now)

    def _create_unless_one_exists(self, leased: RegistrationRecord, unknown: bool, now: datetime) -> RegistrationRecord:
        attempted = leased.model_copy(update={"attempts": leased.attempts + 1})
        facts = self._registrations.facts(leased.seller_id)
        if facts.reports_to_confirm:  # a stop or withdrawal reported during an Ads outage (A3, A4)
            try:
                for report in facts.reports_to_confirm:
                    self._reports.confirm(leased.seller_id, report)
            except AdsError as error:
                return self._retry_later(attempted, now, unknown=unknown, error=error)
            facts = self._registrations.facts(leased.seller_id)
        decided = facts.decision()  # A10, A3, A4
        if decided is not None and not unknown:
            return self._ended(attempted, decided)  # nothing of ours can exist: no need to ask the Ads platform
        try:
            campaigns = self._campaigns_of(leased)
        except AdsError as error:
            return self._retry_later(attempted, now, unknown=unknown, error=error)
        mine = ours(campaigns, leased.plan.campaign_name if leased.plan else None)
        if mine is not None:  # A5: an earlier create that timed out did succeed; record it, never repeat it
            created = self._created(attempted, mine)
            return self._opted_out_after_all(created, now) if decided is AutoCreationStatus.OPTED_OUT else created
        if decided is not None:
            return self._ended(attempted, decided)
        active = [c for c in campaigns if c.is_active]
        if active:  # A2
            return self._existing(attempted, active[0])
        if leased.plan is None:  # a registration always has its plan; if not, nobody should pay for a guess
            raise AssertionError(f"registration {leased.mission_id}/{leased.seller_id} has no campaign plan")
        try:
            campaign_id = self._ads.create_live_campaign(
                create_request(leased.plan, leased.mission_id, leased.seller_id, leased.account)
            )
        except AdsError as error:
            return self._retry_later(attempted, now, unknown=unknown or error.outcome_unknown, error=error)
        name = leased.plan.campaign_name or ""
        return self._created(
            attempted,
            AdsCampaign(
                campaign_id=campaign_id,
                campaign_name=name,
                advertiser_id=leased.advertiser_id,
                operation_status="ENABLE",
            ),
        )

    def _look_only(self, leased: RegistrationRecord, unknown: bool, now: datetime) -> RegistrationRecord:
        """A8: the give-up at the end of the local day ends creating, not knowing. Campaigns are listed,
        never created, until the Ads platform answers."""
        try:
            campaigns = self._campaigns_of(leased)
        except AdsError:
            # Campaigns could not be listed: keep looking until the Ads platform answers. If a create may have
            # succeeded, one of ours may be running: never tell the seller to create another meanwhile.
            return self._settled(
                leased,
                AutoCreationStatus.FAILED,
                reason=FAILED_STILL_LOOKING if unknown else None,
                due_at=now + LOOK_AGAIN_DELAY,
                outcome_unknown=unknown,
            )
        mine = ours(campaigns, leased.plan.campaign_name if leased.plan else None)
        if mine is not None:
            return self._created(leased, mine)
        active = [c for c in campaigns if c.is_active]
        if active:
            return self._existing(leased, active[0])
        return self._settled(leased, AutoCreationStatus.FAILED)

    def _switch_off_step(self, leased: RegistrationRecord, now: datetime) -> RegistrationRecord:
        """A10: switches off the campaign created for this registration, finding it by name if it was
        never recorded; tried again later while the Ads platform cannot do it."""
        if leased.switch_off != "PENDING":
            return leased.model_copy(update={"due_at": None})
        campaign = leased.effective_campaign()
        if campaign is None or campaign.origin is not CampaignOrigin.AUTO:
            try:
                mine = ours(self._campaigns_of(leased), leased.plan.campaign_name if leased.plan else None)
            except AdsError:
                return leased.model_copy(update={"due_at": now + SWITCH_OFF_RETRY_DELAY})
            if mine is None:
                if leased.switch_off_after and now < leased.switch_off_after:
                    return leased.model_copy(update={"due_at": leased.switch_off_after})  # an attempt may still create
                return self._switched_off(leased, None, now)  # nothing was ever created
            self._registrations.mark_auto_created(
                leased.seller_id, mine.campaign_id, leased.mission_id, mine.advertiser_id
            )
            campaign = self._campaign_of(leased, mine)
        try:
            self._ads.disable_campaign(campaign.advertiser_id or leased.advertiser_id, campaign.campaign_id)
        except AdsError as error:
            logger.warning("campaign not switched off yet", extra={"error": str(error), "code": error.code})
            return leased.model_copy(update={"campaign": campaign, "due_at": now + SWITCH_OFF_RETRY_DELAY})
        return self._switched_off(leased, campaign, now)

    # --- outcomes -------------------------------------------------------------------------------

    def _campaign_of(self, leased: RegistrationRecord, found: AdsCampaign) -> Campaign:
        if leased.plan is None:
            return Campaign(campaign_id=found.campaign_id, origin=CampaignOrigin.AUTO, status=found.operation_status)
        return Campaign.auto_created(leased.plan, found.campaign_id, found.operation_status or "ENABLE")

    def _created(self, leased: RegistrationRecord, found: AdsCampaign) -> RegistrationRecord:
        # Recorded as ours before the registration says so: a status the Ads platform reported before
        # this moment is kept on the record, and comes back here (A3, A4 for a campaign not yet recorded).
        record = self._registrations.mark_auto_created(
            leased.seller_id, found.campaign_id, leased.mission_id, found.advertiser_id or leased.advertiser_id
        )
        report = None
        if record.status and record.status_changed_at:
            report = CampaignReport(
                campaign_id=found.campaign_id, status=record.status, changed_at=record.status_changed_at
            )
            # The report's consumer could not record these facts if it could not tell the campaign was ours
            # (the Ads platform did not answer through the event's retries): they are recorded here.
            fact: Fact | None = (
                "stopped_at" if record.status in _STOPPED else "withdrawn_at" if record.status == WITHDRAWN else None
            )
            if fact is not None:
                self._registrations.record_fact(
                    leased.seller_id, fact, record.status_changed_at, campaign_id=found.campaign_id
                )
        return self._settled(
            leased, AutoCreationStatus.CREATED, campaign=self._campaign_of(leased, found), campaign_report=report
        )

    def _existing(self, leased: RegistrationRecord, active: AdsCampaign) -> RegistrationRecord:
        origin = (
            CampaignOrigin.AUTO
            if active.campaign_id in self._registrations.auto_created_campaign_ids(leased.seller_id)
            else CampaignOrigin.MANUAL
        )
        campaign = Campaign(
            campaign_id=active.campaign_id,
            origin=origin,
            status=active.operation_status,
            advertiser_id=active.advertiser_id,
            campaign_name=active.campaign_name,
        )
        return self._settled(leased, AutoCreationStatus.SKIPPED_EXISTING_CAMPAIGN, campaign=campaign)

    def _ended(self, leased: RegistrationRecord, decided: AutoCreationStatus) -> RegistrationRecord:
        return self._settled(leased, decided)

    def _opted_out_after_all(self, created: RegistrationRecord, now: datetime) -> RegistrationRecord:
        """The seller opted out (in another mission) while a create of ours was unseen: it is theirs to
        have off, not on (A10)."""
        return created.model_copy(
            update={
                "status": AutoCreationStatus.OPTED_OUT,
                "reason": OPTED_OUT_SWITCHING_OFF,
                "switch_off": "PENDING",
                "due_at": now,
            }
        )

    def _switched_off(self, leased: RegistrationRecord, campaign: Campaign | None, now: datetime) -> RegistrationRecord:
        update: dict[str, object] = {
            "switch_off": "DONE",
            "switch_off_after": None,
            "due_at": None,
            "reason": REASONS[AutoCreationStatus.OPTED_OUT],
            "outcome_unknown": False,
        }
        if campaign is not None:
            update["campaign"] = campaign.model_copy(update={"status": "DISABLE"})
            update["campaign_report"] = CampaignReport(
                campaign_id=campaign.campaign_id, status="DISABLE", changed_at=now
            )
        return leased.model_copy(update=update)

    def _retry_later(
        self, attempted: RegistrationRecord, now: datetime, *, unknown: bool, error: AdsError
    ) -> RegistrationRecord:
        logger.warning("auto-creation attempt failed", extra={"error": str(error), "code": error.code})
        metrics.add_metric(name=Metric.AUTO_CREATION_ATTEMPT_FAILED, unit="Count", value=1)
        next_attempt = on_the_minute(now + retry_delay(attempted.attempts))
        if next_attempt >= attempted.retry_deadline:
            # No attempt fits in the rest of the local day: the give-up comes when the day ends (A8).
            return self._settled(
                attempted,
                AutoCreationStatus.RETRYING,
                reason=RETRYING_LAST_CHANCE,
                due_at=attempted.retry_deadline,
                outcome_unknown=unknown,
            )
        return self._settled(
            attempted,
            AutoCreationStatus.RETRYING,
            next_attempt_at=next_attempt,
            due_at=next_attempt,
            outcome_unknown=unknown,
        )

    @staticmethod
    def _settled(
        leased: RegistrationRecord,
        status: AutoCreationStatus,
        *,
        reason: str | None = None,
        campaign: Campaign | None = None,
        campaign_report: CampaignReport | None = None,
        next_attempt_at: datetime | None = None,
        due_at: datetime | None = None,
        outcome_unknown: bool = False,
    ) -> RegistrationRecord:
        update: dict[str, object] = {
            "status": status,
            "reason": reason or REASONS[status],
            "next_attempt_at": next_attempt_at,
            "due_at": due_at,
            "outcome_unknown": outcome_unknown,
        }
        if campaign is not None:
            update["campaign"] = campaign
        if campaign_report is not None:
            update["campaign_report"] = campaign_report
        return leased.model_copy(update=update)

    def _finish(
        self, leased: RegistrationRecord, updated: RegistrationRecord, now: datetime
    ) -> AutoCreationStatus | None:
        updated = updated.model_copy(update={"lease_until": None, "last_attempt_at": now})
        if not self._registrations.save(leased, updated, guard="lease"):
            logger.warning("attempt lease lost (the seller opted out meanwhile); its outcome is handed over")
            if updated.campaign is not None and updated.campaign.origin is CampaignOrigin.AUTO:
                self._hand_over_to_opt_out(updated.mission_id, updated.seller_id, updated.campaign)
            return None
        if updated.status is not leased.status:
            metrics.add_metric(name=Metric.auto_creation(updated.status), unit="Count", value=1)
        return updated.status

    def _hand_over_to_opt_out(self, mission_id: str, seller_id: str, campaign: Campaign) -> None:
        """This attempt created (or found) a campaign while the seller opted out: the opt-out's switch-off
        is told which campaign it is, and does it now (A10 over everything)."""
        for _ in range(3):
            latest = self._registrations.get(mission_id, seller_id, consistent=True)
            if latest is None or latest.status is not AutoCreationStatus.OPTED_OUT or latest.campaign is not None:
                return
            told = latest.model_copy(
                update={"campaign": campaign, "switch_off": "PENDING", "due_at": self._clock.now()}
            )
            if self._registrations.save(latest, told, guard="status"):
                self.attempt(mission_id, seller_id)
                return

    def _campaigns_of(self, registration: RegistrationRecord) -> list[AdsCampaign]:
        advertiser_ids = registration.account.advertiser_ids or [registration.advertiser_id]
        campaigns = [c for advertiser_id in advertiser_ids for c in self._ads.live_campaigns(advertiser_id)]
        return serving_store(campaigns, registration.account.store_id)

    # --- the seller's opt-out (A10) -------------------------------------------------------------

    def opt_out(self, mission_id: str, seller_id: str) -> Registration:
        """A10: recorded at once, whatever the Ads platform does; no campaign is auto-created for this
        seller again; the campaign created for this mission is switched off, now if the Ads platform
        can, else by the service itself later (the seller never has to repeat it)."""
        mission_or_not_found(self._missions, mission_id)
        now = self._clock.now()
        # The fact first: it holds for every later mission even if what follows fails.
        self._registrations.record_fact(seller_id, "opted_out_at", now)
        switching_off = False
        for _ in range(10):  # an attempt may change the registration between our read and our write
            seen = self._registrations.get(mission_id, seller_id, consistent=True)
            if seen is None:
                raise RegistrationNotFound(f"You have not registered for mission {mission_id!r}.")
            if seen.status is AutoCreationStatus.OPTED_OUT:
                switching_off = seen.switch_off == "PENDING"
                break
            campaign = seen.effective_campaign()
            running = campaign is not None and campaign.origin is CampaignOrigin.AUTO and campaign.status != "DISABLE"
            may_have_created = seen.status in _CREATING or seen.outcome_unknown or seen.lease_until is not None
            switching_off = running or may_have_created
            updated = seen.model_copy(
                update={
                    "status": AutoCreationStatus.OPTED_OUT,
                    "reason": OPTED_OUT_SWITCHING_OFF if switching_off else REASONS[AutoCreationStatus.OPTED_OUT],
                    "next_attempt_at": None,
                    # Dropping the lease (and its token) stops a running attempt from recording anything but
                    # a hand-over.
                    "lease_until": None,
                    "lease_token": None,
                    "switch_off": "PENDING" if switching_off else None,
                    "switch_off_after": max(now, seen.lease_until or now) if switching_off else None,
                    "due_at": now if switching_off else None,
                }
            )
            if self._registrations.save(seen, updated, guard="status"):
                metrics.add_metric(name=Metric.auto_creation(AutoCreationStatus.OPTED_OUT), unit="Count", value=1)
                break
        if switching_off:
            self.attempt(mission_id, seller_id)  # now, if the Ads platform can; else the sweep keeps at it
        latest = self._registrations.get(mission_id, seller_id, consistent=True)
        assert latest is not None
        return latest.view()

    # --- the retry sweep (A8) -------------------------------------------------------------------

    def shards_with_work(self) -> list[int]:
        """The retry index shards with work due now (one small read each)."""
        now = self._clock.now()
        return [shard for shard in range(self._registrations.retry_shards) if self._registrations.has_due(shard, now)]

    def sweep(self, shard: int, time_left: Callable[[], float]) -> int:
        """Does the work due in one index shard, page by page, oldest first, until none is left or the
        invocation's time nearly is. Returns how many attempts did something."""
        now = self._clock.now()
        done, start = 0, None
        while time_left() > 30:
            page, start = self._registrations.due(shard, now, SWEEP_PAGE, start)
            for mission_id, seller_id in page:
                if time_left() <= 30:
                    break
                if self.attempt(mission_id, seller_id) is not None:
                    done += 1
            if start is None:
                break
        return done
