"""Builds the adapters from the validated environment, once per cold start.

Each builder imports what it builds, so a function loads only the modules it uses: the progress
function never imports the Ads client, the missions function never imports auto-creation. That is
most of the difference between a cold start near a bare boto3 handler's and one well above it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING

from .settings import ServiceSettings, load_settings

if TYPE_CHECKING:
    from .auto_creation import AutoCreator
    from .clock import Clock
    from .events import EventBridgePublisher
    from .registration import RegistrationService
    from .rewards import RewardEvaluator
    from .store import MissionStore
    from .tiktok_ads import TikTokAdsClient

ACCESS_TOKEN_CACHE_SECONDS = 300
_container = threading.local()


def per_container[T](build: Callable[[], T]) -> Callable[[], T]:
    """Built once per container and reused while it is warm. Lambda runs one request per container
    at a time on one thread; where several containers share a process (the local stack), each
    thread is one container, and boto3 resources must not be shared across threads."""

    @wraps(build)
    def cached() -> T:
        built: dict[str, object] = _container.__dict__.setdefault("built", {})
        if build.__name__ not in built:
            built[build.__name__] = build()
        return built[build.__name__]  # type: ignore[return-value]

    return cached


def access_token_provider(settings: ServiceSettings) -> Callable[[], str]:
    if settings.ads_access_token_parameter:
        from aws_lambda_powertools.utilities import parameters

        name = settings.ads_access_token_parameter

        def from_parameter_store() -> str:
            # Powertools caches the decrypted value; a rotated token is picked up within the max age.
            return str(parameters.get_parameter(name, decrypt=True, max_age=ACCESS_TOKEN_CACHE_SECONDS))

        return from_parameter_store
    token = settings.ads_access_token
    return token.get_secret_value


@per_container
def clock() -> Clock:
    from .clock import clock_from

    return clock_from(load_settings().clock_file or None)


@per_container
def store() -> MissionStore:
    from .store import MissionStore

    settings = load_settings()
    return MissionStore(settings.table_name, retry_shards=settings.retry_shards, stats_shards=settings.stats_shards)


@per_container
def ads() -> TikTokAdsClient:
    from .request_rate import for_process
    from .tiktok_ads import TikTokAdsClient

    settings = load_settings()
    return TikTokAdsClient(
        settings.ads_base_url,
        access_token_provider(settings),
        connect_timeout=settings.ads_connect_timeout_seconds,
        read_timeout=settings.ads_read_timeout_seconds,
        rate=for_process(settings.ads_requests_per_second) if settings.ads_requests_per_second else None,
        max_wait_seconds=settings.ads_max_wait_seconds,
    )


@per_container
def events() -> EventBridgePublisher:
    from .events import EventBridgePublisher

    return EventBridgePublisher(load_settings().event_bus_name, clock())


@per_container
def registration_service() -> RegistrationService:
    from .registration import RegistrationService

    return RegistrationService(store(), ads(), clock(), events())


@per_container
def auto_creator() -> AutoCreator:
    from .auto_creation import AutoCreator

    return AutoCreator(store(), ads(), clock(), events())


@per_container
def reward_evaluator() -> RewardEvaluator:
    from .rewards import RewardEvaluator

    return RewardEvaluator(store(), clock(), events())


def new_container() -> None:
    """Forgets everything built, as a cold start would (tests change the environment between cases)."""
    _container.__dict__.clear()
    load_settings.cache_clear()
