"""O1: ROI tiers from benchmarks, with the fallback chain; O2: the budget suggestion."""

from decimal import Decimal

import pytest

from live_mission.campaign_settings import suggested_daily_budget
from live_mission.recommendations import MINIMUM_COHORT, percentile, recommend, tiers_of


class Benchmarks:
    """An in-memory stand-in for the store's benchmark reads."""

    def __init__(self, by_industry: dict[str, list[Decimal]]) -> None:
        self.by_industry = by_industry

    def benchmarks(self, country: str, timing: str) -> dict[str, list[Decimal]]:
        return self.by_industry if (country, timing) == ("ID", "campaign") else {}


def _rois(count: int, start: str = "1.00") -> list[Decimal]:
    return [Decimal(start) + Decimal("0.10") * i for i in range(count)]


def test_nearest_rank_percentiles() -> None:
    values = [Decimal(v) for v in ("1", "2", "3", "4")]
    assert [percentile(values, p) for p in (25, 50, 75, 100)] == [
        Decimal("1.00"),
        Decimal("2.00"),
        Decimal("3.00"),
        Decimal("4.00"),
    ]
    assert tiers_of(_rois(20)) == [Decimal("1.40"), Decimal("1.90"), Decimal("2.40")]


def test_a_full_cohort_gives_its_own_tiers() -> None:
    store = Benchmarks({"beauty": _rois(MINIMUM_COHORT)})
    answer = recommend(store, "ID", "beauty", "campaign")  # type: ignore[arg-type]
    assert answer.source == "BENCHMARK_COHORT" and answer.cohort.authors == 20
    assert answer.highest == Decimal("2.40")


def test_a_small_cohort_falls_back_to_the_country() -> None:
    store = Benchmarks({"beauty": _rois(5, "5.00"), "fashion": _rois(15)})
    answer = recommend(store, "ID", "beauty", "campaign")  # type: ignore[arg-type]
    assert answer.source == "BENCHMARK_COUNTRY" and answer.cohort.authors == 20 and answer.cohort.industry is None


def test_too_few_authors_anywhere_means_roi_2() -> None:
    store = Benchmarks({"beauty": _rois(19)})
    answer = recommend(store, "ID", "beauty", "campaign")  # type: ignore[arg-type]
    assert answer.source == "DEFAULT" and answer.tiers == [Decimal("2.0")] * 3
    assert recommend(store, "ID", "beauty", "normal").source == "DEFAULT"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("average", "currency", "budget"),
    [
        (None, "IDR", Decimal(100_000)),
        (Decimal(0), "USD", Decimal(20)),
        (Decimal(10), "USD", Decimal(20)),  # 12 is under the market minimum
        (Decimal("100.01"), "USD", Decimal(121)),  # 120.012 rounded up
        (Decimal(150_000), "IDR", Decimal(180_000)),
        (Decimal(50), "XYZ", Decimal(60)),  # unknown currency: USD's minimum
    ],
)
def test_budget_suggestion(average: Decimal | None, currency: str, budget: Decimal) -> None:
    assert suggested_daily_budget(average, currency) == budget
