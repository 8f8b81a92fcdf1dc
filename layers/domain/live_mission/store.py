"""The only module that speaks DynamoDB. One table holds the service's state (single-table design,
access patterns in the README); Powertools idempotency records live in their own table.

Keys spread a mega-campaign burst: registrations, facts, activity and rewards are partitioned by
seller; the few shared items (mission statistics, retry index) are sharded.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
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
MISSIONS_TO_FINALIZE_INDEX = "missions_by_grace_end"
FINAL_EVALUATION_PENDING = "FINAL_EVALUATION_PENDING"


def seller_key(seller_id: str) -> str:
    return f"SELLER#{seller_id}"


def mission_key(mission_id: str) -> str:
    return f"MISSION#{mission_id}"


def registration_sort_key(mission_id: str) -> str:
    return f"REGISTRATION#{mission_id}"


def statistics_key(mission_id: str, shard: int) -> dict[str, str]:
    """A mission's counters, sharded by seller hash. The shard is in the partition key: with one
    partition key for all shards, a burst of claims would write one partition (1,000 write units a
    second at most) however many shards there were."""
    return {"pk": f"{mission_key(mission_id)}#STATS#{shard:02d}", "sk": "STATS"}


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
            # W3: the final reward evaluation runs once the grace period has ended (sparse index).
            "final_evaluation": FINAL_EVALUATION_PENDING,
            "grace_ends_at": utc_iso(mission.campaign_ends_at + timedelta(days=mission.grace_period_days)),
            "mission": mission.model_dump(mode="json"),
        }
        response = self._table.put_item(Item=_decimals(item), ReturnValues="ALL_OLD")
        return "Attributes" not in response

    def get_mission(self, mission_id: str) -> Mission | None:
        item = self._table.get_item(Key={"pk": mission_key(mission_id), "sk": "DEFINITION"}).get("Item")
        return Mission.model_validate(item["mission"]) if item else None

    def missions_closing_after(self, moment: datetime) -> list[Mission]:
        """Missions whose registration is still to close: one small index partition, never a Scan."""
        condition = Key("listing").eq(MISSION_LISTING) & Key("closes_at").gt(utc_iso(moment))
        return [Mission.model_validate(item["mission"]) for item in self._query_all(condition, OPEN_MISSIONS_INDEX)]

    def missions_to_finalize(self, now: datetime) -> list[Mission]:
        """Missions whose grace period has ended and whose final evaluation has not run."""
        response = self._table.query(
            IndexName=MISSIONS_TO_FINALIZE_INDEX,
            KeyConditionExpression=Key("final_evaluation").eq(FINAL_EVALUATION_PENDING)
            & Key("grace_ends_at").lte(utc_iso(now)),
        )
        return [Mission.model_validate(item["mission"]) for item in response.get("Items", [])]

    def mark_finalized(self, mission_id: str) -> None:
        self._table.update_item(
            Key={"pk": mission_key(mission_id), "sk": "DEFINITION"}, UpdateExpression="REMOVE final_evaluation"
        )

    # --- ROI benchmarks (O1) --------------------------------------------------------------------

    def put_benchmark(self, country: str, industry: str, timing: str, author_rois: list[Decimal], at: str) -> None:
        self._table.put_item(
            Item={
                "pk": f"BENCHMARK#{country}#{timing}",
                "sk": f"INDUSTRY#{industry}",
                "kind": "BENCHMARK",
                "industry": industry,
                "author_rois": author_rois,
                "updated_at": at,
            }
        )

    def benchmarks(self, country: str, timing: str) -> dict[str, list[Decimal]]:
        """Every industry's benchmark for a country and timing: one small item collection."""
        items = self._query_all(Key("pk").eq(f"BENCHMARK#{country}#{timing}"))
        return {str(item["industry"]): [Decimal(str(v)) for v in item.get("author_rois", [])] for item in items}

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
            "due_shard": self._due_shard(item["seller_id"]),
        }
        return self._transact(
            [
                {
                    "Put": {
                        "TableName": self._table_name,
                        "Item": _decimals(item),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                self._count(item["mission_id"], item["seller_id"], {"registrations": 1, f"status_{item['status']}": 1}),
            ]
        )

    def _transact(self, items: list[Any]) -> bool:
        """All or nothing; False when a condition failed (someone else got there first)."""
        if not items:
            return True
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as error:
            if _is_condition_failure(error):
                return False
            raise
        return True

    def _count_status_change(self, registration: dict[str, Any], new_status: str) -> list[Any]:
        old_status = registration["status"]
        if new_status == old_status:
            return []
        return [
            self._count(
                registration["mission_id"],
                registration["seller_id"],
                {f"status_{old_status}": -1, f"status_{new_status}": 1},
            )
        ]

    def _due_shard(self, seller_id: str) -> str:
        return f"RETRY#{shard_of(seller_id, self.retry_shards)}"

    def _count(self, mission_id: str, seller_id: str, increments: dict[str, int]) -> dict[str, Any]:
        names = {f"#c{i}": name for i, name in enumerate(increments)}
        values = {f":c{i}": n for i, n in enumerate(increments.values())}
        return {
            "Update": {
                "TableName": self._table_name,
                "Key": statistics_key(mission_id, shard_of(seller_id, self.stats_shards)),
                "UpdateExpression": "ADD " + ", ".join(f"{n} {v}" for n, v in zip(names, values, strict=True)),
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        }

    # --- auto-creation ---------------------------------------------------------------------------

    def claim_attempt(
        self, mission_id: str, seller_id: str, now: datetime, lease_until: datetime
    ) -> dict[str, Any] | None:
        """Takes the registration's attempt lease, so that a stream redelivery and a scheduled retry
        firing together cannot both call the Ads platform (A5). None when nothing is to be done."""
        try:
            return self._table.update_item(
                Key={"pk": seller_key(seller_id), "sk": registration_sort_key(mission_id)},
                UpdateExpression="SET lease_until = :lease",
                ConditionExpression="#status IN (:pending, :retrying) "
                "AND (attribute_not_exists(lease_until) OR lease_until < :now)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":lease": utc_iso(lease_until),
                    ":now": utc_iso(now),
                    ":pending": "PENDING",
                    ":retrying": "RETRYING",
                },
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except ClientError as error:
            if _is_condition_failure(error):
                return None
            raise

    def finish_attempt(
        self,
        registration: dict[str, Any],
        changes: dict[str, Any],
        *,
        due_at: str | None,
        campaign_record: dict[str, Any] | None = None,
    ) -> bool:
        """Records an attempt's outcome while still holding its lease, counts the status change and
        remembers a created campaign, in one transaction. False if the lease was lost meanwhile."""
        mission_id, seller_id = registration["mission_id"], registration["seller_id"]
        fields = dict(changes)
        removals = ["lease_until"]
        if due_at:
            fields.update(due_shard=self._due_shard(seller_id), due_at=due_at)
        else:
            removals += ["due_shard", "due_at"]
        names = {f"#f{i}": name for i, name in enumerate(fields)}
        values: dict[str, Any] = {f":v{i}": value for i, value in enumerate(fields.values())}
        assignments = [f"#f{i} = :v{i}" for i in range(len(fields))]
        values[":lease"] = registration["lease_until"]
        items: list[Any] = [
            {
                "Update": {
                    "TableName": self._table_name,
                    "Key": {"pk": seller_key(seller_id), "sk": registration_sort_key(mission_id)},
                    "UpdateExpression": f"SET {', '.join(assignments)} REMOVE {', '.join(removals)}",
                    "ConditionExpression": "lease_until = :lease",
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": _decimals(values),
                }
            }
        ]
        items += self._count_status_change(registration, changes.get("status", registration["status"]))
        if campaign_record:
            items.append(
                {
                    "Put": {
                        "TableName": self._table_name,
                        "Item": _decimals(
                            {
                                "pk": seller_key(seller_id),
                                "sk": f"CAMPAIGN#{campaign_record['campaign_id']}",
                                "kind": "CAMPAIGN",
                                **campaign_record,
                            }
                        ),
                    }
                }
            )
        return self._transact(items)

    def due_registrations(self, shard: int, now: datetime, limit: int) -> list[tuple[str, str]]:
        """(mission_id, seller_id) of registrations whose next attempt is due, from one index shard."""
        found: list[tuple[str, str]] = []
        kwargs: dict[str, Any] = {
            "IndexName": RETRIES_DUE_INDEX,
            "KeyConditionExpression": Key("due_shard").eq(f"RETRY#{shard}") & Key("due_at").lte(utc_iso(now)),
            "Limit": limit,
        }
        while len(found) < limit:
            page = self._table.query(**kwargs)
            found.extend((str(item["mission_id"]), str(item["seller_id"])) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return found[:limit]

    def seller_facts(self, seller_id: str) -> dict[str, Any]:
        """What the service knows of a seller across missions: withdrawn (A3), stopped (A4), opted out (A10)."""
        return self._table.get_item(Key={"pk": seller_key(seller_id), "sk": "FACTS"}).get("Item") or {}

    def record_seller_fact(self, seller_id: str, fact: str, at: str, **detail: Any) -> None:
        """Remembers a fact about the seller (A3, A4, A10) the first time it happens; it holds in
        every later mission."""
        names = {"#fact": fact, **{f"#d{i}": f"{fact}_{k}" for i, k in enumerate(detail)}}
        values = {":at": at, **{f":d{i}": v for i, v in enumerate(detail.values())}}
        extra = "".join(f", #d{i} = if_not_exists(#d{i}, :d{i})" for i in range(len(detail)))
        self._table.update_item(
            Key={"pk": seller_key(seller_id), "sk": "FACTS"},
            UpdateExpression=f"SET #fact = if_not_exists(#fact, :at){extra}",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def opt_out(self, registration: dict[str, Any], changes: dict[str, Any], at: str) -> bool:
        """A10: the registration becomes OPTED_OUT, whatever attempt was under way (its lease is
        dropped, so it cannot record an outcome), and the seller fact is kept, in one transaction.
        False if the registration changed since it was read (the caller reads it again)."""
        mission_id, seller_id = registration["mission_id"], registration["seller_id"]
        names = {f"#f{i}": name for i, name in enumerate(changes)}
        values: dict[str, Any] = {f":v{i}": value for i, value in enumerate(changes.values())}
        values[":seen"] = registration["status"]
        items: list[Any] = [
            {
                "Update": {
                    "TableName": self._table_name,
                    "Key": {"pk": seller_key(seller_id), "sk": registration_sort_key(mission_id)},
                    "UpdateExpression": "SET "
                    + ", ".join(f"#f{i} = :v{i}" for i in range(len(changes)))
                    + " REMOVE lease_until, due_shard, due_at",
                    "ConditionExpression": "#status = :seen",
                    "ExpressionAttributeNames": {**names, "#status": "status"},
                    "ExpressionAttributeValues": _decimals(values),
                }
            },
            {
                "Update": {
                    "TableName": self._table_name,
                    "Key": {"pk": seller_key(seller_id), "sk": "FACTS"},
                    "UpdateExpression": "SET opted_out_at = if_not_exists(opted_out_at, :at)",
                    "ExpressionAttributeValues": {":at": at},
                }
            },
        ]
        return self._transact(items + self._count_status_change(registration, changes["status"]))

    def set_registration_campaign(self, mission_id: str, seller_id: str, campaign: dict[str, Any]) -> None:
        self._table.update_item(
            Key={"pk": seller_key(seller_id), "sk": registration_sort_key(mission_id)},
            UpdateExpression="SET campaign = :c",
            ExpressionAttributeValues={":c": _decimals(campaign)},
        )

    def campaign_record(self, seller_id: str, campaign_id: str) -> dict[str, Any] | None:
        return self._table.get_item(Key={"pk": seller_key(seller_id), "sk": f"CAMPAIGN#{campaign_id}"}).get("Item")

    def record_campaign_status(self, record: dict[str, Any], status: str, changed_at: str) -> bool:
        """Keeps the latest known status of an auto-created campaign, on its record and on the
        registration that created it; an older report arriving late changes nothing."""
        seller_id, campaign_id = record["seller_id"], record["campaign_id"]
        return self._transact(
            [
                {
                    "Update": {
                        "TableName": self._table_name,
                        "Key": {"pk": seller_key(seller_id), "sk": f"CAMPAIGN#{campaign_id}"},
                        "UpdateExpression": "SET #s = :s, status_changed_at = :t",
                        "ConditionExpression": "attribute_not_exists(status_changed_at) OR status_changed_at < :t",
                        "ExpressionAttributeNames": {"#s": "status"},
                        "ExpressionAttributeValues": {":s": status, ":t": changed_at},
                    }
                },
                {
                    "Update": {
                        "TableName": self._table_name,
                        "Key": {"pk": seller_key(seller_id), "sk": registration_sort_key(record["mission_id"])},
                        "UpdateExpression": "SET campaign.#s = :s",
                        "ConditionExpression": "campaign.campaign_id = :c",
                        "ExpressionAttributeNames": {"#s": "status"},
                        "ExpressionAttributeValues": {":s": status, ":c": campaign_id},
                    }
                },
            ]
        )

    def auto_created_campaign_ids(self, seller_id: str) -> set[str]:
        response = self._table.query(
            KeyConditionExpression=Key("pk").eq(seller_key(seller_id)) & Key("sk").begins_with("CAMPAIGN#")
        )
        return {str(item["campaign_id"]) for item in response.get("Items", []) if item.get("origin") == "AUTO"}

    # --- progress and rewards (W1-W6) -----------------------------------------------------------

    def put_live_session(self, seller_id: str, session: dict[str, Any]) -> None:
        """A session is one item, keyed by when it started and its id: a repeat rewrites the same item (W6)."""
        started = session["started_at_utc"]
        self._table.put_item(
            Item=_decimals(
                {
                    "pk": seller_key(seller_id),
                    "sk": f"LIVE#{started}#{session['session_id']}",
                    "kind": "LIVE",
                    **session,
                }
            )
        )

    def put_spend_report(self, seller_id: str, report: dict[str, Any]) -> bool:
        """A report is one item per id; a restatement replaces it, an older copy arriving late does not (W6)."""
        try:
            self._table.put_item(
                Item=_decimals(
                    {"pk": seller_key(seller_id), "sk": f"SPEND#{report['report_id']}", "kind": "SPEND", **report}
                ),
                ConditionExpression="attribute_not_exists(pk) OR reported_at <= :t",
                ExpressionAttributeValues={":t": report["reported_at"]},
            )
        except ClientError as error:
            if _is_condition_failure(error):
                return False
            raise
        return True

    def live_sessions(self, seller_id: str, started_from: str, started_before: str) -> list[dict[str, Any]]:
        return self._query_all(
            Key("pk").eq(seller_key(seller_id)) & Key("sk").between(f"LIVE#{started_from}", f"LIVE#{started_before}")
        )

    def spend_reports(self, seller_id: str) -> list[dict[str, Any]]:
        return self._query_all(Key("pk").eq(seller_key(seller_id)) & Key("sk").begins_with("SPEND#"))

    def seller_registrations(self, seller_id: str) -> list[dict[str, Any]]:
        return self._query_all(Key("pk").eq(seller_key(seller_id)) & Key("sk").begins_with("REGISTRATION#"))

    def registrations_of_mission(self, mission_id: str) -> list[tuple[str, str]]:
        """(mission_id, seller_id) of every registration, shard by shard (the final evaluation only)."""
        found: list[tuple[str, str]] = []
        for shard in range(self.stats_shards):
            for item in self._query_all(
                Key("mission_shard").eq(f"{mission_id}#{shard}"), REGISTRATIONS_BY_MISSION_INDEX
            ):
                found.append((str(item["mission_id"]), str(item["seller_id"])))
        return found

    def reward(self, mission_id: str, seller_id: str) -> dict[str, Any] | None:
        return self._table.get_item(Key={"pk": seller_key(seller_id), "sk": f"REWARD#{mission_id}"}).get("Item")

    def rewards_of(self, seller_id: str) -> list[dict[str, Any]]:
        return self._query_all(Key("pk").eq(seller_key(seller_id)) & Key("sk").begins_with("REWARD#"))

    def grant_reward(self, registration: dict[str, Any], reward: dict[str, Any]) -> bool:
        """W3: exactly once per (mission, seller), whatever races; False if it was already granted."""
        mission_id, seller_id = registration["mission_id"], registration["seller_id"]
        return self._transact(
            [
                {
                    "Put": {
                        "TableName": self._table_name,
                        "Item": _decimals(
                            {"pk": seller_key(seller_id), "sk": f"REWARD#{mission_id}", "kind": "REWARD", **reward}
                        ),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                *self._reward_state_change(registration, "GRANTED"),
            ]
        )

    def set_reward_state(self, registration: dict[str, Any], state: str) -> bool:
        """Keeps the registration's reward state (NOT_YET, HELD) and the mission's counts in step."""
        return self._transact(self._reward_state_change(registration, state))

    def _reward_state_change(self, registration: dict[str, Any], state: str) -> list[Any]:
        old = registration.get("reward_state") or "NOT_YET"
        if old == state:
            return []
        mission_id, seller_id = registration["mission_id"], registration["seller_id"]
        return [
            {
                "Update": {
                    "TableName": self._table_name,
                    "Key": {"pk": seller_key(seller_id), "sk": registration_sort_key(mission_id)},
                    "UpdateExpression": "SET reward_state = :new",
                    "ConditionExpression": "attribute_exists(pk) AND "
                    "(reward_state = :old OR (attribute_not_exists(reward_state) AND :old = :not_yet))",
                    "ExpressionAttributeValues": {":new": state, ":old": old, ":not_yet": "NOT_YET"},
                }
            },
            self._count(mission_id, seller_id, {f"reward_{old}": -1, f"reward_{state}": 1}),
        ]

    def count_blocked(self, mission_id: str, seller_id: str, codes: list[str]) -> None:
        """Telemetry for the operator report: blockers seen on refused claims (no registration is written)."""
        update = self._count(mission_id, seller_id, {f"blocked_{code}": 1 for code in codes})["Update"]
        self._table.update_item(
            Key=update["Key"],
            UpdateExpression=update["UpdateExpression"],
            ExpressionAttributeNames=update["ExpressionAttributeNames"],
            ExpressionAttributeValues=update["ExpressionAttributeValues"],
        )

    def _query_all(self, condition: Any, index: str | None = None) -> list[dict[str, Any]]:
        kwargs: dict[str, Any] = {"KeyConditionExpression": condition, **({"IndexName": index} if index else {})}
        items: list[dict[str, Any]] = []
        while True:
            page = self._table.query(**kwargs)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def mission_statistics(self, mission_id: str) -> dict[str, int]:
        """Sums the statistic shards of a mission: one batch read of STATS_SHARDS items, whatever the
        number of sellers."""
        totals: dict[str, int] = {}
        request: dict[str, Any] = {
            self._table_name: {"Keys": [statistics_key(mission_id, n) for n in range(self.stats_shards)]}
        }
        while request:
            response = self._client.batch_get_item(RequestItems=request)
            for shard in response.get("Responses", {}).get(self._table_name, []):
                for name, value in shard.items():
                    if name not in ("pk", "sk") and isinstance(value, Decimal | int):
                        totals[name] = totals.get(name, 0) + int(value)
            request = response.get("UnprocessedKeys") or {}
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
