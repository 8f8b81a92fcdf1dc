"""Campaign auto-creation (A1-A10): one LIVE GMV Max campaign per registered seller, at most once,
retried through the advertiser's local day of registration when the Ads platform fails.

Every piece of work on a registration is an attempt that holds its lease: creating (until the day
ends), looking for a campaign whose creation may have succeeded unseen (after the day ends, until
the Ads platform answers: reconciliation.py), or switching a campaign off after an opt-out (until it is
off: switch_off.py). The registration's `due_at` says when the next piece of work is due; the retry
sweep finds it there.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from .ads import AdsCampaign, AdsError, AdsQuotaBusy
from .ads_quota import creating
from .campaign_settings import create_request
from .decisions import CLEAR_LISTING_REUSE, ours
from .missions import mission_or_not_found
from .models import AutoCreationStatus, CampaignOrigin, Registration
from .observability import Metric, count, follow, logger
from .outcomes import attempted, held_by_quota, nothing_due, opted_out_after_all, retry_later, settled
from .ports import AdsFacts, AdsPlatform, Clock, Missions, Registrations
from .reconciliation import Reconciler
from .records import RegistrationRecord
from .switch_off import CREATING, SwitchOff

# A lease outlives any attempt (a few Ads calls with bounded timeouts), so two never overlap.
ATTEMPT_LEASE = timedelta(minutes=2)
SWEEP_PAGE = 50
SWEEP_MARGIN_SECONDS = 30  # no attempt starts with less of the invocation left


class AutoCreator:
    def __init__(
        self, missions: Missions, registrations: Registrations, ads: AdsPlatform, clock: Clock, facts: AdsFacts
    ) -> None:
        self._missions = missions
        self._registrations = registrations
        self._ads = ads
        self._clock = clock
        self._facts = facts
        self._reconciler = Reconciler(registrations, ads, facts)
        self._switch_off = SwitchOff(registrations, ads, clock, self._reconciler)
        self.quota_held = False  # the last attempt was held back by the Ads quota (Q3)

    # --- one attempt ----------------------------------------------------------------------------

    def attempt(self, mission_id: str, seller_id: str) -> AutoCreationStatus | None:
        """Does the work due on a registration, if any and if no other attempt holds it. At most one
        create call (A8); None when there was nothing to do (A5: redeliveries and repeats do nothing)."""
        now = self._clock.now()
        self.quota_held = False
        claimed = self._registrations.claim_attempt(mission_id, seller_id, now, now + ATTEMPT_LEASE)
        if claimed is None:
            return None
        leased, interrupted = claimed
        follow(leased.mission_id, leased.seller_id, leased.claim.correlation_id)
        state = leased.auto_creation
        # An attempt that started and never finished may have created a campaign before it died.
        unknown = state.outcome_unknown or interrupted
        # A8's give-up ends the retries, never the first attempt (A1): a claim in the last seconds of the local
        # day still gets its attempt when the trigger arrives after midnight.
        retried = state.attempts > 0 or state.held_by_quota or interrupted
        if state.status is AutoCreationStatus.OPTED_OUT:
            updated = self._switch_off.step(leased, now)
        elif state.status is AutoCreationStatus.FAILED or (
            state.status in CREATING and now >= state.retry_deadline and retried
        ):
            updated = self._reconciler.look(leased, unknown, now)
        elif state.status in CREATING:
            updated = self._create_unless_one_exists(leased, unknown, now)
        else:  # nothing is due on a settled registration; the index entry was left over
            updated = nothing_due(leased)
        return self._finish(leased, updated, now)

    def _create_unless_one_exists(self, leased: RegistrationRecord, unknown: bool, now: datetime) -> RegistrationRecord:
        attempt = attempted(leased)
        plan = leased.claim.plan
        purpose = creating(plan.start_time_utc if plan else None, now)  # the soonest start first (Q2)
        try:
            facts = self._reconciler.facts_after_waiting_reports(leased.seller_id, purpose)
            decided = facts.decision()  # A10, A3, A4
            if decided is not None and not unknown:
                return settled(attempt, decided)  # nothing of ours can exist: no need to ask the Ads platform
            clear = _listing_still_clear(leased, unknown, now)
            campaigns = [] if clear else self._reconciler.campaigns_of(leased, purpose)
        except AdsQuotaBusy as busy:
            return self._held(leased, now, busy)
        except AdsError as error:
            return self._failed(attempt, now, unknown=unknown, error=error)
        mine = ours(campaigns, plan.campaign_name if plan else None)
        if mine is not None:  # A5: an earlier create that timed out did succeed; record it, never repeat it
            created = self._reconciler.record_ours(attempt, mine)
            return opted_out_after_all(created, now) if decided is AutoCreationStatus.OPTED_OUT else created
        if decided is not None:
            return settled(attempt, decided)
        active = [c for c in campaigns if c.is_active]
        if active:  # A2
            return self._reconciler.record_existing(attempt, active[0])
        if plan is None:  # a registration always has its plan; if not, nobody should pay for a guess
            raise AssertionError(f"registration {leased.mission_id}/{leased.seller_id} has no campaign plan")
        # From here the seller may have an active campaign: a listing that said none no longer holds (A2, Q4),
        # for this mission's later steps or another mission's claim. Forgotten before the create, not after it.
        self._facts.forget_clear_campaigns(leased.seller_id)
        try:
            campaign_id = self._ads.create_live_campaign(
                create_request(plan, leased.mission_id, leased.seller_id, leased.claim.account), purpose=purpose
            )
        except AdsQuotaBusy as busy:  # nothing was sent: no create, no attempt
            return self._held(leased, now, busy)
        except AdsError as error:
            return self._failed(attempt, now, unknown=unknown or error.outcome_unknown, error=error)
        new = AdsCampaign(
            campaign_id=campaign_id,
            campaign_name=plan.campaign_name or "",
            advertiser_id=leased.claim.advertiser_id,
            operation_status="ENABLE",
        )
        return self._reconciler.record_ours(attempt, new)

    def _held(self, leased: RegistrationRecord, now: datetime, busy: AdsQuotaBusy) -> RegistrationRecord:
        self.quota_held = True
        return held_by_quota(leased, now + timedelta(seconds=busy.retry_after))

    def _failed(
        self, attempt: RegistrationRecord, now: datetime, *, unknown: bool, error: AdsError
    ) -> RegistrationRecord:
        logger.warning("auto-creation attempt failed", extra={"error": str(error), "code": error.code})
        count(Metric.AUTO_CREATION_ATTEMPT_FAILED)
        return retry_later(attempt, now, unknown=unknown)

    def _finish(
        self, leased: RegistrationRecord, updated: RegistrationRecord, now: datetime
    ) -> AutoCreationStatus | None:
        updated = updated.changed(auto_creation={"lease_until": None, "last_attempt_at": now})
        if not self._registrations.save(leased, updated, guard="lease"):
            logger.warning("attempt lease lost (the seller opted out meanwhile); its outcome is handed over")
            known = updated.campaign.known
            if (
                known is not None
                and known.origin is CampaignOrigin.AUTO
                and self._switch_off.hand_over(updated.mission_id, updated.seller_id, known)
            ):
                self.attempt(updated.mission_id, updated.seller_id)
            return None
        status = updated.auto_creation.status
        if status is not leased.auto_creation.status:
            count(Metric.AUTO_CREATION, by=status.value)
        return status

    # --- the seller's opt-out (A10) -------------------------------------------------------------

    def opt_out(self, mission_id: str, seller_id: str) -> Registration:
        """A10: recorded at once, whatever the Ads platform does (switch_off.py); the campaign is switched
        off now if the Ads platform can, else by the retry sweep."""
        mission_or_not_found(self._missions, mission_id)
        if self._switch_off.record_opt_out(mission_id, seller_id):
            self.attempt(mission_id, seller_id)
        latest = self._registrations.get(mission_id, seller_id, consistent=True)
        if latest is None:  # cannot happen: the service never deletes a registration
            raise AssertionError("a registration vanished")
        return latest.view()

    # --- the retry sweep (A8) -------------------------------------------------------------------

    def shards_with_work(self) -> list[int]:
        """The retry index shards with work due now (one small read each)."""
        now = self._clock.now()
        return [shard for shard in range(self._registrations.retry_shards) if self._registrations.has_due(shard, now)]

    def sweep(self, shard: int, time_left: Callable[[], float]) -> int:
        """Does the work due in one index shard, page by page, oldest first, until none is left, the Ads quota
        holds an attempt back (every later one would be held too, each a lease and an outcome written for
        nothing), or the invocation's time nearly is. Returns how many attempts did something."""
        now = self._clock.now()
        done, start = 0, None
        while time_left() > SWEEP_MARGIN_SECONDS:
            page, start = self._registrations.due(shard, now, SWEEP_PAGE, start)
            for mission_id, seller_id in page:
                if time_left() <= SWEEP_MARGIN_SECONDS:
                    break
                if self.attempt(mission_id, seller_id) is not None:
                    done += 1
                if self.quota_held:  # the quota has no call for the rest: the next minute's sweep goes on
                    return done
            if start is None:
                break
        return done


def _listing_still_clear(leased: RegistrationRecord, unknown: bool, now: datetime) -> bool:
    """Q4: the first attempt soon after the claim creates without listing again: the listing the claim relied on
    found no active campaign a short while ago, and no create of ours can exist (none was ever sent)."""
    clear_at = leased.claim.campaigns_clear_at
    first = leased.auto_creation.attempts == 0 and not unknown
    return first and clear_at is not None and now - clear_at <= CLEAR_LISTING_REUSE
