"""Auto-creation decisions (A2-A4, A8, A10) as pure functions: what the preview, the claim and every
attempt decide from what they know. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .ads import AdsCampaign
from .models import AutoCreationStatus
from .reasons import REASONS, STANDARD_REASON
from .records import SellerFacts

FIRST_RETRY_DELAY = timedelta(minutes=15)  # A8
SECOND_RETRY_DELAY = timedelta(minutes=30)
LATER_RETRY_DELAY = timedelta(minutes=60)
# After the give-up, the service keeps looking (never creating) until the Ads platform answers (A8).
LOOK_AGAIN_DELAY = timedelta(minutes=15)
# While a campaign must be switched off after an opt-out, the service keeps trying (A10).
SWITCH_OFF_RETRY_DELAY = timedelta(minutes=5)
# Q4: how long what the Ads platform said of a seller is reused by the next step of the app's flow. Ten minutes
# covers eligibility, preview, claim and the first attempt in one sitting, and is safe: an eligible account
# reused lets through at worst a seller who lost permission or payment in those minutes, whose create the
# platform then refuses (nothing spent, retried and failed as any refusal); a listing that found no active
# campaign is reused only that long before the first create, so A2 holds for every campaign made up to ten
# minutes before the claim. A fact that blocks is never reused: one who just fixed a blocker sees it at once.
ACCOUNT_FACTS_REUSE = timedelta(minutes=10)
CLEAR_LISTING_REUSE = timedelta(minutes=10)

WOULD_CREATE = "A LIVE GMV Max campaign would be created for you, with the settings below."
BLOCKED = "Clear every blocker first: no campaign can be created before you can claim the mission."


def retry_delay(attempts: int) -> timedelta:
    """A8: 15 minutes after the first failure, then 30, then every 60."""
    if attempts <= 1:
        return FIRST_RETRY_DELAY
    if attempts == 2:
        return SECOND_RETRY_DELAY
    return LATER_RETRY_DELAY


def on_the_minute(moment: datetime) -> datetime:
    """The retry schedule runs on the minute: work is due in the minute it falls in."""
    return moment.replace(second=0, microsecond=0)


@dataclass(frozen=True)
class Outlook:
    """What auto-creation would do for a seller now (the preview; the claim's consent)."""

    would_create: bool
    status: AutoCreationStatus | None
    reason: str


def outlook_of(facts: SellerFacts, campaigns: list[AdsCampaign]) -> Outlook:
    """A10, A3, A4, then A2: the first that holds decides; else a campaign would be created."""
    decided = facts.decision()
    if decided is not None:
        return Outlook(False, decided, REASONS[STANDARD_REASON[decided]])
    if any(c.is_active for c in campaigns):
        status = AutoCreationStatus.SKIPPED_EXISTING_CAMPAIGN
        return Outlook(False, status, REASONS[STANDARD_REASON[status]])
    return Outlook(True, None, WOULD_CREATE)


def ours(campaigns: list[AdsCampaign], campaign_name: str | None) -> AdsCampaign | None:
    """The campaign the service created for this registration, found by its deterministic name (A5)."""
    return next((c for c in campaigns if campaign_name and c.campaign_name == campaign_name), None)


def serving_store(campaigns: list[AdsCampaign], store_id: str | None) -> list[AdsCampaign]:
    """An agency account may serve several shops: only this seller's store counts."""
    return [c for c in campaigns if not store_id or not c.store_id or c.store_id == store_id]
