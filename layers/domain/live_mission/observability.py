"""One logger and one metrics sink for the whole service (Powertools). The service name and the metrics
namespace come from the environment template.yaml sets (POWERTOOLS_SERVICE_NAME,
POWERTOOLS_METRICS_NAMESPACE): written once, there."""

from __future__ import annotations

from enum import StrEnum

from aws_lambda_powertools import Logger, Metrics

from .ads import AdsNotReached, AdsQuotaBusy, AdsRejected, AdsThrottled, AdsTransientError, AdsUnreachable
from .eligibility import BLOCKER_CODES
from .models import AutoCreationStatus
from .records import RegistrationRecord

logger = Logger()
metrics = Metrics()


class Metric(StrEnum):
    """Every metric the service emits; the operations dashboard in template.yaml shows only these
    (a test compares them)."""

    REGISTRATIONS = "Registrations"
    AUTO_CREATION_ATTEMPT_FAILED = "AutoCreationAttemptFailed"
    ADS_LATENCY = "AdsLatency"
    REWARDS_GRANTED = "RewardsGranted"
    EVENTS_PUBLISHED = "EventsPublished"
    ACTIVITY_REFUSED = "ActivityRefused"

    @staticmethod
    def blocked(code: str) -> str:
        return f"Blocked_{code}"

    @staticmethod
    def auto_creation(status: AutoCreationStatus) -> str:
        return f"AutoCreation_{status.value}"

    @staticmethod
    def ads_error(kind: type[Exception]) -> str:
        return f"AdsError_{kind.__name__}"


def emitted_metric_names() -> set[str]:
    """Every name the code can emit, the composed ones spelled out."""
    return {
        *(m.value for m in Metric),
        *(Metric.blocked(code) for code in BLOCKER_CODES),
        *(Metric.auto_creation(status) for status in AutoCreationStatus),
        *(
            Metric.ads_error(kind)
            for kind in (AdsNotReached, AdsQuotaBusy, AdsUnreachable, AdsThrottled, AdsTransientError, AdsRejected)
        ),
    }


def follow(registration: RegistrationRecord) -> None:
    """Logs what follows under the correlation id of the request that registered the seller."""
    if registration.correlation_id:
        logger.set_correlation_id(registration.correlation_id)
    logger.append_keys(mission_id=registration.mission_id, seller_id=registration.seller_id)


def correlation_id() -> str:
    return logger.get_correlation_id() or ""
