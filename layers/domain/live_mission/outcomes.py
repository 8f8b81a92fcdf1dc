"""What a piece of auto-creation work leaves a registration in (A2-A10), as pure functions of the leased
registration: each returns the updated record for the attempt to save under its lease."""

from __future__ import annotations

from datetime import datetime

from .ads import AdsCampaign
from .decisions import on_the_minute, retry_delay
from .models import AutoCreationStatus, CampaignOrigin, ReasonCode
from .reasons import STANDARD_REASON
from .records import CampaignReport, KnownCampaign, RegistrationRecord


def settled(
    leased: RegistrationRecord,
    status: AutoCreationStatus,
    *,
    reason: ReasonCode | None = None,
    known: KnownCampaign | None = None,
    report: CampaignReport | None = None,
    next_attempt_at: datetime | None = None,
    due_at: datetime | None = None,
    outcome_unknown: bool = False,
    held_by_quota: bool = False,
) -> RegistrationRecord:
    """The registration with a new status, its reason, and when (if ever) work on it is due next."""
    campaign: dict[str, object] = {"known": known} if known is not None else {}
    if report is not None:
        campaign["report"] = report
    return leased.changed(
        auto_creation={
            "status": status,
            "reason": reason or STANDARD_REASON[status],
            "next_attempt_at": next_attempt_at,
            "due_at": due_at,
            "outcome_unknown": outcome_unknown,
            "held_by_quota": held_by_quota,
        },
        campaign=campaign,
    )


def held_by_quota(leased: RegistrationRecord, until: datetime) -> RegistrationRecord:
    """Q3: the attempt never reached the Ads platform (the fleet's quota had no call for it): not an attempt
    at creating, not the seller's failure. The same work is due again when the quota has room, or at the end of
    the local day, when the give-up looks (and says the quota was why)."""
    deadline = leased.auto_creation.retry_deadline
    return leased.changed(
        auto_creation={
            "reason": ReasonCode.WAITING_FOR_ADS_QUOTA,
            "next_attempt_at": min(until, deadline),
            "due_at": min(until, deadline),
            "held_by_quota": True,
        }
    )


def attempted(leased: RegistrationRecord) -> RegistrationRecord:
    """A8: `attempts` counts every attempt at creating, the first included."""
    return leased.changed(auto_creation={"attempts": leased.auto_creation.attempts + 1})


def retry_later(attempt: RegistrationRecord, now: datetime, *, unknown: bool) -> RegistrationRecord:
    """A8: retried 15 minutes after the first failure, then 30, then every 60, while the local day lasts; when
    no retry fits, the give-up comes at the day's end."""
    state = attempt.auto_creation
    next_attempt = on_the_minute(now + retry_delay(state.attempts))
    if next_attempt >= state.retry_deadline:
        return settled(
            attempt,
            AutoCreationStatus.RETRYING,
            reason=ReasonCode.LAST_CHANCE_TODAY,
            due_at=state.retry_deadline,
            outcome_unknown=unknown,
        )
    return settled(
        attempt, AutoCreationStatus.RETRYING, next_attempt_at=next_attempt, due_at=next_attempt, outcome_unknown=unknown
    )


def auto_created(leased: RegistrationRecord, found: AdsCampaign) -> KnownCampaign:
    """A campaign of ours, as the registration records it: its name, ad account and settings are the claim's
    plan, so only what the plan cannot say is kept."""
    planned_on = leased.claim.plan.advertiser_id if leased.claim.plan else None
    return KnownCampaign(
        campaign_id=found.campaign_id,
        origin=CampaignOrigin.AUTO,
        status=found.operation_status or "ENABLE",
        advertiser_id=found.advertiser_id if found.advertiser_id not in ("", planned_on) else None,
    )


def opted_out_after_all(created: RegistrationRecord, now: datetime) -> RegistrationRecord:
    """The seller opted out (in another mission) while a create of ours was unseen: it is theirs to have off,
    not on (A10)."""
    return created.changed(
        auto_creation={"status": AutoCreationStatus.OPTED_OUT, "reason": ReasonCode.SWITCHING_OFF, "due_at": now},
        campaign={"switch_off": "PENDING"},
    )


def switched_off(leased: RegistrationRecord, known: KnownCampaign | None, now: datetime) -> RegistrationRecord:
    """A10 done: the campaign is off on the Ads side (or none was ever created), and nothing more is due."""
    campaign: dict[str, object] = {"switch_off": "DONE", "switch_off_after": None}
    if known is not None:
        campaign["known"] = known.model_copy(update={"status": "DISABLE"})
        campaign["report"] = CampaignReport(campaign_id=known.campaign_id, status="DISABLE", changed_at=now)
    return leased.changed(
        auto_creation={"due_at": None, "reason": ReasonCode.OPTED_OUT, "outcome_unknown": False}, campaign=campaign
    )


def nothing_due(leased: RegistrationRecord) -> RegistrationRecord:
    return leased.changed(auto_creation={"due_at": None})


def due_again(leased: RegistrationRecord, at: datetime, known: KnownCampaign | None = None) -> RegistrationRecord:
    return leased.changed(auto_creation={"due_at": at}, campaign={"known": known} if known is not None else None)
