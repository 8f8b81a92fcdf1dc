"""Claiming the mission: eligibility (R3, R6), the campaign preview, and registration (R1, R2, R4, R5),
which fixes the campaign plan the seller consented to (A6)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .ads import AdsCampaign, AdsError, AdsQuotaBusy, SellerAdsAccount
from .ads_quota import WINDOW_SECONDS
from .campaign_settings import budget_derivation, plan_campaign, promotion_day_max
from .consent import differences, preview_id, read_preview_id, shown
from .decisions import BLOCKED, Outlook, outlook_of, serving_store
from .eligibility import advertising_account, eligibility_of
from .errors import (
    AdsPlatformUnavailable,
    AuthorizationConsentRequired,
    MissionNotOpen,
    RegistrationBlocked,
    RegistrationNotFound,
    ServiceBusy,
    TermsNotAccepted,
)
from .local_time import advertiser_zone, end_of_local_day
from .missions import known_mission, mission_or_not_found, registration_is_open
from .models import (
    AutoCreationStatus,
    CampaignPlan,
    CampaignPreview,
    Eligibility,
    Mission,
    PreviewAutoCreation,
    Registration,
    RegistrationRequest,
    RoiRecommendation,
    Spend,
)
from .observability import Metric, correlation_id, count, logger
from .ports import AdsPlatform, Clock, Missions, Registrations, SellerViews, Statistics
from .recommendations import recommend, timing_at
from .records import AccountSnapshot, AutoCreationState, Claim, ConsentGiven, RegistrationRecord, SellerFacts

# A registration whose trigger is lost is still picked up by the retry sweep (A1).
SAFETY_NET = timedelta(minutes=5)
UNAVAILABLE = "The Ads platform cannot be reached right now; please try again."
BUSY = "Very many sellers are asking right now; please try again in a moment."


@dataclass(frozen=True)
class Assessment:
    """Everything a claim made now would decide, from the Ads platform's account facts and our own."""

    account: SellerAdsAccount
    eligibility: Eligibility
    roi: RoiRecommendation
    outlook: Outlook
    snapshot: AccountSnapshot | None = None
    advertiser_id: str | None = None
    timezone: str | None = None
    plan: CampaignPlan | None = None


class Registrar:
    """Registers sellers for missions: eligibility, the preview of what a claim would lead to, the claim."""

    def __init__(
        self,
        missions: Missions,
        registrations: Registrations,
        statistics: Statistics,
        ads: AdsPlatform,
        clock: Clock,
        views: SellerViews,
    ) -> None:
        self._missions = missions
        self._registrations = registrations
        self._views = views
        self._statistics = statistics
        self._ads = ads
        self._clock = clock

    def eligibility(self, mission_id: str, seller_id: str) -> Eligibility:
        """R6: the same blockers as registration, without registering."""
        mission_or_not_found(self._missions, mission_id)
        return eligibility_of(self._account(seller_id))

    def preview(self, mission_id: str, seller_id: str) -> CampaignPreview:
        """What a claim now would lead to: blockers, whether a campaign would be created (and if not,
        why), its settings exactly as they would be sent, and what it may spend. Writes nothing."""
        view = self._views.of(mission_id, seller_id)
        mission, registration = known_mission(view.mission, mission_id), view.registration
        found = self._assess(mission, seller_id, view.facts, self._clock.now())
        plan = found.plan if found.outlook.would_create else None
        currency = (found.snapshot.currency if found.snapshot else None) or mission.currency
        budget = plan.budget if plan else None
        return CampaignPreview(
            preview_id=preview_id(shown(found.outlook, found.plan)),
            mission_id=mission_id,
            registered=registration is not None,
            eligible=found.eligibility.eligible,
            blockers=found.eligibility.blockers,
            auto_creation=PreviewAutoCreation(
                would_create=found.outlook.would_create, status=found.outlook.status, reason=found.outlook.reason
            ),
            campaign=plan,
            roi=found.roi,
            spend=Spend(
                currency=currency,
                daily_budget=budget,
                promotion_day_max=promotion_day_max(budget) if budget is not None else None,
                derivation=budget_derivation(found.account.avg_daily_spend_14d, currency),
            ),
        )

    def register(self, mission_id: str, seller_id: str, request: RegistrationRequest) -> tuple[Registration, bool]:
        """Returns the registration and whether it is new (201) or a repeat (200)."""
        view = self._views.of(mission_id, seller_id)
        mission, existing = known_mission(view.mission, mission_id), view.registration
        _check_consent(mission, request)
        shown_then = read_preview_id(request.preview_id) if request.preview_id else None
        if existing:
            return existing.view(), False  # R5: a repeat returns the same registration
        now = self._clock.now()
        if not registration_is_open(mission, now):  # R1
            raise MissionNotOpen(f"Mission {mission_id!r} is not open for registration.")
        found = self._assess(mission, seller_id, view.facts, now)
        if not found.eligibility.eligible:  # R4: blocked, nothing written
            self._count_blocked(mission_id, seller_id, found.eligibility)
            raise RegistrationBlocked(
                "Registration is blocked; resolve every blocker and try again.",
                blockers=[b.model_dump() for b in found.eligibility.blockers],
            )
        record = self._new_registration(mission, seller_id, found, request, shown_then, now)
        if not self._registrations.create(record):
            # R5: a concurrent duplicate won the conditional write; answer with its registration.
            winner = self._registrations.get(mission_id, seller_id, consistent=True)
            if winner is None:  # deleted in between: cannot happen, the service never deletes one
                raise AssertionError("a registration vanished")
            return winner.view(), False
        count(Metric.REGISTRATIONS)
        logger.info("registered", extra={"mission_id": mission_id, "seller_id": seller_id})
        return record.view(), True

    def roi_recommendation(self, mission_id: str, seller_id: str) -> RoiRecommendation:
        """O1 for the calling seller: their country and industry, as registered or as the Ads platform
        knows them now, at the mission's current timing."""
        mission = mission_or_not_found(self._missions, mission_id)
        registered = self._registrations.get(mission_id, seller_id)
        if registered:
            country, industry = registered.claim.account.country, registered.claim.account.industry
        else:
            account = self._account(seller_id)
            country, industry = account.country, account.industry
        return recommend(self._missions, country or mission.country, industry, timing_at(mission, self._clock.now()))

    def registration(self, mission_id: str, seller_id: str) -> Registration:
        view = self._views.of(mission_id, seller_id)
        known_mission(view.mission, mission_id)
        record = view.registration
        if not record:
            raise RegistrationNotFound(f"You have not registered for mission {mission_id!r}.")
        return record.view()

    # --- the assessment a preview shows and a claim fixes ------------------------------------

    def _assess(self, mission: Mission, seller_id: str, facts: SellerFacts, now: datetime) -> Assessment:
        account = self._account(seller_id)
        eligibility = eligibility_of(account)
        country = account.country or mission.country
        roi = recommend(self._missions, country, account.industry, timing_at(mission, now))
        if not eligibility.eligible:
            return Assessment(account, eligibility, roi, Outlook(False, None, BLOCKED))
        ad_account = advertising_account(account)
        snapshot = AccountSnapshot(
            store_id=account.store_id,
            identity_id=account.identity_id,
            country=account.country,
            industry=account.industry,
            official_account=account.official_account,
            avg_daily_spend_14d=account.avg_daily_spend_14d,
            currency=ad_account.currency,
            advertiser_ids=sorted({a.advertiser_id for a in account.ad_accounts}),
        )
        # The advertiser's time zone is decided once, so the start (A6) and the retry day (A8) agree.
        zone = ad_account.timezone or self._ads_call(lambda: self._ads.advertiser_timezone(ad_account.advertiser_id))
        plan = plan_campaign(mission, seller_id, ad_account.advertiser_id, snapshot, zone, now, roi.highest)
        outlook = outlook_of(facts, [])
        if outlook.would_create:  # A2 needs the seller's campaigns only when no fact decided already
            campaigns = self._ads_call(lambda: self._campaigns_of(snapshot))
            outlook = outlook_of(facts, campaigns)
        return Assessment(account, eligibility, roi, outlook, snapshot, ad_account.advertiser_id, zone, plan)

    def _new_registration(
        self,
        mission: Mission,
        seller_id: str,
        found: Assessment,
        request: RegistrationRequest,
        shown_then: dict[str, object] | None,
        now: datetime,
    ) -> RegistrationRecord:
        assert found.snapshot is not None and found.advertiser_id is not None  # an eligible seller has both
        shown_now = shown(found.outlook, found.plan)
        return RegistrationRecord(
            mission_id=mission.mission_id,
            seller_id=seller_id,
            claim=Claim(
                registered_at=now,
                # One correlation id follows the registration through its events, attempts and reward.
                correlation_id=correlation_id(),
                advertiser_id=found.advertiser_id,
                timezone=found.timezone,
                account=found.snapshot,
                consent=ConsentGiven(
                    terms_version=request.terms_version,
                    authorized_live_gmv_max=request.authorize_live_gmv_max,
                    consented_at=now,
                    preview_id=request.preview_id,
                    campaign_planned=found.outlook.would_create and found.plan is not None,
                    differs_from_preview=differences(shown_then, shown_now) if shown_then is not None else [],
                ),
                plan=found.plan,
            ),
            auto_creation=AutoCreationState(
                status=AutoCreationStatus.PENDING,
                # A8: retries run until the advertiser's local day of registration ends.
                retry_deadline=end_of_local_day(now, advertiser_zone(found.timezone)),
                due_at=now + SAFETY_NET,
            ),
        )

    def _count_blocked(self, mission_id: str, seller_id: str, eligibility: Eligibility) -> None:
        for blocker in eligibility.blockers:
            count(Metric.BLOCKED, by=blocker.code)
        try:
            self._statistics.count_blocked(mission_id, seller_id, [b.code for b in eligibility.blockers])
        except Exception:  # noqa: BLE001 - telemetry for operators must never change the seller's answer
            logger.warning("blockers not counted", exc_info=True)

    def _campaigns_of(self, snapshot: AccountSnapshot) -> list[AdsCampaign]:
        campaigns = [c for advertiser_id in snapshot.advertiser_ids for c in self._ads.live_campaigns(advertiser_id)]
        return serving_store(campaigns, snapshot.store_id)

    def _account(self, seller_id: str) -> SellerAdsAccount:
        return self._ads_call(lambda: self._ads.seller_account(seller_id))

    @staticmethod
    def _ads_call[T](call: Callable[[], T]) -> T:
        try:
            return call()
        except AdsQuotaBusy as error:  # the fleet's quota is all in use: busy for a window, nothing written
            raise ServiceBusy(BUSY, retry_after_seconds=WINDOW_SECONDS) from error
        except AdsError as error:  # R4: cannot decide, so nothing is written
            logger.warning("ads platform unavailable", extra={"error": str(error), "code": error.code})
            raise AdsPlatformUnavailable(UNAVAILABLE) from error


def _check_consent(mission: Mission, request: RegistrationRequest) -> None:
    """R2."""
    if not request.accept_terms or request.terms_version != mission.terms_version:
        raise TermsNotAccepted(f"Accept the mission's current terms (version {mission.terms_version!r}) to register.")
    if not request.authorize_live_gmv_max:
        raise AuthorizationConsentRequired("Consent to LIVE GMV Max being enabled for you to register.")
