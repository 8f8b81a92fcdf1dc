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
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from .campaign_settings import DEFAULT_ROAS_BID
from .models import Cohort, Contract, Mission, Operator, RoiRecommendation, Timestamp
from .ports import Benchmarks, Clock, Missions

Timing = Literal["normal", "campaign"]
MINIMUM_COHORT = 20
TIER_PERCENTILES = (25, 50, 75)
ROI_PLACES = Decimal("0.0001")
MAXIMUM_ROI = Decimal(1000)
_CENTS = Decimal("0.01")


def _roi_figure(value: Any) -> Any:
    """A JSON number as an ROI figure to 4 places: 1.5 + 0.1 arrives as 1.6000000000000001 from any JSON
    library and is kept as 1.6, as a spreadsheet would show it. Text and booleans are not numbers."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError("must be a number")
    figure = Decimal(str(value))
    if not figure.is_finite() or not 0 < figure <= MAXIMUM_ROI:  # checked before rounding: 1e24 cannot round
        raise ValueError(f"must be a number above 0 and at most {MAXIMUM_ROI}")
    return figure.quantize(ROI_PLACES, rounding=ROUND_HALF_UP)


AuthorRoi = Annotated[Decimal, BeforeValidator(_roi_figure), Field(gt=0, le=int(MAXIMUM_ROI))]


class BenchmarkUpload(Contract):
    """What an operator loads: the achieved ROI of similar authors."""

    author_rois: list[AuthorRoi] = Field(min_length=1, max_length=2000)


def timing_at(mission: Mission, moment: datetime) -> Timing:
    return "campaign" if mission.campaign_starts_at <= moment < mission.campaign_ends_at else "normal"


def percentile(values: list[Decimal], percent: int) -> Decimal:
    """Nearest-rank percentile: the smallest value with at least `percent` % of values at or below it."""
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1].quantize(_CENTS, rounding=ROUND_HALF_UP)


def tiers_of(values: list[Decimal]) -> list[Decimal]:
    return [percentile(values, p) for p in TIER_PERCENTILES]


def recommend(benchmarks: Benchmarks, country: str, industry: str | None, timing: Timing) -> RoiRecommendation:
    """O1: the exact cohort, else the country's, else ROI 2.0."""
    by_industry = benchmarks.benchmarks(country, timing)
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


class BenchmarkSaved(Contract):
    country: str
    industry: str
    timing: Timing
    authors: int
    updated_at: Timestamp
    updated_by: str
    updated_by_session: str


def save_benchmark(
    benchmarks: Missions,
    clock: Clock,
    country: str,
    industry: str,
    timing: Timing,
    upload: BenchmarkUpload,
    by: Operator,
) -> BenchmarkSaved:
    at = clock.now()
    benchmarks.put_benchmark(country, industry, timing, upload.author_rois, at, by)
    return BenchmarkSaved(
        country=country,
        industry=industry,
        timing=timing,
        authors=len(upload.author_rois),
        updated_at=at,
        updated_by=by.principal,
        updated_by_session=by.session,
    )
