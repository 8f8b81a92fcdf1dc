"""What the Ads platform said of a seller a short while ago (`ports.AdsFacts`, records.RecentAdsFacts), in
its own partition (`ADS_FACTS#<seller>` / `RECENT`), so that the functions that only read the seller's data may
write it without being allowed to write anything the seller owns. Expires a day after it was written (it is
reused for minutes: ads_lookup.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..ads import SellerAdsAccount
from ..models import utc_iso
from .dynamo import Table, Update, to_item

KEPT = timedelta(days=1)


def facts_key(seller_id: str) -> dict[str, str]:
    return {"pk": f"ADS_FACTS#{seller_id}", "sk": "RECENT"}


class AdsFactsStore:
    def __init__(self, table: Table) -> None:
        self._table = table

    def remember_account(self, seller_id: str, account: SellerAdsAccount, zone: str | None, at: datetime) -> None:
        update = Update().set("account", to_item(account)).set("account_read_at", utc_iso(at))
        update.set("zone", zone) if zone else update.remove("zone")
        self._table.update(facts_key(seller_id), update.set("expires_at", int((at + KEPT).timestamp())))

    def forget_clear_campaigns(self, seller_id: str) -> None:
        self._table.update(facts_key(seller_id), Update().remove("campaigns_clear_at"))

    def remember_clear_campaigns(self, seller_id: str, at: datetime) -> None:
        update = Update().set("campaigns_clear_at", utc_iso(at)).set("expires_at", int((at + KEPT).timestamp()))
        self._table.update(facts_key(seller_id), update)
