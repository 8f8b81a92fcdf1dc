"""The Ads HTTP adapter against the sandbox, and the sandbox against TikTok's own SDK."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from live_mission.ads import AdsNoAnswer, AdsNotSent, AdsQuotaBusy, AdsRejected, AdsThrottled, AdsTransientError
from live_mission.ads_quota import Purpose
from live_mission.store.dynamo import Table
from live_mission.tiktok_ads import TikTokAdsClient
from tests.support import eligible_seller
from tools.ads_sandbox.server import AdsSandbox


@pytest.fixture
def client(sandbox: tuple[AdsSandbox, str]) -> TikTokAdsClient:
    ads, url = sandbox
    ads.state.reset()
    ads.state.put_seller(
        "S1",
        eligible_seller(
            "A1",
            ad_accounts=[
                {
                    "advertiser_id": "A1",
                    "status": "STATUS_ENABLE",
                    "owner": "SELLER",
                    "payment_ready": True,
                    "timezone": "Etc/GMT+8",
                }
            ],
            campaigns=[{"campaign_id": "C1", "advertiser_id": "A1", "status": "ENABLE"}],
        ),
    )
    return TikTokAdsClient(url, lambda: "token", read_timeout=0.3)


def test_reads_account_facts_timezone_and_live_campaigns(client: TikTokAdsClient) -> None:
    account = client.seller_account("S1", purpose=Purpose.READ)
    assert account.ads_permission and account.ad_accounts[0].advertiser_id == "A1"
    # TikTok's batch form: several advertisers' zones in one call (an unknown one is left out)
    assert client.advertiser_timezones(["A1", "nobody"], purpose=Purpose.READ) == {"A1": "Etc/GMT+8"}
    assert [c.campaign_id for c in client.live_campaigns("A1", purpose=Purpose.READ)] == ["C1"]


@pytest.mark.parametrize(
    ("mode", "error"),
    [("throttle", AdsThrottled), ("error", AdsTransientError), ("timeout", AdsNoAnswer)],
)
def test_faults_become_typed_errors(
    client: TikTokAdsClient, sandbox: tuple[AdsSandbox, str], mode: str, error: type[Exception]
) -> None:
    sandbox[0].state.add_fault("account_status", mode, 1)
    with pytest.raises(error):
        client.seller_account("S1", purpose=Purpose.READ)
    assert client.seller_account("S1", purpose=Purpose.READ).seller_id == "S1"  # the fault was used up


def test_a_missing_token_is_rejected_not_retried(sandbox: tuple[AdsSandbox, str]) -> None:
    with pytest.raises(AdsRejected) as raised:
        TikTokAdsClient(sandbox[1], lambda: "").seller_account("S1", purpose=Purpose.READ)
    assert raised.value.code == 40104
    assert raised.value.outcome_unknown is False


def test_a_platform_never_reached_did_nothing_and_a_timeout_may_have() -> None:
    with pytest.raises(AdsNotSent) as refused:
        TikTokAdsClient("http://127.0.0.1:9", lambda: "t", connect_timeout=0.2).seller_account(
            "S1", purpose=Purpose.READ
        )
    assert refused.value.outcome_unknown is False
    assert AdsNoAnswer("read timeout").outcome_unknown is True


def test_the_official_sdk_reads_the_sandbox(client: TikTokAdsClient, sandbox: tuple[AdsSandbox, str]) -> None:
    # TikTok's own SDK is an independent client: it sends list parameters as JSON arrays.
    import business_api_client
    from business_api_client.api.account_management_api import AccountManagementApi

    configuration = business_api_client.Configuration()
    configuration.host = sandbox[1]
    api = AccountManagementApi(business_api_client.ApiClient(configuration))
    answer = api.advertiser_info(advertiser_ids=["A1"], access_token="sdk-token")
    rows = answer["data"]["list"] if isinstance(answer, dict) else answer.data["list"]
    assert rows[0]["advertiser_id"] == "A1"
    assert rows[0]["timezone"] == "Etc/GMT+8"


def test_q1_the_fleet_keeps_the_quota_and_slows_by_itself_when_the_platform_refuses(
    sandbox: tuple[AdsSandbox, str], tables: Callable[[], Table]
) -> None:
    from live_mission.ads_quota import AdsQuota, Limits, QuotaLimits
    from live_mission.clock import SystemClock
    from live_mission.store.ads_quota import AdsQuotaLedger

    ads, url = sandbox
    ads.state.reset()
    ads.state.put_seller("S1", eligible_seller("A1"))
    try:
        # Given a platform that refuses beyond 8 calls a second, and a client that keeps no quota: it is refused
        ads.state.set_rate_limit({"requests_per_second": 8})
        unlimited = TikTokAdsClient(url, lambda: "token")
        outcomes = []
        for _ in range(40):
            try:
                unlimited.seller_account("S1", purpose=Purpose.READ)
                outcomes.append("ok")
            except AdsThrottled:
                outcomes.append("throttled")
        assert "throttled" in outcomes and ads.state.throttled == outcomes.count("throttled")

        # When three containers, each its own quota keeper on one ledger in the table, keep 8 a second together
        time.sleep(1.05)  # the platform's second that the unlimited client filled is over
        ads.state.reset_counts()
        ledger = AdsQuotaLedger(tables())
        limits = QuotaLimits(Limits(8, 480, 0))
        fleet = [
            TikTokAdsClient(url, lambda: "token", quota=AdsQuota(limits, ledger, SystemClock()), max_wait_seconds=10)
            for _ in range(3)
        ]
        with ThreadPoolExecutor(3) as pool:
            list(pool.map(lambda c: [c.seller_account("S1", purpose=Purpose.SWITCH_OFF) for _ in range(12)], fleet))

        # Then the platform refused nothing and no second held more than 8
        assert ads.state.throttled == 0 and max(ads.state.accepted_per_second.values()) <= 8

        # When the platform's limit is lower than the fleet's (the app's quota used elsewhere too), Then the
        # fleet slows by itself: after the platform's first refusals it pauses, so few calls are refused
        ads.state.reset_counts()
        ads.state.set_rate_limit({"requests_per_second": 4})
        refused = 0
        for _ in range(24):
            try:
                fleet[0].seller_account("S1", purpose=Purpose.SWITCH_OFF)
            except AdsThrottled:
                refused += 1
        assert refused <= 6 and ads.state.throttled == refused
    finally:
        ads.state.reset()


def test_q3_a_call_the_quota_cannot_serve_in_time_is_refused_here_and_nothing_is_sent(
    sandbox: tuple[AdsSandbox, str], tables: Callable[[], Table]
) -> None:
    from live_mission.ads_quota import AdsQuota, Limits, QuotaLimits
    from live_mission.clock import FixedClock
    from live_mission.store.ads_quota import AdsQuotaLedger

    ads, url = sandbox
    ads.state.reset()
    ads.state.put_seller("S1", eligible_seller("A1"))
    # A clock that stands still at the start of a second: the second call would have to wait for the next one
    now = 5_000_000.01
    quota = AdsQuota(
        QuotaLimits(Limits(1, 60, 0)),
        AdsQuotaLedger(tables()),
        FixedClock(datetime.fromtimestamp(now, UTC)),
        wall=lambda: now,
        sleep=lambda _: None,
    )
    impatient = TikTokAdsClient(url, lambda: "token", quota=quota, max_wait_seconds=0.1)
    impatient.seller_account("S1", purpose=Purpose.CLAIM)
    with pytest.raises(AdsQuotaBusy) as busy:
        impatient.seller_account("S1", purpose=Purpose.CLAIM)
    assert busy.value.retry_after == pytest.approx(0.99) and isinstance(busy.value, AdsNotSent)
    assert sum(ads.state.calls.values()) == 1
