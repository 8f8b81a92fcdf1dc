"""Missions and ROI benchmarks (O1): few items, written by operators, read by everyone."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Key

from ..models import Mission, Operator, utc_iso
from ..records import FinalPass
from .dynamo import Table, Update, storable

LISTING = "MISSIONS"
OPEN_MISSIONS_INDEX = "missions_by_registration_close"
MISSIONS_TO_FINALIZE_INDEX = "missions_by_grace_end"
FINAL_EVALUATION_PENDING = "FINAL_EVALUATION_PENDING"
# Where each by-mission shard's final pass has got: the next page's start, or DONE.
_REACHED, _DONE = "final_pass_", "DONE"


def mission_key(mission_id: str) -> dict[str, str]:
    return {"pk": f"MISSION#{mission_id}", "sk": "DEFINITION"}


def _final_pass(item: dict[str, Any]) -> FinalPass:
    marks = {int(name.removeprefix(_REACHED)): value for name, value in item.items() if name.startswith(_REACHED)}
    return FinalPass(
        mission=Mission.model_validate(item["mission"]),
        reached={shard: start for shard, start in marks.items() if start != _DONE},
        done=frozenset(shard for shard, start in marks.items() if start == _DONE),
    )


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

    def to_finalize(self, now: datetime) -> list[FinalPass]:
        """Missions whose grace period has ended and whose final evaluation has not finished (W3)."""
        condition = Key("final_evaluation").eq(FINAL_EVALUATION_PENDING) & Key("grace_ends_at").lte(utc_iso(now))
        return [_final_pass(i) for i in self._table.query_all(condition, index=MISSIONS_TO_FINALIZE_INDEX)]

    def final_pass(self, mission_id: str) -> FinalPass | None:
        """How far the mission's final evaluation has got; None once it has finished."""
        item = self._table.get(mission_key(mission_id), consistent=True)
        return _final_pass(item) if item and "final_evaluation" in item else None

    def record_final_page(self, mission_id: str, shard: int, following: dict[str, Any] | None, shards: int) -> bool:
        """Keeps where one shard's final pass has got (`following`: the next page's start; None: the shard
        is done), so that a pass cut short resumes there. Finishes the mission's final evaluation once
        every shard is done; True when this call found it finished."""
        update = Update().set(f"{_REACHED}{shard}", following or _DONE).when("attribute_exists(#final_evaluation)")
        item = self._table.update(mission_key(mission_id), update, returning="ALL_NEW")
        if item is None:
            return True  # finished already (another pass of the same shard got there first)
        if following is not None or any(item.get(f"{_REACHED}{s}") != _DONE for s in range(shards)):
            return False
        self._finish(mission_id, shards)
        return True

    def _finish(self, mission_id: str, shards: int) -> None:
        """Leaves the final-pass index, and forgets where each shard's pass got."""
        update = Update().remove("final_evaluation")
        for shard in range(shards):
            update.remove(f"{_REACHED}{shard}")
        self._table.update(mission_key(mission_id), update)

    # --- ROI benchmarks (O1) --------------------------------------------------------------------

    def put_benchmark(
        self, country: str, industry: str, timing: str, author_rois: list[Decimal], at: datetime, by: Operator
    ) -> None:
        self._table.put(
            {
                "pk": f"BENCHMARK#{country}#{timing}",
                "sk": f"INDUSTRY#{industry}",
                "kind": "BENCHMARK",
                "industry": industry,
                "author_rois": author_rois,
                "updated_at": utc_iso(at),
                "updated_by": by.principal,
                "updated_by_session": by.session,
            }
        )

    def benchmarks(self, country: str, timing: str) -> dict[str, list[Decimal]]:
        """Every industry's benchmark for a country and timing: one small item collection."""
        items = self._table.query_all(Key("pk").eq(f"BENCHMARK#{country}#{timing}"))
        return {str(i["industry"]): [Decimal(str(v)) for v in i.get("author_rois", [])] for i in items}
