"""Registrations, with what hangs off a seller: their facts across missions (A3, A4, A10) and the
campaigns the service heard of. Everything here is partitioned by seller, so a burst of claims
spreads over the whole table; the retry index is sharded (`RetryShards`).

A registration's item (`SELLER#<seller>`, `REGISTRATION#<mission>`) holds its four parts as maps, each
written by the state machine that owns it, with values left out where they are the model's default:
- `claim`: what the claim fixed: the consent, the account snapshot and the plan, kept once (the consent's
  campaign and an auto-created campaign's settings are the plan);
- `auto_creation`: status and reason code, attempts, schedule, the attempt's lease;
- `campaign`: the campaign it is about, its latest reported status, the switch-off (always present: a
  report is set inside it);
- `reward`: the reward's state (always present: the grant's guard compares it) and the voucher;
- `seller_id`, `mission_shard`: the by-mission index (keys only), for the final reward pass;
- `due_shard`, `due_at`: the retry index (keys only), present while work is due (`due_at` copies
  `auto_creation.due_at`).

Writes change only the fields that changed, part by part, under a condition that says what the writer
relied on: an attempt its lease, an opt-out the status it saw, a reward evaluation the reward state.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Key

from ..models import utc_iso
from ..ports import Fact, Guard
from ..records import CampaignRecord, CampaignReport, RegistrationRecord, ReportToConfirm, SellerFacts
from .dynamo import Table, Update, diff, to_item

RETRIES_DUE_INDEX = "auto_creation_due"
REGISTRATIONS_BY_MISSION_INDEX = "registrations_by_mission"
MISSION_SHARDS = 16  # partitions of a mission's registrations in the by-mission index
# Reports of one seller waiting for the Ads platform to say whose campaign it is; more stay dead letters.
MOST_REPORTS_TO_CONFIRM = 20
_INDEXED = ("pk", "sk", "kind", "seller_id", "mission_shard")  # never change after the claim
_PARTS = ("claim", "auto_creation", "campaign", "reward")
_REGISTRATION = "REGISTRATION#"  # a registration's sort key: the prefix, then its mission


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


def _campaign_update(seller_id: str, campaign_id: str) -> Update:
    """Every write of a campaign's record names what it is, so that whichever write comes first makes it whole."""
    return Update().set("kind", "CAMPAIGN").set("seller_id", seller_id).set("campaign_id", campaign_id)


def registration_of(item: dict[str, Any]) -> RegistrationRecord:
    """A registration from its item (a read, or a stream image)."""
    parts = {name: item[name] for name in _PARTS if name in item}
    return RegistrationRecord.model_validate({"mission_id": _mission_of(item), "seller_id": item["seller_id"], **parts})


class RegistrationStore:
    def __init__(self, table: Table, *, retry_shards: int = 8) -> None:
        self._table = table
        self.retry_shards = retry_shards
        self.mission_shards = MISSION_SHARDS

    def _item(self, record: RegistrationRecord) -> dict[str, Any]:
        item: dict[str, Any] = {
            **registration_key(record.mission_id, record.seller_id),
            "kind": "REGISTRATION",
            "seller_id": record.seller_id,
            "mission_shard": f"{record.mission_id}#{shard_of(record.seller_id, MISSION_SHARDS)}",
            **{name: to_item(getattr(record, name), exclude_defaults=True) for name in _PARTS},
        }
        due_at = record.auto_creation.due_at
        if due_at is not None:
            item["due_shard"] = f"RETRY#{shard_of(record.seller_id, self.retry_shards)}"
            item["due_at"] = utc_iso(due_at)
        return item

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
        return self._table.put(self._item(record), condition="attribute_not_exists(pk)", mine="claim.correlation_id")

    def save(self, seen: RegistrationRecord, updated: RegistrationRecord, *, guard: Guard) -> bool:
        """Writes what changed between `seen` and `updated`, if what the writer relied on still holds:
        its lease, the status it saw, or the reward state it saw. False when it no longer does.

        Two writes carry what only their writer could write, so a retry of them that meets the write
        itself, applied by a try whose answer was lost, is told it succeeded: an attempt's outcome (its
        lease's token, which an opt-out removes and a later claim replaces) and a grant (its reward's id)."""
        update = diff(self._item(seen), self._item(updated), keep=_INDEXED, within=_PARTS)
        attempt = seen.auto_creation
        if guard == "lease":
            update.when("#auto_creation.#lease_until = :lease", lease=attempt.lease_until)
            own = attempt.lease_token is not None
            if own:
                # The token, not the time, says whose lease it is: two claims in one instant hold the same
                # `lease_until` (an opt-out may drop one lease and its own attempt take the next). Restated (it
                # does not change), so that recognising this write applied requires the token too.
                update.when("#auto_creation.#lease_token = :token", token=attempt.lease_token)
                update.set("auto_creation.lease_token", attempt.lease_token)
        elif guard == "status":
            update.when("#auto_creation.#status = :status", status=attempt.status)
            own = False
        else:
            update.when("#reward.#state = :state", state=seen.reward.state)
            own = updated.reward.reward is not None and updated.reward.reward != seen.reward.reward
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
            .set("auto_creation.lease_until", lease_until)
            .set("auto_creation.lease_token", token)
            .when(
                "attribute_exists(#due_at) AND (attribute_not_exists(#auto_creation.#lease_until) "
                "OR #auto_creation.#lease_until < :now)",
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
        interrupted = before.auto_creation.lease_until is not None
        return before.changed(auto_creation={"lease_until": lease_until, "lease_token": token}), interrupted

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

    def mark_live_gmv_max(self, seller_id: str, campaign_id: str, advertiser_id: str) -> None:
        update = (
            _campaign_update(seller_id, campaign_id)
            .set_if_absent("advertiser_id", advertiser_id)
            .set("live_gmv_max", True)
        )
        self._table.update(_campaign_key(seller_id, campaign_id), update)

    def auto_created_campaign_ids(self, seller_id: str) -> set[str]:
        condition = Key("pk").eq(_seller(seller_id)) & Key("sk").begins_with("CAMPAIGN#")
        return {str(i["campaign_id"]) for i in self._table.query_all(condition) if i.get("origin") == "AUTO"}

    def mark_auto_created(
        self, seller_id: str, campaign_id: str, mission_id: str, advertiser_id: str | None
    ) -> CampaignRecord:
        """Records a campaign as the service's own, and answers with what is known of it: a status the
        Ads platform reported before the service recorded its creation is kept and returned (A3, A4)."""
        update = _campaign_update(seller_id, campaign_id).set("origin", "AUTO").set("mission_id", mission_id)
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
            _campaign_update(seller_id, campaign_id)
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
            .set("campaign.report", to_item(report))
            .when(
                "attribute_exists(#pk) AND (attribute_not_exists(#campaign.#report) "
                "OR #campaign.#report.#campaign_id <> :campaign_id OR #campaign.#report.#changed_at < :changed_at)",
                campaign_id=report.campaign_id,
                changed_at=report.changed_at,
            )
        )
        return self._table.update(registration_key(mission_id, seller_id), update) is not None
