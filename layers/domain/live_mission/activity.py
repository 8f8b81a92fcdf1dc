"""Activity in (W1, W2, W6): LIVE sessions (`shop.live`) and LIVE GMV Max spend (`ads.gmvmax`).

Each arrival is kept as a version with the service's own receipt time, never the sender's: a copy of
something already received adds nothing (so it never changes when or whether it counts), and a
restatement adds a version. Which version counts for a mission is decided when progress is read
(progress.py). Implausible figures are refused before anything is written.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta
from decimal import Decimal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from .models import EARLIEST, LATEST, SafeId
from .ports import Activity
from .records import ActivityVersion

# Plausibility (vouchers are money): what one LIVE session or one day's spend report can be.
LONGEST_SESSION = timedelta(hours=24)
LARGEST_GMV = Decimal("1e13")  # per session, in any currency (IDR and VND included)
LARGEST_SPEND = Decimal("1e12")  # per report


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
    """False for a copy of a session already received."""
    version = ActivityVersion(
        received_at=received_at,
        sequence=session.sequence,
        gmv=session.gmv,
        ended_at=session.ended_at,
        currency=session.currency,
    )
    started = session.started_at
    fingerprint = _fingerprint(
        started.timestamp(), session.ended_at.timestamp(), session.gmv, session.currency, session.sequence
    )
    return activity.record_session(
        session.seller_id, session.session_id, session.room_id, started, version, fingerprint
    )


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
