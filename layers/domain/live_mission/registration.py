"""Claiming the mission: eligibility (R3, R6) and registration (R1, R2, R4, R5)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from .ads import AdsError, AdsPlatform, SellerAdsAccount
from .clock import Clock
from .eligibility import advertising_account, eligibility_of
from .errors import (
    AdsPlatformUnavailable,
    AuthorizationConsentRequired,
    MissionNotOpen,
    RegistrationBlocked,
    RegistrationNotFound,
    TermsNotAccepted,
)
from .events import EventPublisher
from .local_time import advertiser_zone, end_of_local_day
from .missions import mission_or_not_found, registration_is_open
from .models import (
    AutoCreation,
    AutoCreationStatus,
    Campaign,
    Eligibility,
    Mission,
    Registration,
    RegistrationRequest,
    utc_iso,
)
from .observability import logger, metrics
from .recommendations import RoiRecommendation, recommend, timing_at
from .store import MissionStore

# A registration whose stream delivery is lost is still picked up by the scheduled retry (A1).
PENDING_SAFETY_NET = timedelta(minutes=5)
PENDING_REASON = "Registered. Your LIVE GMV Max campaign is being created automatically."


class RegistrationService:
    def __init__(self, store: MissionStore, ads: AdsPlatform, clock: Clock, events: EventPublisher) -> None:
        self._store = store
        self._ads = ads
        self._clock = clock
        self._events = events

    def eligibility(self, mission_id: str, seller_id: str) -> Eligibility:
        """R6: the same blockers as registration, without registering."""
        mission_or_not_found(self._store, mission_id)
        return eligibility_of(self._seller_account(seller_id))

    def register(self, mission_id: str, seller_id: str, request: RegistrationRequest) -> tuple[Registration, bool]:
        """Returns the registration and whether it is new (201) or a repeat (200)."""
        mission = mission_or_not_found(self._store, mission_id)
        _check_consent(mission, request)
        existing = self._store.get_registration(mission_id, seller_id)
        if existing:
            return registration_view(existing), False  # R5: a repeat returns the same registration
        now = self._clock.now()
        if not registration_is_open(mission, now):
            raise MissionNotOpen(f"Mission {mission_id!r} is not open for registration.")
        account = self._seller_account(seller_id)
        eligibility = eligibility_of(account)
        if not eligibility.eligible:  # R4: blocked, nothing written
            for blocker in eligibility.blockers:
                metrics.add_metric(name=f"Blocked_{blocker.code}", unit="Count", value=1)
            self._store.count_blocked(mission_id, seller_id, [b.code for b in eligibility.blockers])
            raise RegistrationBlocked(
                "Registration is blocked; resolve every blocker and try again.",
                blockers=[b.model_dump() for b in eligibility.blockers],
            )
        item = _new_registration(mission, seller_id, account, self._advertiser_zone(account), now)
        if not self._store.create_registration(item):
            # R5: a concurrent duplicate won the conditional write; answer with its registration.
            winner = self._store.get_registration(mission_id, seller_id, consistent=True)
            assert winner is not None  # the write failed only because it exists
            return registration_view(winner), False
        metrics.add_metric(name="Registrations", unit="Count", value=1)
        registration = registration_view(item)
        self._events.publish("MissionRegistered", registration.model_dump(mode="json"))
        logger.info("registered", extra={"mission_id": mission_id, "seller_id": seller_id})
        return registration, True

    def roi_recommendation(self, mission_id: str, seller_id: str) -> RoiRecommendation:
        """O1 for the calling seller: their country and industry, as registered or as the Ads platform
        knows them now, at the mission's current timing."""
        mission = mission_or_not_found(self._store, mission_id)
        registered = self._store.get_registration(mission_id, seller_id)
        if registered:
            country, industry = registered["account"].get("country"), registered["account"].get("industry")
        else:
            account = self._seller_account(seller_id)
            country, industry = account.country, account.industry
        return recommend(self._store, country or mission.country, industry, timing_at(mission, self._clock.now()))

    def registration(self, mission_id: str, seller_id: str) -> Registration:
        mission_or_not_found(self._store, mission_id)
        item = self._store.get_registration(mission_id, seller_id)
        if not item:
            raise RegistrationNotFound(f"You have not registered for mission {mission_id!r}.")
        return registration_view(item)

    def _advertiser_zone(self, account: SellerAdsAccount) -> str | None:
        """The advertiser's time zone, decided once per registration so that the start time (A6) and the
        end of the retry day (A8) agree. The account facts carry it; the advertiser info is asked only
        when they do not."""
        ad_account = advertising_account(account)
        if ad_account.timezone:
            return ad_account.timezone
        try:
            return self._ads.advertiser_timezone(ad_account.advertiser_id)
        except AdsError as error:
            raise AdsPlatformUnavailable("The Ads platform cannot be reached right now; please try again.") from error

    def _seller_account(self, seller_id: str) -> SellerAdsAccount:
        try:
            return self._ads.seller_account(seller_id)
        except AdsError as error:  # R4: cannot check eligibility, so nothing is written
            logger.warning("ads platform unavailable", extra={"error": str(error), "code": error.code})
            raise AdsPlatformUnavailable("The Ads platform cannot be reached right now; please try again.") from error


def _check_consent(mission: Mission, request: RegistrationRequest) -> None:
    """R2."""
    if not request.accept_terms or request.terms_version != mission.terms_version:
        raise TermsNotAccepted(f"Accept the mission's current terms (version {mission.terms_version!r}) to register.")
    if not request.authorize_live_gmv_max:
        raise AuthorizationConsentRequired("Consent to LIVE GMV Max being enabled for you to register.")


def _new_registration(
    mission: Mission, seller_id: str, account: SellerAdsAccount, zone_name: str | None, now: datetime
) -> dict[str, Any]:
    ad_account = advertising_account(account)
    return {
        "mission_id": mission.mission_id,
        "seller_id": seller_id,
        "registered_at": now.isoformat(),
        # One correlation id follows the registration through the stream, retries and rewards (logs, events).
        "correlation_id": logger.get_correlation_id() or "",
        "advertiser_id": ad_account.advertiser_id,
        "timezone": zone_name,
        # A snapshot of the account facts the campaign settings need (A6), taken when eligible.
        "account": {
            "store_id": account.store_id,
            "identity_id": account.identity_id,
            "country": account.country,
            "industry": account.industry,
            "official_account": account.official_account,
            "avg_daily_spend_14d": account.avg_daily_spend_14d,
            "currency": ad_account.currency,
            "advertiser_ids": sorted({a.advertiser_id for a in account.ad_accounts}),
        },
        "status": AutoCreationStatus.PENDING.value,
        "reason": PENDING_REASON,
        "attempts": 0,
        # A8: retries run until the advertiser's local day of registration ends.
        "retry_deadline": utc_iso(end_of_local_day(now, advertiser_zone(zone_name))),
        "due_at": utc_iso(now + PENDING_SAFETY_NET),
    }


def registration_view(item: dict[str, Any]) -> Registration:
    """The public registration (SPEC section 3) from its stored item."""
    campaign = item.get("campaign")
    return Registration(
        mission_id=item["mission_id"],
        seller_id=item["seller_id"],
        registered_at=item["registered_at"],
        advertiser_id=item["advertiser_id"],
        auto_creation=AutoCreation(
            status=item["status"],
            reason=item["reason"],
            attempts=int(item.get("attempts", 0)),
            next_attempt_at=item.get("next_attempt_at"),
            campaign=Campaign.model_validate(campaign) if campaign else None,
        ),
    )
