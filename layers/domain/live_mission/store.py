"""The only module that speaks DynamoDB. One table holds the service's state (single-table design,
access patterns in the README); Powertools idempotency records live in their own table.

Keys spread a mega-campaign burst: registrations, facts, activity and rewards are partitioned by
seller; the few shared items (mission statistics, retry index) are sharded.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import boto3
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from .models import Mission, utc_iso

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

MISSION_LISTING = "MISSIONS"
OPEN_MISSIONS_INDEX = "missions_by_registration_close"
RETRIES_DUE_INDEX = "auto_creation_due"
REGISTRATIONS_BY_MISSION_INDEX = "registrations_by_mission"


def seller_key(seller_id: str) -> str:
    return f"SELLER#{seller_id}"


def mission_key(mission_id: str) -> str:
    return f"MISSION#{mission_id}"


def registration_sort_key(mission_id: str) -> str:
    return f"REGISTRATION#{mission_id}"


def shard_of(text: str, shards: int) -> int:
    """A stable shard number (Python's hash() is salted per process)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=4).digest(), "big") % shards


def _is_condition_failure(error: ClientError) -> bool:
    code = error.response.get("Error", {}).get("Code")
    if code == "ConditionalCheckFailedException":
        return True
    if code == "TransactionCanceledException":
        reasons = error.response.get("CancellationReasons") or []
        return any(r.get("Code") == "ConditionalCheckFailed" for r in reasons)
    return False


class MissionStore:
    def __init__(self, table_name: str, *, retry_shards: int = 8, stats_shards: int = 16, dynamodb: Any = None) -> None:
        resource = dynamodb or boto3.resource("dynamodb")
        self._table: Table = resource.Table(table_name)
        # The resource's client takes plain Python values (it serialises them), transactions included.
        self._client = self._table.meta.client
        self._table_name = table_name
        self.retry_shards = retry_shards
        self.stats_shards = stats_shards

    # --- missions ------------------------------------------------------------------------------

    def put_mission(self, mission: Mission) -> bool:
        """Creates or replaces a mission; True when it did not exist before."""
        item = {
            "pk": mission_key(mission.mission_id),
            "sk": "DEFINITION",
            "kind": "MISSION",
            "listing": MISSION_LISTING,
            "closes_at": utc_iso(mission.registration_closes_at),
            "mission": mission.model_dump(mode="json"),
        }
        response = self._table.put_item(Item=_decimals(item), ReturnValues="ALL_OLD")
        return "Attributes" not in response

    def get_mission(self, mission_id: str) -> Mission | None:
        item = self._table.get_item(Key={"pk": mission_key(mission_id), "sk": "DEFINITION"}).get("Item")
        return Mission.model_validate(item["mission"]) if item else None

    def missions_closing_after(self, moment: datetime) -> list[Mission]:
        """Missions whose registration is still to close: one small index partition, never a Scan."""
        missions: list[Mission] = []
        kwargs: dict[str, Any] = {
            "IndexName": OPEN_MISSIONS_INDEX,
            "KeyConditionExpression": Key("listing").eq(MISSION_LISTING) & Key("closes_at").gt(utc_iso(moment)),
        }
        while True:
            page = self._table.query(**kwargs)
            missions.extend(Mission.model_validate(item["mission"]) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return missions
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # --- registrations -------------------------------------------------------------------------

    def get_registration(self, mission_id: str, seller_id: str, *, consistent: bool = False) -> dict[str, Any] | None:
        return self._table.get_item(
            Key={"pk": seller_key(seller_id), "sk": registration_sort_key(mission_id)}, ConsistentRead=consistent
        ).get("Item")

    def create_registration(self, item: dict[str, Any]) -> bool:
        """Writes a new registration and counts it, atomically; False if it already exists (R5)."""
        item = {
            **item,
            "pk": seller_key(item["seller_id"]),
            "sk": registration_sort_key(item["mission_id"]),
            "kind": "REGISTRATION",
            "mission_shard": f"{item['mission_id']}#{shard_of(item['seller_id'], self.stats_shards)}",
        }
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table_name,
                            "Item": _decimals(item),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    self._count(  # type: ignore[list-item]
                        item["mission_id"], item["seller_id"], {"registrations": 1, f"status_{item['status']}": 1}
                    ),
                ]
            )
        except ClientError as error:
            if _is_condition_failure(error):
                return False
            raise
        return True

    def _count(self, mission_id: str, seller_id: str, increments: dict[str, int]) -> dict[str, Any]:
        names = {f"#c{i}": name for i, name in enumerate(increments)}
        values = {f":c{i}": n for i, n in enumerate(increments.values())}
        return {
            "Update": {
                "TableName": self._table_name,
                "Key": {"pk": mission_key(mission_id), "sk": f"STATS#{shard_of(seller_id, self.stats_shards):02d}"},
                "UpdateExpression": "ADD " + ", ".join(f"{n} {v}" for n, v in zip(names, values, strict=True)),
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        }

    def mission_statistics(self, mission_id: str) -> dict[str, int]:
        """Sums the statistic shards of a mission: a bounded Query, whatever the number of sellers."""
        totals: dict[str, int] = {}
        response = self._table.query(
            KeyConditionExpression=Key("pk").eq(mission_key(mission_id)) & Key("sk").begins_with("STATS#")
        )
        for shard in response.get("Items", []):
            for name, value in shard.items():
                if name not in ("pk", "sk") and isinstance(value, Decimal | int):
                    totals[name] = totals.get(name, 0) + int(value)
        return totals


def _decimals(value: Any) -> Any:
    """DynamoDB takes Decimal, never float."""
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _decimals(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decimals(v) for v in value]
    return value
