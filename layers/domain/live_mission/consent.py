"""Informed consent: the preview a seller is shown carries its own identity, and a claim that sends it
back is told which parts of the plan differ now (the local day changed, benchmarks were loaded...).

A preview writes nothing, so its id is the shown plan itself, compact and encoded: `pv1.` followed by
base64url JSON of the fields compared. It is not a secret: a seller who edits it only changes which
differences their own registration lists.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from .decisions import Outlook
from .errors import ValidationFailed
from .models import CampaignPlan

PREFIX = "pv1."
# What the seller agrees to, field by field (the campaign's settings and whether one is created at all).
COMPARED = (
    "auto_creation",
    "start_time_utc",
    "start_time_local",
    "timezone",
    "roas_bid",
    "budget",
    "promotion_days",
    "key_live_mode",
    "aigc_remix",
    "creative_mode",
)


def shown(outlook: Outlook, plan: CampaignPlan | None) -> dict[str, Any]:
    """The compared fields of a preview or a claim, as JSON values."""
    fields: dict[str, Any] = {
        "auto_creation": {
            "would_create": outlook.would_create,
            "status": outlook.status.value if outlook.status else None,
        }
    }
    campaign = plan.model_dump(mode="json") if plan and outlook.would_create else {}
    for name in COMPARED[1:]:
        fields[name] = campaign.get(name)
    return fields


def preview_id(fields: dict[str, Any]) -> str:
    packed = json.dumps([fields[name] for name in COMPARED], separators=(",", ":"), sort_keys=True)
    return PREFIX + base64.urlsafe_b64encode(packed.encode()).decode().rstrip("=")


def read_preview_id(text: str) -> dict[str, Any]:
    """The fields a preview showed; a malformed id is the client's mistake (400), never a crash."""
    try:
        if not text.startswith(PREFIX):
            raise ValueError("unknown prefix")
        encoded = text.removeprefix(PREFIX)
        values = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
        if not isinstance(values, list) or len(values) != len(COMPARED):
            raise ValueError("wrong shape")
    except (ValueError, binascii.Error, RecursionError) as error:
        raise ValidationFailed(
            "preview_id is not one this service gave out; send the preview_id of GET .../campaign-preview.",
            fields=[{"field": "body.preview_id", "message": "not a preview id", "type": "value_error"}],
        ) from error
    return dict(zip(COMPARED, values, strict=True))


def differences(shown_then: dict[str, Any], shown_now: dict[str, Any]) -> list[str]:
    return [name for name in COMPARED if shown_then.get(name) != shown_now.get(name)]
