"""Test helpers shared by the suites: sample missions and sellers in the contract's shapes."""

from __future__ import annotations

import itertools
import json
import socket
from typing import Any

_ids = itertools.count(1)


def unique(prefix: str) -> str:
    """Ids unique within a test run, so tests sharing one local stack never see each other's data."""
    return f"{prefix}{next(_ids)}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def mission_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Mega Campaign 2.2 LIVE Mission",
        "country": "ID",
        "currency": "IDR",
        "terms_version": "v1",
        "registration_opens_at": "2026-02-01T00:00:00+07:00",
        "registration_closes_at": "2026-02-20T00:00:00+07:00",
        "campaign_starts_at": "2026-02-09T00:00:00+07:00",
        "campaign_ends_at": "2026-02-12T00:00:00+07:00",
        "grace_period_days": 3,
        "goals": {"gmv": 1000000, "live_minutes": 600},
        "reward": {"type": "LIVE_VOUCHER", "value": 50000, "description": "Exclusive campaign LIVE voucher"},
    }
    body.update(overrides)
    return body


def eligible_seller(advertiser_id: str, *, account: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
    """A seller the Ads platform lets advertise, with one ad account (`account` changes its fields).
    Seeded campaigns without an `advertiser_id` belong to that account."""
    seller: dict[str, Any] = {
        "store_id": f"store-{advertiser_id}",
        "identity_id": f"identity-{advertiser_id}",
        "country": "ID",
        "industry": "beauty",
        "official_account": False,
        "ads_permission": True,
        "ad_accounts": [
            {
                "advertiser_id": advertiser_id,
                "status": "STATUS_ENABLE",
                "owner": "SELLER",
                "payment_ready": True,
                "timezone": "Asia/Jakarta",
                "currency": "IDR",
                **(account or {}),
            }
        ],
        "avg_daily_spend_14d": 150000,
        "campaigns": [],
    }
    seller.update(overrides)
    return seller


CLAIM = {"accept_terms": True, "terms_version": "v1", "authorize_live_gmv_max": True}


def live_gmv_max_campaigns(listed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A seller's campaigns as the sandbox lists them (`GET /_sandbox/campaigns?seller_id=`), in the order GMV
    Max reporting would put their spend on them: the one the service created first, then their own (W7)."""
    return sorted(listed, key=lambda campaign: campaign["origin"] != "AUTO")


def check_against_schema(event: dict[str, Any]) -> None:
    """Fails when an event out differs from its schema in docs/events/."""
    import jsonschema

    from tools.event_schemas import DIRECTORY

    path = DIRECTORY / f"out.{event['detail-type']}.schema.json"
    assert path.exists(), f"no schema for {event['detail-type']}"
    jsonschema.validate(event, json.loads(path.read_text()), cls=jsonschema.Draft202012Validator)
