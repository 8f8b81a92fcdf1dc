"""What the Ads platform says of a seller before a claim, asked as few times as the app's flow allows (Q4).

Eligibility, the campaign preview and the claim each need the seller's account facts, the advertising
account's zone and whether an active LIVE GMV Max campaign exists; the first attempt needs the last again.
Each is asked once and reused by the next step for ACCOUNT_FACTS_REUSE / CLEAR_LISTING_REUSE (decisions.py
says why that is safe), so the whole flow costs three calls a seller: the account facts (eligibility), a
listing (preview), the create (the first attempt). Never reused: a fact that blocks the seller (an account
that is not eligible, a listing that found an active campaign): one who just fixed it sees it fixed at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime

from .ads import AdsCampaign, AdsError, AdsQuotaBusy, SellerAdsAccount
from .ads_quota import Purpose
from .decisions import ACCOUNT_FACTS_REUSE, CLEAR_LISTING_REUSE, serving_store
from .eligibility import eligibility_of
from .errors import AdsPlatformUnavailable, ServiceBusy
from .observability import logger
from .ports import AdsFacts, AdsPlatform
from .records import AccountSnapshot, RecentAdsFacts

UNAVAILABLE = "The Ads platform cannot be reached right now; please try again."
QUOTA_BUSY = "Very many sellers are asking the Ads platform right now; please try again after Retry-After seconds."


class AdsLookup:
    def __init__(self, ads: AdsPlatform, facts: AdsFacts) -> None:
        self._ads = ads
        self._facts = facts

    def account(self, seller_id: str, recent: RecentAdsFacts, now: datetime, purpose: Purpose) -> SellerAdsAccount:
        """The seller's account facts: an eligible seller's from a short while ago, else the platform's now
        (remembered when eligible)."""
        known, read_at = recent.account, recent.account_read_at
        fresh = known is not None and read_at is not None and now - read_at <= ACCOUNT_FACTS_REUSE
        if fresh and known is not None and eligibility_of(known).eligible:
            return known
        account = _asked(lambda: self._ads.seller_account(seller_id, purpose=purpose))
        if eligibility_of(account).eligible:
            self._facts.remember_account(seller_id, account, None, now)
        return account

    def zone(
        self,
        seller_id: str,
        advertiser_id: str,
        account: SellerAdsAccount,
        recent: RecentAdsFacts,
        now: datetime,
        purpose: Purpose,
    ) -> str | None:
        """The advertising account's zone: its own when the account facts have it, else as the platform's
        advertiser info says, remembered with the account facts it belongs to."""
        own = next((a.timezone for a in account.ad_accounts if a.advertiser_id == advertiser_id), None)
        if own:
            return own
        reused = recent.account == account and recent.account_read_at is not None
        if reused and recent.zone:
            return recent.zone
        zone = _asked(lambda: self._ads.advertiser_timezones([advertiser_id], purpose=purpose)).get(advertiser_id)
        if zone:  # kept as old as the facts it belongs to
            self._facts.remember_account(seller_id, account, zone, recent.account_read_at if reused else now)  # type: ignore[arg-type]
        return zone

    def campaigns(
        self, seller_id: str, snapshot: AccountSnapshot, recent: RecentAdsFacts, now: datetime, purpose: Purpose
    ) -> tuple[list[AdsCampaign], datetime | None]:
        """The seller's LIVE GMV Max campaigns for their store, and when a listing last found none active (None:
        one is). A listing that found none active a short while ago is reused: nothing is listed."""
        clear_at = recent.campaigns_clear_at
        if clear_at is not None and now - clear_at <= CLEAR_LISTING_REUSE:
            return [], clear_at
        campaigns = serving_store(
            [
                c
                for advertiser_id in snapshot.advertiser_ids
                for c in _asked(lambda a=advertiser_id: self._ads.live_campaigns(a, purpose=purpose))  # type: ignore[misc]
            ],
            snapshot.store_id,
        )
        if any(c.is_active for c in campaigns):
            return campaigns, None
        self._facts.remember_clear_campaigns(seller_id, now)
        return campaigns, now


def _asked[T](call: Callable[[], T]) -> T:
    """An Ads call on a seller's request: what the platform cannot answer now is a 503 with Retry-After, and
    nothing is written (R4)."""
    try:
        return call()
    except AdsQuotaBusy as error:  # the quota is the limit, not the platform: the real wait (Q3)
        raise ServiceBusy(QUOTA_BUSY, retry_after_seconds=max(1, math.ceil(error.retry_after))) from error
    except AdsError as error:
        logger.warning("ads platform unavailable", extra={"error": str(error), "code": error.code})
        raise AdsPlatformUnavailable(UNAVAILABLE) from error
