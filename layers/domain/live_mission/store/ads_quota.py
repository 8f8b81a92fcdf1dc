"""The fleet's Ads quota ledger: one counter item per window of wall-clock seconds (see ads_quota.py).

A lease is one unconditional ADD that returns the new total: the writes are serialised on the item,
so the total before this one is the new total less what it asked, and the grant is what of the quota
was still free then. Grants in a window therefore never add up to more than the quota, with no
condition to fail and no read. A write applied twice (botocore retries one whose answer was lost)
only counts calls nobody sends: wasted, never over the quota. Items expire by TTL a day later.
"""

from __future__ import annotations

from ..ads_quota import WINDOW_SECONDS, granted
from ..ports import StorageBusy
from .dynamo import Table, Update

KEPT_SECONDS = 24 * 3600


class AdsQuotaLedger:
    def __init__(self, table: Table) -> None:
        self._table = table

    def lease(self, window: int, calls_per_second: int, quota: int) -> int:
        """The calls a second granted; 0 when none are left, or when DynamoDB kept refusing (nothing is
        sent then: the caller's Ads call counts as throttled, which is always safe to retry)."""
        key = {"pk": f"ADS_QUOTA#{window}", "sk": "LEASES"}
        update = (
            Update()
            .add("leased", calls_per_second)
            .add("leases", 1)  # how many containers asked, and how often: the quota's contention, for operators
            .set("expires_at", (window + 1) * WINDOW_SECONDS + KEPT_SECONDS)
        )
        try:
            after = self._table.update(key, update, returning="UPDATED_NEW")
        except StorageBusy:
            return 0
        assert after is not None  # an update without a condition is never refused
        return granted(calls_per_second, int(after["leased"]) - calls_per_second, quota)
