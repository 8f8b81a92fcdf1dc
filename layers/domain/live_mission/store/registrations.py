"""Registrations, with what hangs off a seller: their facts across missions (A3, A4, A10) and the
campaigns the service heard of. Everything here is partitioned by seller, so a burst of claims
spreads over the whole table; the retry index is sharded (`RetryShards`).

Writes change only the attributes that changed, under a condition that says what the writer relied
on: an attempt its lease, an opt-out the status it saw, a reward evaluation the reward state.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from boto3.dynamodb.conditions import Key

from ..decisions import REASONS
from ..models import utc_iso
from ..records import CampaignRecord, CampaignReport, RegistrationRecord, ReportToConfirm, SellerFacts
from .dynamo import Table, Update, diff, to_item

RETRIES_DUE_INDEX = "auto_creation_due"
REGISTRATIONS_BY_MISSION_INDEX = "registrations_by_mission"
MISSION_SHARDS = 16  # partitions of a mission's registrations in the by-mission index
# Reports of one seller waiting for the Ads platform to say whose campaign it is; more stay dead letters.
MOST_REPORTS_TO_CONFIRM = 20
_KEYS = ("pk", "sk", "kind", "mission_shard")
_REGISTRATION = "REGISTRATION#"  # a registration's sort key: the prefix, then its mission

Guard = Literal["lease", "status", "reward_state"]
Fact = Literal["opted_out_at", "withdrawn_at", "stopped_at"]


# In the item, the consent's copy of the plan and an auto-created campaign's settings say so rather than
# repeat the plan, and default values and a status's standard reason are left out: DynamoDB bills every
# write of a registration (the claim, the lease, the outcome, the grant) by the item's size in 1 KB units,
# and the plan three times over made a registration about 2 KB.
AS_PLANNED = "PLAN"
_CAMPAIGN_OWN = ("campaign_id", "origin", "status")


def shard_of(text: str, shards: int) -> int:
    """A stable shard number (Python's hash() is salted per process)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=4).digest(), "big") % shards


def _seller(seller_id: str) -> str:
    return f"SELLER#{seller_id}"


def seller_of(key: dict[str, Any]) -> str:
    """The seller whose partition an item key (or a stream record's plain keys) is in."""
    return str(key["pk"]).removeprefix("SELLER#")


def _mission_of(key: dict[str, Any]) -> str:
    """The mission a registration's key (or its entry in an index) is of."""
    return str(key["sk"]).removeprefix(_REGISTRATION)


def is_registration(key: dict[str, Any]) -> bool:
    return str(key.get("sk", "")).startswith(_REGISTRATION)


def registration_key(mission_id: str, seller_id: str) -> dict[str, str]:
    return {"pk": _seller(seller_id), "sk": f"{_REGISTRATION}{mission_id}"}


def facts_key(seller_id: str) -> dict[str, str]:
    return {"pk": _seller(seller_id), "sk": "FACTS"}


def _campaign_key(seller_id: str, campaign_id: str) -> dict[str, str]:
    return {"pk": _seller(seller_id), "sk": f"CAMPAIGN#{campaign_id}"}


def _standard_reason(item: dict[str, Any]) -> str | None:
    status: Any = item.get("status")
    return REASONS.get(status)


def _compact(item: dict[str, Any]) -> dict[str, Any]:
    plan, consent, campaign = item.get("plan"), item["consent"], item.get("campaign")
    if plan is not None and consent.get("campaign") == plan:
        consent["campaign"] = AS_PLANNED
    if plan is not None and campaign is not None and campaign.get("origin") == "AUTO":
        own = {name: campaign[name] for name in _CAMPAIGN_OWN if name in campaign}
        if {name: value for name, value in campaign.items() if name not in own} == plan:
            item["campaign"] = {**own, "settings": AS_PLANNED}
    if item.get("reason") == _standard_reason(item):
        del item["reason"]
    _leave_out_what_the_item_says(item)
    return item


# What the item says elsewhere is left out as well: the mission (its key), the plan's ad account, zone and
# local start (the registration's own, and the start in that zone), the account's one advertiser and the
# moment of consent (the claim's). With TikTok's 19-digit ids these were about 190 bytes, and they took the
# registration over 1 KB from the claim on: a write unit more for the claim, the lease and the outcome.
def _leave_out_what_the_item_says(item: dict[str, Any]) -> None:
    del item["mission_id"]  # the seller stays: it orders the by-mission index
    plan, account, consent = item.get("plan"), item["account"], item["consent"]
    if plan is not None:
        if plan["start_time_local"] == _local_start(plan["start_time_utc"], plan["timezone"]):
            del plan["start_time_local"]
        if plan["timezone"] == item.get("timezone"):
            del plan["timezone"]
        if plan.get("advertiser_id") == item["advertiser_id"]:
            del plan["advertiser_id"]
        elif "advertiser_id" not in plan:
            plan["advertiser_id"] = None  # stored as NULL: only an absent one is the registration's
    if account.get("advertiser_ids") == [item["advertiser_id"]]:
        del account["advertiser_ids"]
    elif "advertiser_ids" not in account:
        account["advertiser_ids"] = []  # likewise: only absent ones are the registration's
    if consent.get("consented_at") == item["registered_at"]:
        del consent["consented_at"]


def _with_what_the_item_says(item: dict[str, Any]) -> dict[str, Any]:
    """The item with what `_leave_out_what_the_item_says` left out (items written before carry it)."""
    whole = {"mission_id": _mission_of(item), **item}
    if item.get("plan") is not None:
        plan = whole["plan"] = {
            "advertiser_id": item["advertiser_id"],
            "timezone": item.get("timezone"),
            **item["plan"],
        }
        plan.setdefault("start_time_local", _local_start(plan["start_time_utc"], plan["timezone"]))
    whole["account"] = {"advertiser_ids": [item["advertiser_id"]], **item["account"]}
    whole["consent"] = {"consented_at": item["registered_at"], **item["consent"]}
    return whole


def _local_start(start_time_utc: Any, zone: Any) -> str | None:
    """A plan's local start as the plan writes it: the UTC start in the advertiser's zone."""
    try:
        return datetime.fromisoformat(str(start_time_utc)).astimezone(ZoneInfo(str(zone))).isoformat()
    except (ValueError, ZoneInfoNotFoundError):
        return None


def registration_of(item: dict[str, Any]) -> RegistrationRecord:
    """A registration from its item (a read, or a stream image)."""
    item = _with_what_the_item_says(item)
    plan, consent, campaign = item.get("plan"), item["consent"], item.get("campaign")
    expanded = {**item, "reason": item.get("reason") or _standard_reason(item)}
    if consent.get("campaign") == AS_PLANNED:
        expanded["consent"] = {**consent, "campaign": plan}
    if campaign is not None and campaign.get("settings") == AS_PLANNED:
        expanded["campaign"] = {**(plan or {}), **{name: campaign[name] for name in _CAMPAIGN_OWN if name in campaign}}
    return RegistrationRecord.model_validate(expanded)


class RegistrationStore:
    def __init__(self, table: Table, *, retry_shards: int = 8) -> None:
        self._table = table
        self.retry_shards = retry_shards
        self.mission_shards = MISSION_SHARDS

    def _item(self, record: RegistrationRecord) -> dict[str, Any]:
        keys: dict[str, Any] = {
            **registration_key(record.mission_id, record.seller_id),
            "kind": "REGISTRATION",
            "mission_shard": f"{record.mission_id}#{shard_of(record.seller_id, MISSION_SHARDS)}",
        }
        if record.due_at is not None:
            keys["due_shard"] = f"RETRY#{shard_of(record.seller_id, self.retry_shards)}"
        # The grant's guard compares reward_state, so it is kept even at its default.
        return _compact(to_item(record, exclude_defaults=True, reward_state=record.reward_state, **keys))

    # --- reads ----------------------------------------------------------------------------------

    def get(self, mission_id: str, seller_id: str, *, consistent: bool = False) -> RegistrationRecord | None:
        item = self._table.get(registration_key(mission_id, seller_id), consistent=consistent)
        return registration_of(item) if item else None

    def of_seller(self, seller_id: str) -> list[RegistrationRecord]:
        condition = Key("pk").eq(_seller(seller_id)) & Key("sk").begins_with(_REGISTRATION)
        return [registration_of(i) for i in self._table.query_all(condition)]

    def of_mission(
        self, mission_id: str, shard: int, limit: int, start: dict[str, Any] | None = None
    ) -> tuple[list[RegistrationRecord], dict[str, Any] | None]:
        """One page of a mission's registrations, from one shard of the by-mission index (the final reward
        pass only), and where the next page starts: the index keeps keys only (a registration's every write
        would otherwise be written twice), so the page is read whole in one BatchGetItem (up to 100)."""
        condition = Key("mission_shard").eq(f"{mission_id}#{shard}")
        items, following = self._table.query(condition, index=REGISTRATIONS_BY_MISSION_INDEX, limit=limit, start=start)
        found = self._table.get_many([{"pk": i["pk"], "sk": i["sk"]} for i in items])
        return sorted((registration_of(i) for i in found), key=lambda r: r.seller_id), following

    def due(
        self, shard: int, now: datetime, limit: int, start: dict[str, Any] | None = None
    ) -> tuple[list[tuple[str, str]], dict[str, Any] | None]:
        """One page of (mission_id, seller_id) whose work is due, oldest first, from one index shard."""
        condition = Key("due_shard").eq(f"RETRY#{shard}") & Key("due_at").lte(utc_iso(now))
        items, following = self._table.query(condition, index=RETRIES_DUE_INDEX, limit=limit, start=start)
        return [(_mission_of(i), seller_of(i)) for i in items], following

    def has_due(self, shard: int, now: datetime) -> bool:
        return bool(self.due(shard, now, 1)[0])

    # --- writes ---------------------------------------------------------------------------------

    def create(self, record: RegistrationRecord) -> bool:
        """R5: exactly one registration per (mission, seller); False when it already exists. A claim's
        correlation id is its request's, so a registration found holding it is this claim's own put, applied
        by a try whose answer was lost (botocore retried it): still new, answered 201."""
        return self._table.put(self._item(record), condition="attribute_not_exists(pk)", mine="correlation_id")

    def save(self, seen: RegistrationRecord, updated: RegistrationRecord, *, guard: Guard) -> bool:
        """Writes what changed between `seen` and `updated`, if what the writer relied on still holds:
        its lease, the status it saw, or the reward state it saw. False when it no longer does.

        Two writes carry what only their writer could write, so a retry of them that meets the write
        itself, applied by a try whose answer was lost, is told it succeeded: an attempt's outcome (its
        lease's token, which an opt-out removes and a later claim replaces) and a grant (its reward's id)."""
        update = diff(self._item(seen), self._item(updated), keep=_KEYS)
        if guard == "lease":
            update.when("#lease_until = :lease", lease=seen.lease_until)
            own = seen.lease_token is not None
            if own:
                # The token, not the time, says whose lease it is: two claims in one instant hold the same
                # `lease_until` (an opt-out may drop one lease and its own attempt take the next). Restated (it
                # does not change), so that recognising this write applied requires the token too.
                update.when("#lease_token = :token", token=seen.lease_token)
                update.set("lease_token", seen.lease_token)
        elif guard == "status":
            update.when("#status = :status", status=seen.status)
            own = False
        else:
            update.when("#reward_state = :reward_state", reward_state=seen.reward_state)
            own = updated.reward is not None and updated.reward != seen.reward
        key = registration_key(seen.mission_id, seen.seller_id)
        return self._table.update(key, update, own=own) is not None

    def claim_attempt(
        self, mission_id: str, seller_id: str, now: datetime, lease_until: datetime
    ) -> tuple[RegistrationRecord, bool] | None:
        """Takes the registration's lease while work is due on it, so that a trigger, a redelivery and the
        sweep never work on it together (A5). Returns the leased registration and whether an earlier
        attempt started and never finished (it may have crashed after a create call); None when there
        is nothing to do or another attempt holds it."""
        token = secrets.token_hex(8)  # the lease is this attempt's, whoever else claims in the same instant
        update = (
            Update()
            .set("lease_until", lease_until)
            .set("lease_token", token)
            .when(
                "attribute_exists(#due_at) AND (attribute_not_exists(#lease_until) OR #lease_until < :now)",
                now=now,
            )
        )
        old = self._table.update(registration_key(mission_id, seller_id), update, returning="ALL_OLD", own=True)
        if not old:
            return None
        before = registration_of(old)
        # An outcome clears the lease, so one left behind is an attempt that never finished. A claim applied
        # by a try whose answer was lost answers with the item as it is now, holding this very lease: what
        # was there before is unknown then, so it counts as interrupted (look before creating: A5).
        interrupted = before.lease_until is not None
        return before.model_copy(update={"lease_until": lease_until, "lease_token": token}), interrupted

    # --- seller facts (A3, A4, A10) -------------------------------------------------------------

    def facts(self, seller_id: str) -> SellerFacts:
        return SellerFacts.model_validate(self._table.get(facts_key(seller_id)) or {})

    def record_fact(self, seller_id: str, fact: Fact, at: datetime, *, campaign_id: str | None = None) -> None:
        """Remembers a fact the first time it happens; it holds in every later mission."""
        update = Update().set_if_absent(fact, at)
        if campaign_id:
            update.set_if_absent(f"{fact.removesuffix('_at')}_campaign_id", campaign_id)
        self._table.update(facts_key(seller_id), update)

    def keep_report_to_confirm(self, seller_id: str, report: ReportToConfirm) -> None:
        """Keeps a report whose campaign's owner could not be told (a set: its retries keep it once), up to
        MOST_REPORTS_TO_CONFIRM waiting for a seller."""
        update = (
            Update()
            .add("reports_to_confirm", {report.key()})
            .when(
                "attribute_not_exists(#reports_to_confirm) OR size(#reports_to_confirm) < :most",
                most=MOST_REPORTS_TO_CONFIRM,
            )
        )
        if self._table.update(facts_key(seller_id), update) is None:
            raise RuntimeError(f"{MOST_REPORTS_TO_CONFIRM} campaign reports of seller {seller_id} already wait")

    def forget_report_to_confirm(self, seller_id: str, report: ReportToConfirm) -> None:
        self._table.update(facts_key(seller_id), Update().discard("reports_to_confirm", frozenset({report.key()})))

    # --- campaigns ------------------------------------------------------------------------------

    def campaign(self, seller_id: str, campaign_id: str) -> CampaignRecord | None:
        item = self._table.get(_campaign_key(seller_id, campaign_id))
        return CampaignRecord.model_validate(item) if item else None

    def auto_created_campaign_ids(self, seller_id: str) -> set[str]:
        condition = Key("pk").eq(_seller(seller_id)) & Key("sk").begins_with("CAMPAIGN#")
        return {str(i["campaign_id"]) for i in self._table.query_all(condition) if i.get("origin") == "AUTO"}

    def mark_auto_created(
        self, seller_id: str, campaign_id: str, mission_id: str, advertiser_id: str | None
    ) -> CampaignRecord:
        """Records a campaign as the service's own, and answers with what is known of it: a status the
        Ads platform reported before the service recorded its creation is kept and returned (A3, A4)."""
        update = (
            Update()
            .set("kind", "CAMPAIGN")
            .set("seller_id", seller_id)
            .set("campaign_id", campaign_id)
            .set("origin", "AUTO")
            .set("mission_id", mission_id)
        )
        if advertiser_id:
            update.set("advertiser_id", advertiser_id)
        item = self._table.update(_campaign_key(seller_id, campaign_id), update, returning="ALL_NEW")
        return CampaignRecord.model_validate(item)

    def record_campaign_report(
        self, seller_id: str, campaign_id: str, advertiser_id: str, status: str, changed_at: datetime
    ) -> CampaignRecord | None:
        """Keeps the latest reported status of a campaign, by `changed_at`; None when this report is older
        than one already kept. Answers with the record, whose origin says whether it is the service's."""
        update = (
            Update()
            .set("kind", "CAMPAIGN")
            .set("seller_id", seller_id)
            .set("campaign_id", campaign_id)
            .set_if_absent("advertiser_id", advertiser_id)
            .set("status", status)
            .set("status_changed_at", changed_at)
            .when("attribute_not_exists(#status_changed_at) OR #status_changed_at < :at", at=changed_at)
        )
        item = self._table.update(_campaign_key(seller_id, campaign_id), update, returning="ALL_NEW")
        return CampaignRecord.model_validate(item) if item else None

    def report_campaign_status(self, mission_id: str, seller_id: str, report: CampaignReport) -> bool:
        """Keeps the latest reported status of the registration's campaign, whether or not the registration
        has recorded that campaign yet (the view matches them by id); an older report changes nothing."""
        update = (
            Update()
            .set("campaign_report", to_item(report))
            .when(
                "attribute_exists(#pk) AND (attribute_not_exists(#campaign_report) "
                "OR #campaign_report.#campaign_id <> :campaign_id OR #campaign_report.#changed_at < :changed_at)",
                campaign_id=report.campaign_id,
                changed_at=report.changed_at,
            )
        )
        return self._table.update(registration_key(mission_id, seller_id), update) is not None
