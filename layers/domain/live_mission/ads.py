"""What the Ads platform answers, as the domain sees it: its errors (by what they mean for a retry) and
the shapes of its account facts and campaigns. The port itself is `ports.AdsPlatform`; the HTTP adapter is
`tiktok_ads.TikTokAdsClient`."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class AdsError(Exception):
    """Any failure of the Ads platform. `outcome_unknown` says whether the platform may have done what
    was asked all the same (a create that timed out may have created the campaign: A5)."""

    outcome_unknown = False

    def __init__(self, message: str, *, code: int | None = None, request_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.request_id = request_id


class AdsNotSent(AdsError):
    """The request was never sent, or never reached the platform (connection refused, the fleet's own quota):
    nothing was done, so trying again is always safe."""


class AdsQuotaBusy(AdsNotSent):
    """The fleet's Ads quota has no call for this purpose within the caller's wait: nothing was sent. The
    platform is fine; the service is busy until `retry_after` seconds from now (the real wait: to the next
    second or minute with room, or to 00:00 UTC when `day_spent`)."""

    def __init__(self, message: str, *, retry_after: float, day_spent: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.day_spent = day_spent


class AdsNoAnswer(AdsError):
    """Sent, but no usable answer came back (read timeout, dropped connection): the platform may have done
    it, so the outcome is unknown."""

    outcome_unknown = True


class AdsThrottled(AdsError):
    """Codes 40016, 40100, 40133: requests made too frequently; nothing was done."""


class AdsTransientError(AdsError):
    """5xxxx codes, 51010 (transient timeout) among them: the platform may or may not have done it."""

    outcome_unknown = True


class AdsRejected(AdsError):
    """4xxxx codes other than throttling: the request itself was refused; nothing was done."""


class AdAccount(BaseModel):
    model_config = ConfigDict(extra="ignore")

    advertiser_id: str
    status: str = ""
    owner: str = "SELLER"
    payment_ready: bool = False
    timezone: str | None = None
    currency: str | None = None


class SellerAdsAccount(BaseModel):
    """The Shop Ads account facts of one seller (the sandbox's `/shop_ads/account/status/`)."""

    model_config = ConfigDict(extra="ignore")

    seller_id: str
    store_id: str | None = None
    identity_id: str | None = None
    country: str | None = None
    industry: str | None = None
    official_account: bool = False
    ads_permission: bool = False
    ad_accounts: list[AdAccount] = Field(default_factory=list)
    avg_daily_spend_14d: Decimal | None = None


class AdsCampaign(BaseModel):
    """A LIVE GMV Max campaign as the Ads platform lists it."""

    model_config = ConfigDict(extra="ignore")

    campaign_id: str
    campaign_name: str = ""
    advertiser_id: str = ""
    operation_status: str = ""
    store_id: str = ""
    gmv_max_promotion_type: str = ""  # LIVE_GMV_MAX for a LIVE GMV Max campaign (PRODUCT_GMV_MAX otherwise)

    @property
    def is_active(self) -> bool:
        return self.operation_status == "ENABLE"

    @property
    def is_live_gmv_max(self) -> bool:
        return self.gmv_max_promotion_type == "LIVE_GMV_MAX"
