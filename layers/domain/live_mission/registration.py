"""Claiming the mission: eligibility (R3, R6), the campaign preview, and registration (R1, R2, R4, R5),
which fixes the campaign plan the seller consented to (A6). What the Ads platform says of the seller is
asked through ads_lookup.py, which reuses what the previous step of the app's flow was told (Q4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .ads import SellerAdsAccount
from .ads_lookup import AdsLookup
from .ads_quota import Purpose
from .campaign_settings import budget_derivation, plan_campaign, promotion_day_max
from .consent import differences, preview_id, read_preview_id, shown
from .decisions import BLOCKED, Outlook, outlook_of
from .eligibility import advertising_account, eligibility_of
from .errors import (
    AuthorizationConsentRequired,
    MissionNotOpen,
    RegistrationBlocked,
    RegistrationNotFound,
    TermsNotAccepted,
)
from .local_time import advertiser_zone, end_of_local_day
from .missions import known_mission, registration_is_open
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
from .ports import AdsFacts, AdsPlatform, Clock, Missions, Registrations, SellerViews, Statistics
from .recommendations import recommend, timing_at
from .records import (
    AccountSnapshot,
    AutoCreationState,
    Claim,
    ConsentGiven,
    RegistrationRecord,
    SellerView,
)

# A registration whose trigger is lost is still picked up by the retry sweep (A1).
SAFETY_NET = timedelta(minutes=5)


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
    campaigns_clear_at: datetime | None = None  # the listing a would-be campaign relied on (Q4)


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
        facts: AdsFacts,
    ) -> None:
        self._missions = missions
        self._registrations = registrations
        self._views = views
        self._statistics = statistics
        self._lookup = AdsLookup(ads, facts)
        self._clock = clock

    def eligibility(self, mission_id: str, seller_id: str) -> Eligibility:
        """R6: the same blockers as registration, without registering."""
        view = self._views.of(mission_id, seller_id)
        known_mission(view.mission, mission_id)
        found = eligibility_of(self._lookup.account(seller_id, view.ads_facts, self._clock.now(), Purpose.READ))
        self._count_blocked(mission_id, seller_id, found)
        return found

    def preview(self, mission_id: str, seller_id: str) -> CampaignPreview:
        """What a claim now would lead to: blockers, whether a campaign would be created (and if not,
        why), its settings exactly as they would be sent, and what it may spend. Registers nothing."""
        view = self._views.of(mission_id, seller_id)
        mission, registration = known_mission(view.mission, mission_id), view.registration
        found = self._assess(mission, seller_id, view, self._clock.now(), Purpose.READ)
        self._count_blocked(mission_id, seller_id, found.eligibility)
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
        found = self._assess(mission, seller_id, view, now, Purpose.CLAIM)
        if not found.eligibility.eligible:  # R4: blocked, nothing written (the eligibility route counts blockers)
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
        view = self._views.of(mission_id, seller_id)
        mission, registered, now = known_mission(view.mission, mission_id), view.registration, self._clock.now()
        if registered:
            country, industry = registered.claim.account.country, registered.claim.account.industry
        else:
            account = self._lookup.account(seller_id, view.ads_facts, now, Purpose.READ)
            country, industry = account.country, account.industry
        return recommend(self._missions, country or mission.country, industry, timing_at(mission, now))

    def registration(self, mission_id: str, seller_id: str) -> Registration:
        view = self._views.of(mission_id, seller_id)
        known_mission(view.mission, mission_id)
        record = view.registration
        if not record:
            raise RegistrationNotFound(f"You have not registered for mission {mission_id!r}.")
        return record.view()

    # --- the assessment a preview shows and a claim fixes ------------------------------------

    def _assess(
        self, mission: Mission, seller_id: str, view: SellerView, now: datetime, purpose: Purpose
    ) -> Assessment:
        recent = view.ads_facts
        account = self._lookup.account(seller_id, recent, now, purpose)
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
        zone = self._lookup.zone(seller_id, ad_account.advertiser_id, account, recent, now, purpose)
        plan = plan_campaign(mission, seller_id, ad_account.advertiser_id, snapshot, zone, now, roi.highest)
        outlook, clear_at = outlook_of(view.facts, []), None
        if outlook.would_create:  # A2 needs the seller's campaigns only when no fact decided already
            campaigns, clear_at = self._lookup.campaigns(seller_id, snapshot, recent, now, purpose)
            outlook = outlook_of(view.facts, campaigns)
        return Assessment(account, eligibility, roi, outlook, snapshot, ad_account.advertiser_id, zone, plan, clear_at)

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
                campaigns_clear_at=found.campaigns_clear_at if found.outlook.would_create else None,
            ),
            auto_creation=AutoCreationState(
                status=AutoCreationStatus.PENDING,
                # A8: retries run until the advertiser's local day of registration ends.
                retry_deadline=end_of_local_day(now, advertiser_zone(found.timezone)),
                due_at=now + SAFETY_NET,
            ),
        )

    def _count_blocked(self, mission_id: str, seller_id: str, eligibility: Eligibility) -> None:
        """For operators: the blockers the app's eligibility check and preview showed a seller (each look counts).
        Counted where the answer is 200, never on a refused claim: a 4xx changes nothing."""
        if eligibility.eligible:
            return
        for blocker in eligibility.blockers:
            count(Metric.BLOCKED, by=blocker.code)
        try:
            self._statistics.count_blocked(mission_id, seller_id, [b.code for b in eligibility.blockers])
        except Exception:  # noqa: BLE001 - telemetry for operators must never change the seller's answer
            logger.warning("blockers not counted", exc_info=True)


def _check_consent(mission: Mission, request: RegistrationRequest) -> None:
    """R2."""
    if not request.accept_terms or request.terms_version != mission.terms_version:
        raise TermsNotAccepted(f"Accept the mission's current terms (version {mission.terms_version!r}) to register.")
    if not request.authorize_live_gmv_max:
        raise AuthorizationConsentRequired("Consent to LIVE GMV Max being enabled for you to register.")
