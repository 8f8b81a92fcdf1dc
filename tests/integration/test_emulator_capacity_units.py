"""The emulator prices every call in DynamoDB's request units (what `make bench` charges): a write by item
size in 1 KB units, the larger of before and after, and one write of the projected item for each index the
item enters, leaves or changes in, two when its index key changes; a read by item size in 4 KB units, half
as much when eventually consistent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from boto3.dynamodb.conditions import Key

from live_mission.store.dynamo import Table, Update
from tools.local_stack.aws import MotoServer
from tools.local_stack.template import Template


def _units(server: MotoServer, kind: Literal["write_units", "read_units"], call: Callable[[], Any]) -> float:
    """The request units of one kind that `call` consumed."""
    before = sum(getattr(server, kind).values())
    call()
    return float(sum(getattr(server, kind).values()) - before)


def _spent(server: MotoServer, write: Callable[[], Any]) -> float:
    return _units(server, "write_units", write)


def test_writes_are_priced_by_size_and_by_the_indexes_they_touch(
    emulator: tuple[MotoServer, Template], tables: Callable[[], Table]
) -> None:
    server, _ = emulator
    table = tables()
    key = {"pk": "SELLER#s1", "sk": "DAY#2026-02-09#LIVE#l1"}

    # A small item in no index: one unit; the same item at 2.5 KB: three
    assert _spent(server, lambda: table.put({**key, "gmv": 5})) == 1
    assert _spent(server, lambda: table.put({**key, "note": "x" * 2500})) == 3  # the larger of before and after
    assert _spent(server, lambda: table.put({**key, "gmv": 6})) == 3
    assert _spent(server, lambda: table.put({**key, "gmv": 7})) == 1

    # Entering the retry index (due_shard, due_at): one more; moving in it (its key changes): two more
    registration_key = {"pk": "SELLER#s1", "sk": "REGISTRATION#m1"}
    assert _spent(server, lambda: table.put({**registration_key, "mission_id": "m1", "seller_id": "s1"})) == 1
    due = Update().set("due_shard", "3").set("due_at", "2026-02-09T02:15:00Z")
    assert _spent(server, lambda: table.update(registration_key, due)) == 2
    later = Update().set("due_at", "2026-02-09T02:30:00Z")
    assert _spent(server, lambda: table.update(registration_key, later)) == 3
    # An attribute the index does not project: the item only; leaving the index: one more
    assert _spent(server, lambda: table.update(registration_key, Update().set("reason", "r"))) == 1
    assert _spent(server, lambda: table.update(registration_key, Update().remove("due_shard"))) == 2

    # A condition that fails still costs the item's units, and changes nothing
    assert _spent(server, lambda: table.put({**key, "gmv": 8}, condition="attribute_not_exists(pk)")) == 1


def _read(server: MotoServer, read: Callable[[], Any]) -> float:
    return _units(server, "read_units", read)


def test_reads_are_priced_by_size_and_consistency(
    emulator: tuple[MotoServer, Template], tables: Callable[[], Table]
) -> None:
    server, _ = emulator
    table = tables()
    small, large = {"pk": "SELLER#s2", "sk": "A"}, {"pk": "SELLER#s2", "sk": "B"}
    table.put({**small, "gmv": 5})
    table.put({**large, "note": "x" * 5000})

    # An item in 4 KB units, half a unit each when eventually consistent; an item not found still costs one
    assert _read(server, lambda: table.get(small)) == 0.5
    assert _read(server, lambda: table.get(small, consistent=True)) == 1
    assert _read(server, lambda: table.get(large)) == 1  # 5 KB: two units, halved
    assert _read(server, lambda: table.get({"pk": "SELLER#s2", "sk": "C"}, consistent=True)) == 1
    # A batch prices each key; a query its items together
    missing = {"pk": "SELLER#s2", "sk": "C"}
    assert _read(server, lambda: table.get_many([small, large, missing])) == 0.5 + 1 + 0.5
    assert _read(server, lambda: list(table.query_all(Key("pk").eq("SELLER#s2")))) == 1  # 5 KB together
