"""One logger and one metrics sink for the whole service (Powertools)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics

SERVICE = "live-gmv-max-mission"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace="LiveGmvMaxMission", service=SERVICE)


def follow(registration: dict[str, Any]) -> None:
    """Logs what follows under the correlation id of the request that registered the seller."""
    if registration.get("correlation_id"):
        logger.set_correlation_id(str(registration["correlation_id"]))
    logger.append_keys(mission_id=registration.get("mission_id"), seller_id=registration.get("seller_id"))


def correlation_id() -> str:
    return logger.get_correlation_id() or ""
