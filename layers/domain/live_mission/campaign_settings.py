"""The settings of an auto-created campaign (A6) and the budget suggestion (O2)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, time
from decimal import ROUND_CEILING, Decimal
from typing import Any

from .local_time import advertiser_zone, next_day_at, tiktok_utc
from .models import Campaign, CampaignOrigin, Mission, PromotionDays

GO_LIVE_AT = time(8, 0)  # A6: 08:00 on the next calendar day, advertiser's local time
DEFAULT_ROAS_BID = Decimal("2.0")  # A6, O1: when no recommendation exists
PROMOTION_ROAS_REDUCTION_PERCENT = Decimal(10)  # A6: ROI -10 % on promotion days
PROMOTION_BUDGET_INCREASE_PERCENT = Decimal(50)  # A6: auto-budget +50 %, once
PROMOTION_INCREASE_LIMIT = 1
CREATIVE_MODE = "ALL_VIDEOS_OF_ACCOUNT"  # A6: creative management captures every video of the account

# O2: the market minimum daily budget of a LIVE GMV Max campaign, per currency; others use USD's.
MARKET_MINIMUM_DAILY_BUDGET = {
    "USD": Decimal(20),
    "IDR": Decimal(100_000),
    "THB": Decimal(500),
    "MYR": Decimal(80),
    "PHP": Decimal(1_000),
    "VND": Decimal(400_000),
    "SGD": Decimal(25),
    "GBP": Decimal(15),
    "EUR": Decimal(20),
    "MXN": Decimal(350),
}
BUDGET_HISTORY_MULTIPLIER = Decimal("1.2")  # O2: 20 % headroom over the seller's recent average


def suggested_daily_budget(avg_daily_spend_14d: Decimal | None, currency: str | None) -> Decimal:
    """O2: 1.2 x the seller's average daily LIVE ad spend over the last 14 days, rounded up to a whole
    unit, never below the market minimum for the currency (a seller without history gets the minimum)."""
    minimum = MARKET_MINIMUM_DAILY_BUDGET.get((currency or "USD").upper(), MARKET_MINIMUM_DAILY_BUDGET["USD"])
    if not avg_daily_spend_14d or avg_daily_spend_14d <= 0:
        return minimum
    suggestion = (Decimal(avg_daily_spend_14d) * BUDGET_HISTORY_MULTIPLIER).to_integral_value(rounding=ROUND_CEILING)
    return max(minimum, suggestion)


def request_id_for(mission_id: str, seller_id: str) -> str:
    """A deterministic request identity per (mission, seller) (A5): every attempt sends the same one."""
    digest = hashlib.sha256(f"{mission_id}\x1f{seller_id}".encode()).digest()
    return str(int.from_bytes(digest[:8], "big") % 10**18)


def campaign_name_for(mission: Mission, seller_id: str) -> str:
    """The name marks the campaign as this mission's for this seller, so a create call that timed out
    but succeeded is found on the next attempt instead of repeated (A5)."""
    return f"LIVE GMV Max Mission {mission.mission_id} #{request_id_for(mission.mission_id, seller_id)}"


def planned_campaign(
    mission: Mission,
    registration: dict[str, Any],
    zone_name: str | None,
    roas_bid: Decimal,
) -> tuple[Campaign, dict[str, Any]]:
    """The campaign A6 asks for, and the create request that says it to the Ads platform."""
    account = registration.get("account") or {}
    zone = advertiser_zone(zone_name)
    registered_at = datetime.fromisoformat(registration["registered_at"])
    starts_local = next_day_at(registered_at, zone, GO_LIVE_AT)
    budget = suggested_daily_budget(account.get("avg_daily_spend_14d"), account.get("currency") or mission.currency)
    promotion = PromotionDays(
        enabled=True,
        roas_reduction_percent=PROMOTION_ROAS_REDUCTION_PERCENT,
        budget_increase_percent=PROMOTION_BUDGET_INCREASE_PERCENT,
        increase_limit=PROMOTION_INCREASE_LIMIT,
        starts_on=mission.campaign_starts_at.astimezone(zone).date().isoformat(),
        ends_on=mission.campaign_ends_at.astimezone(zone).date().isoformat(),
    )
    official = bool(account.get("official_account"))
    campaign = Campaign(
        campaign_id="",
        origin=CampaignOrigin.AUTO,
        status="ENABLE",
        advertiser_id=registration["advertiser_id"],
        campaign_name=campaign_name_for(mission, registration["seller_id"]),
        start_time_utc=starts_local.astimezone(UTC),
        start_time_local=starts_local.isoformat(),
        timezone=zone_name or "UTC",
        roas_bid=roas_bid,
        budget=budget,
        promotion_days=promotion,
        key_live_mode=False,  # A6: Key LIVE mode off
        aigc_remix=official,  # A6: AIGC remix only for an official account
        creative_mode=CREATIVE_MODE,
    )
    request = {
        "request_id": request_id_for(mission.mission_id, registration["seller_id"]),
        "advertiser_id": registration["advertiser_id"],
        "store_id": account.get("store_id"),
        "campaign_name": campaign.campaign_name,
        "shopping_ads_type": "LIVE",
        "optimization_goal": "VALUE",
        "identity_list": [
            {"identity_id": account.get("identity_id"), "identity_type": "TTS_TT", "store_id": account.get("store_id")}
        ],
        "roas_bid": float(roas_bid),
        "budget": float(budget),
        "schedule_type": "SCHEDULE_FROM_NOW",  # no end time (A6, A9)
        "schedule_start_time": tiktok_utc(starts_local),
        "promotion_days": {
            "is_enabled": True,
            "roas_bid_multiplier": int(100 - PROMOTION_ROAS_REDUCTION_PERCENT),
            "auto_schedule_enabled": True,
            "budget_increase_percent": int(PROMOTION_BUDGET_INCREASE_PERCENT),
            "increase_limit": PROMOTION_INCREASE_LIMIT,
            "custom_schedule_list": [{"start_date": promotion.starts_on, "end_date": promotion.ends_on}],
        },
        "key_live_mode_enabled": False,
        "aigc_remix_enabled": official,
        "product_video_specific_type": "AUTO_SELECTION",
        "creative_mode": CREATIVE_MODE,
    }
    return campaign, request
