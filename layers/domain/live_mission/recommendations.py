"""ROI tiers (O1): benchmarks of similar authors by country, industry and timing.

Rule: the tiers are the 25th, 50th and 75th percentiles (nearest rank) of the ROI that authors in the
cohort achieved, to two decimals. A cohort counts from 20 authors; a smaller one falls back to the
country's authors of every industry at the same timing, then to ROI 2.0 for every tier. The timing is
`campaign` while the mission's campaign period runs, else `normal`. A new deployment has no benchmark.
"""

from __future__ import annotations

import math
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from .campaign_settings import DEFAULT_ROAS_BID
from .models import Contract, Mission, Money
from .store import MissionStore

Timing = Literal["normal", "campaign"]
MINIMUM_COHORT = 20
TIER_PERCENTILES = (25, 50, 75)
_CENTS = Decimal("0.01")

AuthorRoi = Annotated[Decimal, Field(gt=0, le=1000, max_digits=12, decimal_places=4)]


class BenchmarkUpload(Contract):
    """What an operator loads: the achieved ROI of similar authors."""

    author_rois: list[AuthorRoi] = Field(min_length=1, max_length=2000)


class Cohort(BaseModel):
    country: str
    industry: str | None
    timing: Timing
    authors: int


class RoiRecommendation(BaseModel):
    tiers: list[Money]
    source: Literal["BENCHMARK_COHORT", "BENCHMARK_COUNTRY", "DEFAULT"]
    cohort: Cohort

    @property
    def highest(self) -> Decimal:
        return self.tiers[-1]


def timing_at(mission: Mission, moment: datetime) -> Timing:
    return "campaign" if mission.campaign_starts_at <= moment < mission.campaign_ends_at else "normal"


def percentile(values: list[Decimal], percent: int) -> Decimal:
    """Nearest-rank percentile: the smallest value with at least `percent` % of values at or below it."""
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1].quantize(_CENTS, rounding=ROUND_HALF_UP)


def tiers_of(values: list[Decimal]) -> list[Decimal]:
    return [percentile(values, p) for p in TIER_PERCENTILES]


def recommend(store: MissionStore, country: str, industry: str | None, timing: Timing) -> RoiRecommendation:
    """O1: the exact cohort, else the country's, else ROI 2.0."""
    by_industry = store.benchmarks(country, timing)
    exact = by_industry.get(industry or "", [])
    if len(exact) >= MINIMUM_COHORT:
        cohort = Cohort(country=country, industry=industry, timing=timing, authors=len(exact))
        return RoiRecommendation(tiers=tiers_of(exact), source="BENCHMARK_COHORT", cohort=cohort)
    everyone = [roi for rois in by_industry.values() for roi in rois]
    if len(everyone) >= MINIMUM_COHORT:
        cohort = Cohort(country=country, industry=None, timing=timing, authors=len(everyone))
        return RoiRecommendation(tiers=tiers_of(everyone), source="BENCHMARK_COUNTRY", cohort=cohort)
    cohort = Cohort(country=country, industry=industry, timing=timing, authors=len(everyone))
    return RoiRecommendation(tiers=[DEFAULT_ROAS_BID] * 3, source="DEFAULT", cohort=cohort)
