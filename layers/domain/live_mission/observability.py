"""One logger and one metrics sink for the whole service (Powertools). The service name and the metrics
namespace come from the environment template.yaml sets (POWERTOOLS_SERVICE_NAME,
POWERTOOLS_METRICS_NAMESPACE): written once, there. Knows nothing of the service itself."""

from __future__ import annotations

import warnings
from enum import StrEnum

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric

logger = Logger()
metrics = Metrics()
# Most invocations (every read) have nothing to count: an empty flush is expected, not something to act on.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)


class Metric(StrEnum):
    """Every metric the service emits; the operations dashboard and the alarms in template.yaml use only
    these (a test compares them). A metric's varying part is a dimension (DIMENSIONS), never its name."""

    REGISTRATIONS = "Registrations"
    BLOCKED = "Blocked"
    AUTO_CREATION = "AutoCreation"
    AUTO_CREATION_ATTEMPT_FAILED = "AutoCreationAttemptFailed"
    ADS_LATENCY = "AdsLatency"
    ADS_ERROR = "AdsError"
    REWARDS_GRANTED = "RewardsGranted"
    EVENTS_PUBLISHED = "EventsPublished"
    ACTIVITY_REFUSED = "ActivityRefused"
    ADS_QUOTA_USED_TODAY = "AdsQuotaUsedToday"  # percent of the UTC day's Ads quota the fleet has leased


# What each metric is broken down by, beside the service: the blocker a refused claim met (R3), the status an
# auto-creation reached, the kind of Ads error, why activity was refused.
DIMENSIONS: dict[Metric, str] = {
    Metric.BLOCKED: "code",
    Metric.AUTO_CREATION: "status",
    Metric.ADS_ERROR: "kind",
    Metric.ACTIVITY_REFUSED: "reason",
}


def count(metric: Metric, value: float = 1, *, unit: MetricUnit = MetricUnit.Count, by: str | None = None) -> None:
    """Adds `value` to a metric; `by` is the value of its dimension. A metric with a dimension goes out on its
    own (Powertools' single_metric), so that each value of the dimension is a series of its own."""
    dimension = DIMENSIONS.get(metric)
    if (dimension is None) != (by is None):
        raise ValueError(f"{metric} is counted {'by ' + dimension if dimension else 'without a dimension'}")
    if dimension is None or by is None:
        metrics.add_metric(name=metric.value, unit=unit, value=value)
        return
    with single_metric(
        name=metric.value, unit=unit, value=value, default_dimensions=metrics.default_dimensions
    ) as single:
        single.add_dimension(name=dimension, value=by)


def gauge(metric: Metric, value: float, *, unit: MetricUnit = MetricUnit.Percent) -> None:
    """A reading rather than a count (its dashboard and alarm take the maximum)."""
    metrics.add_metric(name=metric.value, unit=unit, value=value)


def follow(mission_id: str, seller_id: str, correlation_id: str = "") -> None:
    """Logs what follows under the correlation id of the request that registered the seller."""
    if correlation_id:
        logger.set_correlation_id(correlation_id)
    logger.append_keys(mission_id=mission_id, seller_id=seller_id)


def correlation_id() -> str:
    return logger.get_correlation_id() or ""
