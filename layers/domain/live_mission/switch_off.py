"""The seller's opt-out (A10): recorded at once, whatever the Ads platform does; never auto-created again for
this seller; the campaign created for the mission switched off, now if the Ads platform can, else by the
service itself later (the seller never repeats the opt-out).

The switch-off is a piece of work on the registration like an attempt: it holds the lease, finds the
campaign by its name if its creation was never recorded, and is tried again while the platform cannot do it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .ads import AdsError, AdsQuotaBusy
from .ads_quota import Purpose
from .decisions import SWITCH_OFF_RETRY_DELAY, on_the_minute, ours
from .errors import RegistrationNotFound
from .models import AutoCreationStatus, CampaignOrigin, ReasonCode
from .observability import Metric, count, logger
from .outcomes import due_again, nothing_due, switched_off
from .ports import AdsPlatform, Clock, Registrations
from .reconciliation import Reconciler
from .records import KnownCampaign, RegistrationRecord

CREATING = (AutoCreationStatus.PENDING, AutoCreationStatus.RETRYING)
# An attempt may change the registration between the opt-out's read and its write; it tries again.
OPT_OUT_TRIES = 10
HAND_OVER_TRIES = 3


class SwitchOff:
    def __init__(self, registrations: Registrations, ads: AdsPlatform, clock: Clock, reconciler: Reconciler) -> None:
        self._registrations = registrations
        self._ads = ads
        self._clock = clock
        self._reconciler = reconciler

    def record_opt_out(self, mission_id: str, seller_id: str) -> bool:
        """A10: the seller's word, recorded before anything that may fail. Returns whether a campaign may need
        switching off. A seller with no registration is told so and nothing is recorded: their later claim is
        their newer word."""
        seen = self._registrations.get(mission_id, seller_id, consistent=True)
        if seen is None:
            raise RegistrationNotFound(f"You have not registered for mission {mission_id!r}.")
        now = self._clock.now()
        # The fact first: it holds for every later mission even if what follows fails.
        self._registrations.record_fact(seller_id, "opted_out_at", now)
        for _ in range(OPT_OUT_TRIES):
            if seen is None:  # cannot happen: the service never deletes a registration
                raise AssertionError("a registration vanished")
            if seen.auto_creation.status is AutoCreationStatus.OPTED_OUT:
                return seen.campaign.switch_off == "PENDING"
            switching_off = _may_run_a_campaign(seen)
            lease_until = seen.auto_creation.lease_until
            updated = seen.changed(
                auto_creation={
                    "status": AutoCreationStatus.OPTED_OUT,
                    "reason": ReasonCode.SWITCHING_OFF if switching_off else ReasonCode.OPTED_OUT,
                    "next_attempt_at": None,
                    # Dropping the lease (and its token) stops a running attempt from recording anything but
                    # a hand-over.
                    "lease_until": None,
                    "lease_token": None,
                    "due_at": now if switching_off else None,
                },
                campaign={
                    "switch_off": "PENDING" if switching_off else None,
                    "switch_off_after": max(now, lease_until or now) if switching_off else None,
                },
            )
            if self._registrations.save(seen, updated, guard="status"):
                count(Metric.AUTO_CREATION, by=AutoCreationStatus.OPTED_OUT.value)
                return switching_off
            seen = self._registrations.get(mission_id, seller_id, consistent=True)
        return False

    def step(self, leased: RegistrationRecord, now: datetime) -> RegistrationRecord:
        """Switches off the campaign created for this registration, finding it by name if it was never
        recorded; tried again later while the Ads platform cannot do it."""
        if leased.campaign.switch_off != "PENDING":
            return nothing_due(leased)
        known = leased.campaign.known
        if known is None or known.origin is not CampaignOrigin.AUTO:
            try:
                mine = ours(self._reconciler.campaigns_of(leased, Purpose.SWITCH_OFF), _campaign_name(leased))
            except AdsError as error:
                return due_again(leased, _again(now, error))
            if mine is None:
                after = leased.campaign.switch_off_after
                if after and now < after:
                    return due_again(leased, after)  # an attempt dropped by the opt-out may still create
                return switched_off(leased, None, now)  # nothing was ever created
            known = self._reconciler.mark_ours(leased, mine)
        try:
            self._ads.disable_campaign(
                known.advertiser_id or leased.claim.advertiser_id, known.campaign_id, purpose=Purpose.SWITCH_OFF
            )
        except AdsError as error:
            logger.warning("campaign not switched off yet", extra={"error": str(error), "code": error.code})
            return due_again(leased, _again(now, error), known)
        return switched_off(leased, known, now)

    def hand_over(self, mission_id: str, seller_id: str, known: KnownCampaign) -> bool:
        """An attempt created (or found) a campaign while the seller opted out: the opt-out's switch-off is told
        which campaign it is (A10 over everything). True when it was told and its work is due now."""
        for _ in range(HAND_OVER_TRIES):
            latest = self._registrations.get(mission_id, seller_id, consistent=True)
            if (
                latest is None
                or latest.auto_creation.status is not AutoCreationStatus.OPTED_OUT
                or latest.campaign.known is not None
            ):
                return False
            told = latest.changed(
                auto_creation={"due_at": self._clock.now()}, campaign={"known": known, "switch_off": "PENDING"}
            )
            if self._registrations.save(latest, told, guard="status"):
                return True
        return False


def _may_run_a_campaign(registration: RegistrationRecord) -> bool:
    """Whether a campaign of ours may be running for this registration: one recorded and not off, or an
    attempt that is creating, crashed mid-create or holds the lease now."""
    shown = registration.campaign_shown()
    running = shown is not None and shown.origin is CampaignOrigin.AUTO and shown.status != "DISABLE"
    state = registration.auto_creation
    return running or state.status in CREATING or state.outcome_unknown or state.lease_until is not None


def _again(now: datetime, error: AdsError) -> datetime:
    """When to try a switch-off again: as soon as the quota has a call for it (the sweep's minute: nothing was
    sent, Q2 puts it first), else after the platform's failure has had a while (A10)."""
    if isinstance(error, AdsQuotaBusy):
        return on_the_minute(now + timedelta(seconds=error.retry_after))
    return now + SWITCH_OFF_RETRY_DELAY


def _campaign_name(registration: RegistrationRecord) -> str | None:
    return registration.claim.plan.campaign_name if registration.claim.plan else None
