"""Missions and ROI benchmarks (O1): few items, written by operators, read by everyone."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from boto3.dynamodb.conditions import Key

from ..models import Mission, utc_iso
from .dynamo import Table, Update, storable

LISTING = "MISSIONS"
OPEN_MISSIONS_INDEX = "missions_by_registration_close"
MISSIONS_TO_FINALIZE_INDEX = "missions_by_grace_end"
FINAL_EVALUATION_PENDING = "FINAL_EVALUATION_PENDING"


def mission_key(mission_id: str) -> dict[str, str]:
    return {"pk": f"MISSION#{mission_id}", "sk": "DEFINITION"}


class MissionStore:
    def __init__(self, table: Table) -> None:
        self._table = table

    def put(self, mission: Mission) -> bool:
        """Creates or replaces a mission; True when it did not exist before."""
        item = {
            **mission_key(mission.mission_id),
            "kind": "MISSION",
            "listing": LISTING,
            "closes_at": utc_iso(mission.registration_closes_at),
            # W3: the final reward evaluation runs once the grace period has ended (a sparse index).
            "final_evaluation": FINAL_EVALUATION_PENDING,
            "grace_ends_at": utc_iso(mission.campaign_ends_at + timedelta(days=mission.grace_period_days)),
            # As the operator wrote it: its times keep their offset (the campaign dates are read in it).
            "mission": storable(mission.model_dump(mode="json")),
        }
        created = self._table.put(item, condition="attribute_not_exists(pk)")
        if not created:
            self._table.put(item)
        return created

    def get(self, mission_id: str) -> Mission | None:
        item = self._table.get(mission_key(mission_id))
        return Mission.model_validate(item["mission"]) if item else None

    def get_many(self, mission_ids: set[str]) -> dict[str, Mission]:
        items = self._table.get_many([mission_key(m) for m in sorted(mission_ids)])
        missions = [Mission.model_validate(item["mission"]) for item in items]
        return {m.mission_id: m for m in missions}

    def closing_after(self, moment: datetime) -> list[Mission]:
        """Missions whose registration is still to close: one small index partition, never a Scan."""
        condition = Key("listing").eq(LISTING) & Key("closes_at").gt(utc_iso(moment))
        return [
            Mission.model_validate(i["mission"]) for i in self._table.query_all(condition, index=OPEN_MISSIONS_INDEX)
        ]

    def to_finalize(self, now: datetime) -> list[Mission]:
        """Missions whose grace period has ended and whose final evaluation has not run."""
        condition = Key("final_evaluation").eq(FINAL_EVALUATION_PENDING) & Key("grace_ends_at").lte(utc_iso(now))
        items = self._table.query_all(condition, index=MISSIONS_TO_FINALIZE_INDEX)
        return [Mission.model_validate(i["mission"]) for i in items]

    def mark_finalized(self, mission_id: str) -> None:
        self._table.update(mission_key(mission_id), Update().remove("final_evaluation"))

    # --- ROI benchmarks (O1) --------------------------------------------------------------------

    def put_benchmark(
        self, country: str, industry: str, timing: str, author_rois: list[Decimal], at: datetime, by: str
    ) -> None:
        self._table.put(
            {
                "pk": f"BENCHMARK#{country}#{timing}",
                "sk": f"INDUSTRY#{industry}",
                "kind": "BENCHMARK",
                "industry": industry,
                "author_rois": author_rois,
                "updated_at": utc_iso(at),
                "updated_by": by,
            }
        )

    def benchmarks(self, country: str, timing: str) -> dict[str, list[Decimal]]:
        """Every industry's benchmark for a country and timing: one small item collection."""
        items = self._table.query_all(Key("pk").eq(f"BENCHMARK#{country}#{timing}"))
        return {str(i["industry"]): [Decimal(str(v)) for v in i.get("author_rois", [])] for i in items}
