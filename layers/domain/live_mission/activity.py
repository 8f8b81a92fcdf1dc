"""Activity in (W1, W2, W6, W7): LIVE sessions (`shop.live`) and LIVE GMV Max spend (`ads.gmvmax`).

Each arrival is kept as a version with the service's own receipt time, never the sender's: a copy of
something already received adds nothing (so it never changes when or whether it counts), and a
restatement adds a version. Which version counts for a mission is decided when progress is read
(progress.py).

Refused before anything is written, each with its reason (W7): implausible figures; activity dated in the
future of its receipt (beyond a few minutes of clock skew) or older than any mission can still count; a
restatement that moves a session by more than a day; spend on an advertiser that is not the seller's, or on a
campaign that is not the seller's LIVE GMV Max campaign as the Ads platform knows it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from .ads_quota import Purpose
from .models import EARLIEST, LATEST, SafeId
from .ports import Activity, AdsPlatform, Registrations
from .records import ActivityVersion

# Plausibility (vouchers are money): what one LIVE session or one day's spend report can be.
LONGEST_SESSION = timedelta(hours=24)
LARGEST_GMV = Decimal("1e13")  # per session, in any currency (IDR and VND included)
LARGEST_SPEND = Decimal("1e12")  # per report
# W7, against the service's clock at receipt: how far ahead a sender's clock may run, and how old activity may
# be (a mission runs at most a year from its campaign's start to its grace period's end).
CLOCK_SKEW = timedelta(minutes=5)
OLDEST = timedelta(days=366)
MOST_MOVED = timedelta(days=1)  # a restatement moves a session's start by at most this


class ActivityRefused(ValueError):
    """Activity the service will not count, with its reason (the ActivityRefused metric's dimension)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason


class _Upstream(BaseModel):
    model_config = ConfigDict(extra="ignore")

    seller_id: SafeId
    sequence: int | None = Field(default=None, ge=0, description="the sender's own ordering of restatements")


class LiveSessionEnded(_Upstream):
    """A LIVE session ended (W1): it counts toward GMV and LIVE minutes when it starts inside the campaign
    period. A copy of a `session_id` counts once; a restatement replaces the figure (W6)."""

    session_id: str = Field(min_length=1, max_length=128)
    room_id: str = Field(min_length=1, max_length=128)
    started_at: AwareDatetime
    ended_at: AwareDatetime
    gmv: Decimal = Field(ge=0, le=LARGEST_GMV, max_digits=18, decimal_places=4)
    currency: str = Field(pattern=r"^[A-Z]{3}$")

    @model_validator(mode="after")
    def _plausible(self) -> LiveSessionEnded:
        if not EARLIEST <= self.started_at < LATEST:
            raise ValueError("started_at is out of range")
        if self.ended_at < self.started_at:
            raise ValueError("ended_at is before started_at")
        if self.ended_at - self.started_at > LONGEST_SESSION:
            raise ValueError("a LIVE session lasts at most 24 hours")
        return self


class SpendReported(_Upstream):
    """A day's LIVE GMV Max spend on one of the seller's campaigns (W2). A copy of a `report_id` counts once;
    a restatement replaces the figure (W6)."""

    report_id: str = Field(min_length=1, max_length=128)
    advertiser_id: str = Field(min_length=1, max_length=128)
    campaign_id: str = Field(min_length=1, max_length=128)
    date: date
    spend: Decimal = Field(ge=0, le=LARGEST_SPEND, max_digits=18, decimal_places=4)
    currency: str = Field(pattern=r"^[A-Z]{3}$")

    @model_validator(mode="after")
    def _plausible(self) -> SpendReported:
        if not EARLIEST.date() <= self.date < LATEST.date():
            raise ValueError("date is out of range")
        return self


def _fingerprint(*parts: object) -> str:
    """The identity of an arrival's content: the same figures give the same fingerprint."""
    text = json.dumps([str(p.normalize()) if isinstance(p, Decimal) else str(p) for p in parts])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def record_session(activity: Activity, session: LiveSessionEnded, received_at: datetime) -> bool:
    """False for a copy of a session already received. A session is one item whatever its restatements say:
    it stays filed under the day it first arrived with (W7)."""
    started = session.started_at
    version = ActivityVersion(
        received_at=received_at,
        sequence=session.sequence,
        gmv=session.gmv,
        started_at=started,
        ended_at=session.ended_at,
        currency=session.currency,
    )
    filed = activity.file_session(session.seller_id, session.session_id, started)
    if abs(started.astimezone(UTC).date() - filed) > MOST_MOVED:
        raise ActivityRefused("MOVED", f"a restatement moves session {session.session_id} by more than a day")
    fingerprint = _fingerprint(
        started.timestamp(), session.ended_at.timestamp(), session.gmv, session.currency, session.sequence
    )
    return activity.record_session(session.seller_id, session.session_id, session.room_id, filed, version, fingerprint)


def record_spend(activity: Activity, report: SpendReported, received_at: datetime) -> bool:
    """False for a copy of a report already received."""
    version = ActivityVersion(
        received_at=received_at,
        sequence=report.sequence,
        spend=report.spend,
        currency=report.currency,
        campaign_id=report.campaign_id,
        advertiser_id=report.advertiser_id,
    )
    fingerprint = _fingerprint(report.spend, report.currency, report.campaign_id, report.advertiser_id, report.sequence)
    return activity.record_spend(report.seller_id, report.report_id, report.date, version, fingerprint)


def check_receipt(moment: datetime, received_at: datetime, what: str, *, until: datetime | None = None) -> None:
    """W7: activity dated (from `moment` to `until`) in the future of its receipt, or older than any mission can
    count, is refused."""
    if (until or moment) > received_at + CLOCK_SKEW:
        raise ActivityRefused("FUTURE", f"{what} is dated after it was received")
    if moment < received_at - OLDEST:
        raise ActivityRefused("TOO_OLD", f"{what} is older than any mission can count")


class Intake:
    """Activity in, checked against its receipt and, for spend, against the seller's own LIVE GMV Max campaigns
    (W2, W7). Telling whose campaign it is may need the Ads platform (AdsError while it cannot answer: the
    delivery is retried); what it said is kept on the campaign's record, so each campaign is asked about once."""

    def __init__(self, activity: Activity, registrations: Registrations, ads: AdsPlatform) -> None:
        self._activity = activity
        self._registrations = registrations
        self._ads = ads

    def session(self, session: LiveSessionEnded, received_at: datetime) -> bool:
        check_receipt(session.started_at, received_at, f"session {session.session_id}", until=session.ended_at)
        return record_session(self._activity, session, received_at)

    def spend(self, report: SpendReported, received_at: datetime) -> bool:
        # A report's date is the advertiser's calendar day, up to a day ahead of UTC (UTC+14).
        dated = datetime.combine(report.date, datetime.min.time(), tzinfo=UTC) - timedelta(days=1)
        check_receipt(dated, received_at, f"spend report {report.report_id}")
        self._check_owned(report)
        return record_spend(self._activity, report, received_at)

    def _check_owned(self, report: SpendReported) -> None:
        """W2, W7: spend counts only on one of the seller's advertisers and on their LIVE GMV Max campaign."""
        seller, advertiser, campaign_id = report.seller_id, report.advertiser_id, report.campaign_id
        known = self._registrations.campaign(seller, campaign_id)
        if known is not None and (known.origin == "AUTO" or known.live_gmv_max):
            if known.advertiser_id in (None, advertiser):
                return
            raise ActivityRefused("NOT_THE_SELLERS_CAMPAIGN", f"campaign {campaign_id} runs on another advertiser")
        advertisers = {a for r in self._registrations.of_seller(seller) for a in r.claim.account.advertiser_ids}
        if advertiser not in advertisers:  # an account added since the claim: ask the Ads platform
            account = self._ads.seller_account(seller, purpose=Purpose.STATUS)
            advertisers = {a.advertiser_id for a in account.ad_accounts}
        if advertiser not in advertisers:
            raise ActivityRefused("NOT_THE_SELLERS_ADVERTISER", f"advertiser {advertiser} is not the seller's")
        found = self._ads.campaign(advertiser, campaign_id, purpose=Purpose.STATUS)
        if found is None or not found.is_live_gmv_max:
            raise ActivityRefused("NOT_THE_SELLERS_CAMPAIGN", f"{campaign_id} is not a LIVE GMV Max campaign of theirs")
        self._registrations.mark_live_gmv_max(seller, campaign_id, advertiser)
