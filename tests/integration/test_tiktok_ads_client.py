"""The Ads HTTP adapter against the sandbox, and the sandbox against TikTok's own SDK."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from live_mission.ads import AdsNoAnswer, AdsNotSent, AdsRejected, AdsThrottled, AdsTransientError
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
    account = client.seller_account("S1")
    assert account.ads_permission and account.ad_accounts[0].advertiser_id == "A1"
    assert client.advertiser_timezone("A1") == "Etc/GMT+8"
    assert [c.campaign_id for c in client.live_campaigns("A1")] == ["C1"]


@pytest.mark.parametrize(
    ("mode", "error"),
    [("throttle", AdsThrottled), ("error", AdsTransientError), ("timeout", AdsNoAnswer)],
)
def test_faults_become_typed_errors(
    client: TikTokAdsClient, sandbox: tuple[AdsSandbox, str], mode: str, error: type[Exception]
) -> None:
    sandbox[0].state.add_fault("account_status", mode, 1)
    with pytest.raises(error):
        client.seller_account("S1")
    assert client.seller_account("S1").seller_id == "S1"  # the fault was used up


def test_a_missing_token_is_rejected_not_retried(sandbox: tuple[AdsSandbox, str]) -> None:
    with pytest.raises(AdsRejected) as raised:
        TikTokAdsClient(sandbox[1], lambda: "").seller_account("S1")
    assert raised.value.code == 40104
    assert raised.value.outcome_unknown is False


def test_a_platform_never_reached_did_nothing_and_a_timeout_may_have() -> None:
    with pytest.raises(AdsNotSent) as refused:
        TikTokAdsClient("http://127.0.0.1:9", lambda: "t", connect_timeout=0.2).seller_account("S1")
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


def test_the_fleet_keeps_its_quota_and_the_sandbox_its_limit(
    sandbox: tuple[AdsSandbox, str], tables: Callable[[], Table]
) -> None:
    from live_mission.ads_quota import AdsQuota
    from live_mission.store.ads_quota import AdsQuotaLedger

    ads, url = sandbox
    ads.state.reset()
    ads.state.put_seller("S1", eligible_seller("A1"))
    ads.state.rate_limit = 20
    try:
        unlimited = TikTokAdsClient(url, lambda: "token")
        outcomes = []
        for _ in range(60):  # far faster than 20 a second: the platform refuses the excess
            try:
                unlimited.seller_account("S1")
                outcomes.append("ok")
            except AdsThrottled:
                outcomes.append("throttled")
        assert "throttled" in outcomes and ads.state.throttled == outcomes.count("throttled")

        time.sleep(1.05)  # the platform's second that the unlimited client filled is over
        ads.state.accepted_per_second.clear()
        ads.state.throttled = 0
        calls_before = sum(ads.state.calls.values())
        # Three containers, each with its own quota keeper, share one ledger in the table: 20 a second in all.
        ledger = AdsQuotaLedger(tables())
        fleet = [
            TikTokAdsClient(url, lambda: "token", quota=AdsQuota(20, ledger, most=15), max_wait_seconds=10)
            for _ in range(3)
        ]
        with ThreadPoolExecutor(3) as pool:
            list(pool.map(lambda client: [client.seller_account("S1") for _ in range(20)], fleet))
        assert ads.state.throttled == 0 and max(ads.state.accepted_per_second.values()) <= 20

        # A call whose moment is further off than it may wait is refused here, and nothing is sent (the
        # clock stands still, so the second call would have to wait for the next second).
        still = AdsQuota(1, AdsQuotaLedger(tables()), most=1, now=lambda: 5000.5, sleep=lambda _: None)
        impatient = TikTokAdsClient(url, lambda: "token", quota=still, max_wait_seconds=0.1)
        impatient.seller_account("S1")
        with pytest.raises(AdsNotSent, match="client limit"):
            impatient.seller_account("S1")
        assert sum(ads.state.calls.values()) == calls_before + 60 + 1
    finally:
        ads.state.reset()
