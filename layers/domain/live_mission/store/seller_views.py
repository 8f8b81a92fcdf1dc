"""What a seller's request about one mission reads first: the mission, their registration, their facts and
what the Ads platform said of them a short while ago, in one BatchGetItem rather than four reads (eligibility,
the preview, a claim, the registration and progress each need some of them)."""

from __future__ import annotations

from ..models import Mission
from ..records import RecentAdsFacts, SellerFacts, SellerView
from .ads_facts import facts_key as ads_facts_key
from .dynamo import Table
from .missions import mission_key
from .registrations import facts_key, registration_key, registration_of


class SellerViewStore:
    def __init__(self, table: Table) -> None:
        self._table = table

    def of(self, mission_id: str, seller_id: str) -> SellerView:
        keys = [
            mission_key(mission_id),
            registration_key(mission_id, seller_id),
            facts_key(seller_id),
            ads_facts_key(seller_id),
        ]
        found = {item["sk"].split("#", 1)[0]: item for item in self._table.get_many(keys)}
        mission, registration, facts = found.get("DEFINITION"), found.get("REGISTRATION"), found.get("FACTS")
        return SellerView(
            mission=Mission.model_validate(mission["mission"]) if mission else None,
            registration=registration_of(registration) if registration else None,
            facts=SellerFacts.model_validate(facts or {}),
            ads_facts=RecentAdsFacts.model_validate(found.get("RECENT") or {}),
        )
