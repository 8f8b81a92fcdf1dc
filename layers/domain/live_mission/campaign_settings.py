"""The settings of an auto-created campaign (A6) and the budget suggestion (O2)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, time, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any

from .local_time import advertiser_zone, next_day_at, tiktok_utc
from .models import CampaignPlan, Mission, PromotionDays
from .records import AccountSnapshot

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


def campaign_name_for(mission_id: str, seller_id: str) -> str:
    """The name marks the campaign as this mission's for this seller: a create that timed out but
    succeeded is found by it on the next attempt instead of repeated (A5), and a status reported for a
    campaign the service has not recorded yet is recognised as the service's own (A3, A4)."""
    return f"LIVE GMV Max Mission {mission_id} #{request_id_for(mission_id, seller_id)}"


def budget_derivation(avg_daily_spend_14d: Decimal | None, currency: str | None) -> str:
    """O2, in words, for the seller who is about to fund it."""
    unit = (currency or "USD").upper()
    minimum = MARKET_MINIMUM_DAILY_BUDGET.get(unit, MARKET_MINIMUM_DAILY_BUDGET["USD"])
    if not avg_daily_spend_14d or avg_daily_spend_14d <= 0:
        return f"No LIVE ad spend in the last 14 days: the market minimum daily budget, {minimum:,} {unit}."
    return (
        f"1.2 x your average daily LIVE ad spend over the last 14 days ({avg_daily_spend_14d:,} {unit}), "
        f"rounded up, and never below the market minimum of {minimum:,} {unit}."
    )


def plan_campaign(
    mission: Mission,
    seller_id: str,
    advertiser_id: str,
    account: AccountSnapshot,
    zone_name: str | None,
    claimed_at: datetime,
    roas_bid: Decimal,
) -> CampaignPlan:
    """A6: the one campaign created for a claim made at `claimed_at`: live at 08:00 on the advertiser's
    next local day, no end, the given target ROI (the highest recommended tier, O1), the budget from
    the seller's history (O2), Promotion Day mode over the campaign dates, Key LIVE off, AIGC remix
    only for an official account, every video of the account captured."""
    zone = advertiser_zone(zone_name)
    starts_local = next_day_at(claimed_at, zone, GO_LIVE_AT)
    return CampaignPlan(
        advertiser_id=advertiser_id,
        campaign_name=campaign_name_for(mission.mission_id, seller_id),
        start_time_utc=starts_local.astimezone(UTC),
        start_time_local=starts_local.isoformat(),
        timezone=zone_name or "UTC",
        roas_bid=roas_bid,
        budget=suggested_daily_budget(account.avg_daily_spend_14d, account.currency or mission.currency),
        promotion_days=PromotionDays(
            enabled=True,
            roas_reduction_percent=PROMOTION_ROAS_REDUCTION_PERCENT,
            budget_increase_percent=PROMOTION_BUDGET_INCREASE_PERCENT,
            increase_limit=PROMOTION_INCREASE_LIMIT,
            starts_on=mission.campaign_starts_at.astimezone(zone).date().isoformat(),
            ends_on=(mission.campaign_ends_at - timedelta(microseconds=1)).astimezone(zone).date().isoformat(),
        ),
        key_live_mode=False,  # A6: Key LIVE mode off
        aigc_remix=account.official_account,  # A6: AIGC remix only for an official account
        creative_mode=CREATIVE_MODE,
    )


def promotion_day_max(budget: Decimal) -> Decimal:
    """The most a Promotion Day may spend: the daily budget plus its one increase (A6)."""
    return budget + (budget * PROMOTION_BUDGET_INCREASE_PERCENT / 100) * PROMOTION_INCREASE_LIMIT


def create_request(plan: CampaignPlan, mission_id: str, seller_id: str, account: AccountSnapshot) -> dict[str, Any]:
    """The create call that says exactly the plan to the Ads platform (TikTok API for Business v1.3)."""
    promotion = plan.promotion_days
    return {
        "request_id": request_id_for(mission_id, seller_id),
        "advertiser_id": plan.advertiser_id,
        "store_id": account.store_id,
        "campaign_name": plan.campaign_name,
        "shopping_ads_type": "LIVE",
        "optimization_goal": "VALUE",
        "identity_list": [
            {"identity_id": account.identity_id, "identity_type": "TTS_TT", "store_id": account.store_id}
        ],
        "roas_bid": float(plan.roas_bid),
        "budget": float(plan.budget),
        "schedule_type": "SCHEDULE_FROM_NOW",  # no end time (A6, A9)
        "schedule_start_time": tiktok_utc(plan.start_time_utc),
        "promotion_days": {
            "is_enabled": promotion.enabled,
            "roas_bid_multiplier": int(100 - promotion.roas_reduction_percent),
            "auto_schedule_enabled": True,
            "budget_increase_percent": int(promotion.budget_increase_percent),
            "increase_limit": promotion.increase_limit,
            "custom_schedule_list": [{"start_date": promotion.starts_on, "end_date": promotion.ends_on}],
        },
        "key_live_mode_enabled": plan.key_live_mode,
        "aigc_remix_enabled": plan.aigc_remix,
        "product_video_specific_type": "AUTO_SELECTION",
        "creative_mode": plan.creative_mode,
    }
