"""The HTTP adapter of the Ads port: TikTok API for Business v1.3 shapes (docs/contract.md).

That API answers almost everything with HTTP 200 and signals failure in the envelope's `code`
(0 success, 4xxxx client errors, 5xxxx service errors), so this client branches on `code`.
The access token is read through a provider on every call and never logged.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import urllib3
from aws_lambda_powertools.metrics import MetricUnit

from .ads import (
    AdsCampaign,
    AdsError,
    AdsNoAnswer,
    AdsNotSent,
    AdsRejected,
    AdsThrottled,
    AdsTransientError,
    SellerAdsAccount,
)
from .ads_quota import AdsQuota, Purpose
from .observability import Metric, count

API_PREFIX = "/open_api/v1.3"
ADVERTISERS_PER_CALL = 100  # /advertiser/info/ takes up to 100 ids
# Each path's operation: the name the quota's endpoint limits and the sandbox's controls use.
OPERATIONS = {
    "/shop_ads/account/status/": "account_status",
    "/advertiser/info/": "advertiser_info",
    "/gmv_max/campaign/get/": "list_campaigns",
    "/campaign/gmv_max/info/": "campaign_info",
    "/campaign/gmv_max/create/": "create_campaign",
    "/campaign/status/update/": "update_campaign_status",
}
THROTTLED_CODES = frozenset({40016, 40100, 40133})
LIVE_PROMOTION_TYPE = "LIVE_GMV_MAX"
PAGE_SIZE = 50


class TikTokAdsClient:
    def __init__(
        self,
        base_url: str,
        access_token: Callable[[], str],
        *,
        connect_timeout: float = 2.0,
        read_timeout: float = 5.0,
        http: urllib3.PoolManager | None = None,
        quota: AdsQuota | None = None,
        max_wait_seconds: float = 1.0,
    ) -> None:
        self._base_url = base_url.rstrip("/") + API_PREFIX
        self._quota = quota
        self._max_wait_seconds = max_wait_seconds
        self._access_token = access_token
        self._timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
        self._http = http or urllib3.PoolManager(maxsize=10)

    # --- the port -----------------------------------------------------------------------------

    def seller_account(self, seller_id: str, *, purpose: Purpose) -> SellerAdsAccount:
        data = self._call("GET", "/shop_ads/account/status/", purpose, query={"seller_id": seller_id})
        return SellerAdsAccount.model_validate({"seller_id": seller_id, **data})

    def advertiser_timezones(self, advertiser_ids: list[str], *, purpose: Purpose) -> dict[str, str]:
        """TikTok's batch form: up to 100 advertisers' zones in one call."""
        zones: dict[str, str] = {}
        for start in range(0, len(advertiser_ids), ADVERTISERS_PER_CALL):
            chunk = advertiser_ids[start : start + ADVERTISERS_PER_CALL]
            data = self._call("GET", "/advertiser/info/", purpose, query={"advertiser_ids": chunk})
            for advertiser in data.get("list") or []:
                zone = advertiser.get("timezone") or advertiser.get("display_timezone")
                if zone:
                    zones[str(advertiser.get("advertiser_id"))] = str(zone)
        return zones

    def live_campaigns(self, advertiser_id: str, *, purpose: Purpose) -> list[AdsCampaign]:
        campaigns: list[AdsCampaign] = []
        page = 1
        while True:
            data = self._call(
                "GET",
                "/gmv_max/campaign/get/",
                purpose,
                query={
                    "advertiser_id": advertiser_id,
                    "filtering": {"gmv_max_promotion_types": [LIVE_PROMOTION_TYPE]},
                    "page": page,
                    "page_size": PAGE_SIZE,
                },
            )
            for item in data.get("list") or []:
                campaigns.append(AdsCampaign.model_validate({"advertiser_id": advertiser_id, **item}))
            total_pages = int((data.get("page_info") or {}).get("total_page") or 1)
            if page >= total_pages:
                return campaigns
            page += 1

    def campaign(self, advertiser_id: str, campaign_id: str, *, purpose: Purpose) -> AdsCampaign | None:
        """One campaign of the advertiser, or None when the advertiser has no such campaign."""
        try:
            data = self._call(
                "GET",
                "/campaign/gmv_max/info/",
                purpose,
                query={"advertiser_id": advertiser_id, "campaign_id": campaign_id},
            )
        except AdsRejected:
            return None  # 4xxxx: not this advertiser's campaign (or no such campaign)
        return AdsCampaign.model_validate({"advertiser_id": advertiser_id, **data}) if data else None

    def create_live_campaign(self, request: dict[str, Any], *, purpose: Purpose) -> str:
        data = self._call("POST", "/campaign/gmv_max/create/", purpose, body=request)
        return str(data["campaign_id"])

    def disable_campaign(self, advertiser_id: str, campaign_id: str, *, purpose: Purpose) -> None:
        self._call(
            "POST",
            "/campaign/status/update/",
            purpose,
            body={"advertiser_id": advertiser_id, "campaign_ids": [campaign_id], "operation_status": "DISABLE"},
        )

    # --- the wire ------------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        purpose: Purpose,
        *,
        query: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        started = time.perf_counter()
        operation = OPERATIONS[path]
        try:
            if self._quota is not None:
                # Refused here rather than by the platform: nothing was sent, so retrying is always safe.
                self._quota.admit(purpose, operation, self._max_wait_seconds)
            answer = self._exchange(method, path, query=query, body=body)
        except AdsThrottled:
            if self._quota is not None:
                self._quota.platform_throttled(operation)  # the app's quota is used elsewhere too (Q1)
            count(Metric.ADS_ERROR, by=AdsThrottled.__name__)
            raise
        except AdsError as error:
            count(Metric.ADS_ERROR, by=type(error).__name__)
            raise
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            count(Metric.ADS_LATENCY, elapsed_ms, unit=MetricUnit.Milliseconds)
        if self._quota is not None:
            self._quota.platform_answered()
        return answer

    def _exchange(
        self, method: str, path: str, *, query: dict[str, Any] | None = None, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        headers = {"Access-Token": self._access_token(), "Content-Type": "application/json"}
        fields = {k: v if isinstance(v, str) else json.dumps(v) for k, v in (query or {}).items()}
        try:
            response = self._http.request(
                method,
                self._base_url + path,
                fields=fields if method == "GET" else None,
                body=json.dumps(body, default=str) if body is not None else None,
                headers=headers,
                timeout=self._timeout,
                retries=False,
            )
        except (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError) as error:
            raise AdsNotSent(f"{path}: {type(error).__name__}") from error
        except urllib3.exceptions.HTTPError as error:
            raise AdsNoAnswer(f"{path}: {type(error).__name__}") from error
        try:
            envelope = json.loads(response.data or b"{}")
        except ValueError as error:
            raise AdsNoAnswer(f"{path}: HTTP {response.status} without a JSON envelope") from error
        if not isinstance(envelope, dict) or "code" not in envelope:
            raise AdsNoAnswer(f"{path}: HTTP {response.status} without an envelope code")
        code = int(envelope["code"])
        if code == 0:
            data = envelope.get("data")
            return data if isinstance(data, dict) else {}
        raise _error_for(code, f"{path}: {envelope.get('message', '')}", envelope.get("request_id"))


def _error_for(code: int, message: str, request_id: str | None) -> AdsError:
    if code in THROTTLED_CODES:
        return AdsThrottled(message, code=code, request_id=request_id)
    if code >= 50000:
        return AdsTransientError(message, code=code, request_id=request_id)
    return AdsRejected(message, code=code, request_id=request_id)
