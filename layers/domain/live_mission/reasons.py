"""What auto-creation tells the seller, by reason code: the words live here and only here (the store keeps
the code, the registration shows both)."""

from __future__ import annotations

from .models import AutoCreationStatus, ReasonCode

_CREATE_YOURSELF = "Please create a LIVE GMV Max campaign yourself in Seller Center -> Shop Ads."

# What each reason code says to the seller.
REASONS: dict[ReasonCode, str] = {
    ReasonCode.REGISTERED: "Registered. Your LIVE GMV Max campaign is being created automatically.",
    ReasonCode.CREATED: "Your LIVE GMV Max campaign was created; it goes live at 08:00 tomorrow, your ad account's "
    "time.",
    ReasonCode.EXISTING_CAMPAIGN: "You already have an active LIVE GMV Max campaign, so none was created.",
    ReasonCode.ROOM_WITHDRAWN: "Your LIVE room was withdrawn from LIVE GMV Max, so no campaign is created "
    f"automatically. {_CREATE_YOURSELF}",
    ReasonCode.CAMPAIGN_STOPPED: "A campaign created for you earlier was stopped, so no campaign is created "
    f"automatically. {_CREATE_YOURSELF}",
    ReasonCode.OPTED_OUT: "You opted out of the automatically created campaign.",
    ReasonCode.SWITCHING_OFF: "You opted out of the automatically created campaign. We are switching it off on the "
    "Ads side and keep trying until it is off; you don't need to do anything.",
    ReasonCode.ADS_PLATFORM_FAILED: "The Ads platform did not answer; we will try again automatically today.",
    ReasonCode.LAST_CHANCE_TODAY: "The Ads platform did not answer; if it stays so until the end of your ad "
    "account's day, please create a LIVE GMV Max campaign yourself.",
    ReasonCode.NOT_CREATED_TODAY: f"We could not create your campaign today. {_CREATE_YOURSELF}",
    ReasonCode.WAITING_FOR_ADS_QUOTA: "Very many campaigns are being created right now; yours is in line and will "
    "be created automatically as soon as the Ads platform's request quota allows.",
    ReasonCode.ADS_QUOTA_USED_UP: "Your campaign could not be created today because the Ads platform's request "
    f"quota for today was used up, not because of anything you did. {_CREATE_YOURSELF}",
    ReasonCode.STILL_LOOKING: "We could not confirm today whether your campaign was created, because the Ads "
    "platform did not answer. We keep checking and will update this; please don't create another campaign "
    "until then.",
}
# The reason a status has unless something more specific is known.
STANDARD_REASON: dict[AutoCreationStatus, ReasonCode] = {
    AutoCreationStatus.PENDING: ReasonCode.REGISTERED,
    AutoCreationStatus.CREATED: ReasonCode.CREATED,
    AutoCreationStatus.SKIPPED_EXISTING_CAMPAIGN: ReasonCode.EXISTING_CAMPAIGN,
    AutoCreationStatus.SKIPPED_WITHDRAWN: ReasonCode.ROOM_WITHDRAWN,
    AutoCreationStatus.SKIPPED_STOPPED: ReasonCode.CAMPAIGN_STOPPED,
    AutoCreationStatus.OPTED_OUT: ReasonCode.OPTED_OUT,
    AutoCreationStatus.RETRYING: ReasonCode.ADS_PLATFORM_FAILED,
    AutoCreationStatus.FAILED: ReasonCode.NOT_CREATED_TODAY,
}
