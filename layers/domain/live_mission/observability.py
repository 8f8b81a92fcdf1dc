"""One logger and one metrics sink for the whole service (Powertools)."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics

SERVICE = "live-gmv-max-mission"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace="LiveGmvMaxMission", service=SERVICE)
