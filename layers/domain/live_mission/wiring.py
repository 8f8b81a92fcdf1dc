"""Builds the adapters from the validated environment, once per container (a process: Lambda runs one
invocation at a time in it), and the domain services on them.

Each builder imports what it builds, so a function loads only the modules it uses: the progress
function never imports the Ads client, the missions function never imports auto-creation.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from .settings import ServiceSettings, load_settings

if TYPE_CHECKING:
    from .activity import Intake
    from .ads_quota import QuotaLimits
    from .auto_creation import AutoCreator
    from .campaign_lifecycle import CampaignReports
    from .change_feed import ChangeFeed
    from .ports import Clock
    from .queues import SqsDelivery
    from .registration import Registrar
    from .rewards import RewardEvaluator
    from .store.activity import ActivityStore
    from .store.ads_facts import AdsFactsStore
    from .store.ads_quota import AdsQuotaLedger
    from .store.dynamo import Table
    from .store.missions import MissionStore
    from .store.registrations import RegistrationStore
    from .store.seller_views import SellerViewStore
    from .store.statistics import StatisticsStore
    from .store.stream import StreamImagesOfTheTable
    from .store.vouchers import KmsVoucherSeal
    from .tiktok_ads import TikTokAdsClient

ACCESS_TOKEN_CACHE_SECONDS = 300
_built: list[Any] = []


def per_container[T](build: Callable[[], T]) -> Callable[[], T]:
    """Built on first use and kept while the container is warm."""
    cached = cache(build)
    _built.append(cached)
    return cached


def access_token_provider(settings: ServiceSettings) -> Callable[[], str]:
    if settings.ads_access_token_parameter:
        from aws_lambda_powertools.utilities import parameters

        name = settings.ads_access_token_parameter

        def from_parameter_store() -> str:
            # Powertools caches the decrypted value; a rotated token is picked up within the max age.
            return str(parameters.get_parameter(name, decrypt=True, max_age=ACCESS_TOKEN_CACHE_SECONDS))

        return from_parameter_store
    return settings.ads_access_token.get_secret_value


@per_container
def clock() -> Clock:
    from .clock import clock_from

    return clock_from(load_settings().clock_file or None)


@per_container
def table() -> Table:
    from .store.dynamo import Table

    return Table(load_settings().table_name)


@per_container
def missions() -> MissionStore:
    from .store.missions import MissionStore

    return MissionStore(table())


@per_container
def registrations() -> RegistrationStore:
    from .store.registrations import RegistrationStore

    return RegistrationStore(table(), retry_shards=load_settings().retry_shards)


@per_container
def activity() -> ActivityStore:
    from .store.activity import ActivityStore

    return ActivityStore(table())


@per_container
def statistics() -> StatisticsStore:
    from .store.statistics import StatisticsStore

    return StatisticsStore(table())


@per_container
def quota_limits() -> QuotaLimits:
    from .ads_quota import Limits, QuotaLimits

    settings = load_settings()
    return QuotaLimits(
        Limits(settings.ads_quota_per_second, settings.ads_quota_per_minute, settings.ads_quota_per_day),
        QuotaLimits.parse_endpoints(settings.ads_endpoint_quotas),
    )


@per_container
def quota_ledger() -> AdsQuotaLedger:
    from .store.ads_quota import AdsQuotaLedger

    return AdsQuotaLedger(table())


@per_container
def ads() -> TikTokAdsClient:
    from .ads_quota import AdsQuota
    from .tiktok_ads import TikTokAdsClient

    settings, limits = load_settings(), quota_limits()
    quota = AdsQuota(limits, quota_ledger(), clock(), on_day_used=quota_used_today) if limits.app.any else None
    return TikTokAdsClient(
        settings.ads_base_url,
        access_token_provider(settings),
        connect_timeout=settings.ads_connect_timeout_seconds,
        read_timeout=settings.ads_read_timeout_seconds,
        quota=quota,
        max_wait_seconds=settings.ads_max_wait_seconds,
    )


def quota_used_today(percent: float) -> None:
    """Q3: the share of the day's Ads quota the fleet has used, as a container learns it (alarmed at 80 %)."""
    from .observability import Metric, gauge

    gauge(Metric.ADS_QUOTA_USED_TODAY, percent)


@per_container
def ads_facts() -> AdsFactsStore:
    from .store.ads_facts import AdsFactsStore

    return AdsFactsStore(table())


@per_container
def registrar() -> Registrar:
    from .registration import Registrar

    return Registrar(missions(), registrations(), statistics(), ads(), clock(), seller_views(), ads_facts())


@per_container
def seller_views() -> SellerViewStore:
    from .store.seller_views import SellerViewStore

    return SellerViewStore(table())


@per_container
def auto_creator() -> AutoCreator:
    from .auto_creation import AutoCreator

    return AutoCreator(missions(), registrations(), ads(), clock(), ads_facts())


@per_container
def reward_evaluator() -> RewardEvaluator:
    from .rewards import RewardEvaluator

    return RewardEvaluator(missions(), registrations(), activity(), clock(), voucher_seal(), stream_images())


@per_container
def voucher_seal() -> KmsVoucherSeal:
    from .store.vouchers import KmsVoucherSeal

    return KmsVoucherSeal(load_settings().voucher_key_id)


@per_container
def intake() -> Intake:
    from .activity import Intake

    return Intake(activity(), registrations(), ads())


@per_container
def ingestion_delivery() -> SqsDelivery:
    from .queues import SqsDelivery

    settings = load_settings()
    return SqsDelivery(settings.ingestion_queue_url, settings.ingestion_dead_letter_queue_url)


@per_container
def campaign_reports() -> CampaignReports:
    from .campaign_lifecycle import CampaignReports

    return CampaignReports(registrations(), ads())


@per_container
def stream_images() -> StreamImagesOfTheTable:
    from .store.stream import StreamImagesOfTheTable

    return StreamImagesOfTheTable()


@per_container
def change_feed() -> ChangeFeed:
    from .change_feed import ChangeFeed
    from .eventbridge import EventBridgePublisher

    return ChangeFeed(EventBridgePublisher(load_settings().event_bus_name, clock()), statistics(), stream_images())


@per_container
def start_async() -> Callable[[str, dict[str, Any]], None]:
    """Starts a function with a payload, asynchronously (Lambda queues it, retries it, and answers at once):
    the fan-outs of the retry sweep and of the final reward pass."""
    import json

    import boto3

    client = boto3.client("lambda")

    def start(function: str, payload: dict[str, Any]) -> None:
        client.invoke(FunctionName=function, InvocationType="Event", Payload=json.dumps(payload))

    return start


def sweeps() -> Callable[[int], None]:
    """Starts the retry sweep of one index shard: an asynchronous invocation of auto-creation."""
    function, start = load_settings().auto_creation_function, start_async()
    return lambda shard: start(function, {"retry_shard": shard})


def final_passes() -> Callable[[dict[str, Any]], None]:
    """Starts one shard's final reward pass: an asynchronous invocation of the function itself."""
    function, start = load_settings().function_name, start_async()
    return lambda request: start(function, request)


def new_container() -> None:
    """Forgets everything built, as a cold start would (tests change the environment between cases)."""
    for cached in _built:
        cached.cache_clear()
    load_settings.cache_clear()
