"""The README walkthrough's world: its clock, mission and sellers, so that `make invoke` and the sample
events in `events/` meet the same data on any fresh stack.

It is 02:00 on 9 February 2026 in Jakarta. Mission `mega-2-2` is open; `seller-1` can advertise (ad account
`adv-1`, Asia/Jakarta, with a paused LIVE GMV Max campaign of its own, `cmp-1`, which the sample spend report is
on) and has claimed it; `seller-2` cannot (no permission, no ad account). The sample events are dated before
that moment: the service refuses activity dated after its receipt (W7).
"""

from __future__ import annotations

from typing import Any

import requests

from tests.support import CLAIM, eligible_seller, mission_body

NOW = "2026-02-09T02:00:00+07:00"
MISSION_ID = "mega-2-2"
MISSION: dict[str, Any] = mission_body(name="2.2 Mega Campaign LIVE Mission")  # as the README opens it
SELLERS: dict[str, dict[str, Any]] = {
    "seller-1": eligible_seller(
        "adv-1",
        store_id="store-1",
        identity_id="tt-1",
        official_account=True,
        campaigns=[{"campaign_id": "cmp-1", "status": "DISABLE"}],
    ),
    "seller-2": {"ads_permission": False, "ad_accounts": []},
}


def seed(api_url: str, sandbox_url: str) -> None:
    """Sets the clock, opens the mission, puts the sellers on the Ads side and lets seller-1 claim,
    through the same API the app and operators use; returns once the claim's work is done."""
    http = requests.Session()

    def token(sub: str, role: str | None = None) -> dict[str, str]:
        params = {"sub": sub, **({"role": role} if role else {})}
        answer = http.get(f"{api_url}/_local/token", params=params, timeout=10)
        answer.raise_for_status()
        return {"Authorization": f"Bearer {answer.json()['token']}"}

    http.put(f"{api_url}/_local/clock", json={"now": NOW}, timeout=10).raise_for_status()
    http.put(
        f"{api_url}/admin/missions/{MISSION_ID}", json=MISSION, headers=token("ops", "admin"), timeout=30
    ).raise_for_status()
    for seller_id, state in SELLERS.items():
        http.put(f"{sandbox_url}/_sandbox/sellers/{seller_id}", json=state, timeout=10).raise_for_status()
    claim = http.post(
        f"{api_url}/missions/{MISSION_ID}/registrations", json=CLAIM, headers=token("seller-1"), timeout=60
    )
    if claim.status_code not in (200, 201):
        raise RuntimeError(f"the walkthrough's claim failed: {claim.status_code} {claim.text[:200]}")
    http.post(f"{api_url}/_local/drain", timeout=300).raise_for_status()
