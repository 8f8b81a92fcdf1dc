"""A mission's counts for the operator report, derived from the stream of registration changes.

Each stream shard keeps its own counter item per mission and, on it, the last sequence number it
applied: a redelivered batch is recognised and never counted twice, and no item that many sellers
write is in any transaction (a claim writes only its own registration). Items are spread over 16
partition keys; the report reads them with 16 small Queries, however many sellers there are.
Blockers seen on refused claims are telemetry, counted apart (best effort: a refused claim writes
nothing the seller owns).
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from boto3.dynamodb.conditions import Key

from .dynamo import Table, Update
from .registrations import shard_of

STATISTICS_SHARDS = 16
SEQUENCE_DIGITS = 48  # stream sequence numbers are decimal strings of up to 40 digits: padded, they sort


def _partition(mission_id: str, shard: int) -> str:
    return f"MISSION#{mission_id}#STATS#{shard:02d}"


def padded(sequence_number: str) -> str:
    return sequence_number.zfill(SEQUENCE_DIGITS)


class StatisticsStore:
    def __init__(self, table: Table) -> None:
        self._table = table

    def apply(self, mission_id: str, stream_shard: str, changes: list[tuple[str, Counter[str]]]) -> None:
        """Adds each (sequence number, counts) change of one stream shard, in order, exactly once."""
        changes = sorted((padded(sequence), counts) for sequence, counts in changes)
        if not changes:
            return
        key = {"pk": _partition(mission_id, shard_of(stream_shard, STATISTICS_SHARDS)), "sk": f"SHARD#{stream_shard}"}
        applied_up_to: str | None = None
        for _ in range(3):
            pending = [(s, c) for s, c in changes if applied_up_to is None or s > applied_up_to]
            if not pending:
                return
            total: Counter[str] = Counter()
            for _, counts in pending:
                total.update(counts)
            update = Update().set("kind", "STATS").set("mission_id", mission_id).set("seen", pending[-1][0])
            for name, amount in sorted(total.items()):
                if amount:
                    update.add(name, amount)
            if applied_up_to is None:
                update.when("attribute_not_exists(#seen) OR #seen < :first", first=pending[0][0])
            else:
                update.when("#seen = :applied", applied=applied_up_to)
            if self._table.update(key, update) is not None:
                return
            # Part of these changes was applied before (a redelivery): read how far, apply the rest.
            current = self._table.get(key, consistent=True) or {}
            applied_up_to = str(current.get("seen", ""))
        raise RuntimeError("statistics kept changing under a single stream shard's consumer")

    def count_blocked(self, mission_id: str, seller_id: str, codes: list[str]) -> None:
        key = {"pk": _partition(mission_id, shard_of(seller_id, STATISTICS_SHARDS)), "sk": "BLOCKED"}
        update = Update().set("kind", "STATS")
        for code in codes:
            update.add(f"blocked_{code}", 1)
        self._table.update(key, update)

    def totals(self, mission_id: str) -> Counter[str]:
        totals: Counter[str] = Counter()
        for shard in range(STATISTICS_SHARDS):
            for item in self._table.query_all(Key("pk").eq(_partition(mission_id, shard))):
                for name, value in item.items():
                    if isinstance(value, Decimal | int) and not isinstance(value, bool):
                        totals[name] += int(value)
        return totals
