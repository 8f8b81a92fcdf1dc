"""In-memory stand-ins for the ports (live_mission.ports), with the same guards as the DynamoDB
repositories: unit tests pass these in, as the domain's services take their integrations in.
tests/integration/test_repositories.py holds the repositories to the same behaviour."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from live_mission.ads import AdsCampaign, AdsError, AdsRejected, SellerAdsAccount
from live_mission.ads_quota import Ask, DayPause, DayTally, MinuteTally, Purpose, QuotaUse
from live_mission.models import Mission, Operator
from live_mission.records import (
    ActivityVersion,
    CampaignRecord,
    CampaignReport,
    FinalPass,
    LiveSession,
    RecentAdsFacts,
    RegistrationRecord,
    ReportToConfirm,
    SellerActivity,
    SellerFacts,
    SellerView,
    SpendReport,
)
from live_mission.store.registrations import shard_of


class FakeMissions:
    def __init__(self, *missions: Mission) -> None:
        self.missions = {m.mission_id: m for m in missions}
        self.benchmark_rois: dict[tuple[str, str], dict[str, list[Decimal]]] = {}
        self.finalized: set[str] = set()
        self.final_pages: dict[str, dict[int, dict[str, Any] | None]] = {}  # None: the shard is done

    def put(self, mission: Mission) -> bool:
        created = mission.mission_id not in self.missions
        self.missions[mission.mission_id] = mission
        return created

    def get(self, mission_id: str) -> Mission | None:
        return self.missions.get(mission_id)

    def get_many(self, mission_ids: set[str]) -> dict[str, Mission]:
        return {m: self.missions[m] for m in mission_ids if m in self.missions}

    def closing_after(self, moment: datetime) -> list[Mission]:
        return [m for m in self.missions.values() if m.registration_closes_at > moment]

    def to_finalize(self, now: datetime) -> list[FinalPass]:
        from live_mission.progress import grace_ends_at

        due = [m.mission_id for m in self.missions.values() if grace_ends_at(m) <= now]
        return [p for p in (self.final_pass(m) for m in due) if p is not None]

    def final_pass(self, mission_id: str) -> FinalPass | None:
        if mission_id in self.finalized:
            return None
        reached = self.final_pages.get(mission_id, {})
        return FinalPass(
            mission=self.missions[mission_id],
            reached={s: r for s, r in reached.items() if r is not None},
            done=frozenset(s for s, r in reached.items() if r is None),
        )

    def record_final_page(self, mission_id: str, shard: int, following: dict[str, Any] | None, shards: int) -> bool:
        if mission_id in self.finalized:
            return True
        reached = self.final_pages.setdefault(mission_id, {})
        reached[shard] = following
        if following is None and all(s in reached and reached[s] is None for s in range(shards)):
            self.finalized.add(mission_id)
            return True
        return False

    def put_benchmark(
        self, country: str, industry: str, timing: str, author_rois: list[Decimal], at: datetime, by: Operator
    ) -> None:
        self.benchmark_rois.setdefault((country, timing), {})[industry] = list(author_rois)

    def benchmarks(self, country: str, timing: str) -> dict[str, list[Decimal]]:
        return dict(self.benchmark_rois.get((country, timing), {}))


class FakeVoucherSeal:
    """KMS as the service uses it: a sealed code says nothing of the code, and opens only in its own context."""

    def __init__(self) -> None:
        self.sealed: dict[str, tuple[str, dict[str, str]]] = {}

    def seal(self, code: str, context: dict[str, str]) -> str:
        sealed = f"kms:{uuid.uuid4().hex}"
        self.sealed[sealed] = (code, dict(context))
        return sealed

    def open(self, sealed: str, context: dict[str, str]) -> str:
        code, sealed_in = self.sealed[sealed]
        if sealed_in != context:
            raise ValueError("InvalidCiphertextException: the context is not the one it was sealed in")
        return code


class FakeSellerViews:
    def __init__(self, missions: FakeMissions, registrations: FakeRegistrations, ads_facts: FakeAdsFacts) -> None:
        self.missions, self.registrations, self.ads_facts = missions, registrations, ads_facts

    def of(self, mission_id: str, seller_id: str) -> SellerView:
        return SellerView(
            mission=self.missions.get(mission_id),
            registration=self.registrations.get(mission_id, seller_id),
            facts=self.registrations.facts(seller_id),
            ads_facts=self.ads_facts.of(seller_id),
        )


class FakeRegistrations:
    def __init__(self, retry_shards: int = 1, mission_shards: int = 1) -> None:
        self.retry_shards = retry_shards
        self.mission_shards = mission_shards
        self.registrations: dict[tuple[str, str], RegistrationRecord] = {}
        self.facts_of: dict[str, SellerFacts] = {}
        self.campaigns: dict[tuple[str, str], CampaignRecord] = {}
        self.before_save: list[Any] = []  # hooks that run just before a save (to stage races)

    def get(self, mission_id: str, seller_id: str, *, consistent: bool = False) -> RegistrationRecord | None:
        return self.registrations.get((mission_id, seller_id))

    def of_seller(self, seller_id: str) -> list[RegistrationRecord]:
        return [r for (_, s), r in sorted(self.registrations.items()) if s == seller_id]

    def of_mission(
        self, mission_id: str, shard: int, limit: int, start: dict[str, Any] | None = None
    ) -> tuple[list[RegistrationRecord], dict[str, Any] | None]:
        found = [
            r
            for (m, s), r in sorted(self.registrations.items())
            if m == mission_id and shard_of(s, self.mission_shards) == shard
        ]
        offset = int((start or {}).get("offset", 0))
        following = {"offset": offset + limit} if offset + limit < len(found) else None
        return found[offset : offset + limit], following

    def due(
        self, shard: int, now: datetime, limit: int, start: dict[str, Any] | None = None
    ) -> tuple[list[tuple[str, str]], dict[str, Any] | None]:
        due = sorted(
            (r.auto_creation.due_at, r.mission_id, r.seller_id)
            for r in self.registrations.values()
            if r.auto_creation.due_at and r.auto_creation.due_at <= now
        )
        offset = int((start or {}).get("offset", 0))
        page = [(m, s) for _, m, s in due[offset : offset + limit]]
        following = {"offset": offset + limit} if offset + limit < len(due) else None
        return page, following

    def has_due(self, shard: int, now: datetime) -> bool:
        return bool(self.due(shard, now, 1)[0])

    def create(self, record: RegistrationRecord) -> bool:
        key = (record.mission_id, record.seller_id)
        if key in self.registrations:
            return False
        self.registrations[key] = record
        return True

    def save(self, seen: RegistrationRecord, updated: RegistrationRecord, *, guard: str) -> bool:
        for hook in list(self.before_save):
            hook(seen, updated)
        current = self.registrations.get((seen.mission_id, seen.seller_id))
        if current is None:
            return False
        now_, then = current.auto_creation, seen.auto_creation
        if guard == "lease" and (now_.lease_until, now_.lease_token) != (then.lease_until, then.lease_token):
            return False
        if guard == "status" and now_.status is not then.status:
            return False
        if guard == "reward_state" and current.reward.state != seen.reward.state:
            return False
        # Like the repository, only what changed between seen and updated is written, field by field of each part.
        parts = {}
        for part in ("auto_creation", "campaign", "reward"):
            before, after = getattr(seen, part), getattr(updated, part)
            fields = {f: getattr(after, f) for f in type(after).model_fields if getattr(after, f) != getattr(before, f)}
            if fields:
                parts[part] = fields
        self.registrations[(seen.mission_id, seen.seller_id)] = current.changed(**parts)
        return True

    def claim_attempt(
        self, mission_id: str, seller_id: str, now: datetime, lease_until: datetime
    ) -> tuple[RegistrationRecord, bool] | None:
        current = self.registrations.get((mission_id, seller_id))
        state = current.auto_creation if current else None
        if current is None or state is None or state.due_at is None or (state.lease_until and state.lease_until >= now):
            return None
        leased = current.changed(auto_creation={"lease_until": lease_until, "lease_token": f"token-{lease_until}"})
        self.registrations[(mission_id, seller_id)] = leased
        return leased, state.lease_until is not None

    def facts(self, seller_id: str) -> SellerFacts:
        return self.facts_of.get(seller_id, SellerFacts())

    def record_fact(self, seller_id: str, fact: str, at: datetime, *, campaign_id: str | None = None) -> None:
        facts = self.facts(seller_id)
        if getattr(facts, fact) is None:
            self.facts_of[seller_id] = facts.model_copy(update={fact: at})

    def keep_report_to_confirm(self, seller_id: str, report: ReportToConfirm) -> None:
        facts = self.facts(seller_id)
        if report not in facts.reports_to_confirm:
            waiting = [*facts.reports_to_confirm, report]
            self.facts_of[seller_id] = facts.model_copy(update={"reports_to_confirm": waiting})

    def forget_report_to_confirm(self, seller_id: str, report: ReportToConfirm) -> None:
        facts = self.facts(seller_id)
        waiting = [r for r in facts.reports_to_confirm if r != report]
        self.facts_of[seller_id] = facts.model_copy(update={"reports_to_confirm": waiting})

    def campaign(self, seller_id: str, campaign_id: str) -> CampaignRecord | None:
        return self.campaigns.get((seller_id, campaign_id))

    def mark_live_gmv_max(self, seller_id: str, campaign_id: str, advertiser_id: str) -> None:
        known = self.campaigns.get((seller_id, campaign_id)) or CampaignRecord(
            seller_id=seller_id, campaign_id=campaign_id
        )
        self.campaigns[(seller_id, campaign_id)] = known.model_copy(
            update={"live_gmv_max": True, "advertiser_id": known.advertiser_id or advertiser_id}
        )

    def auto_created_campaign_ids(self, seller_id: str) -> set[str]:
        return {c for (s, c), r in self.campaigns.items() if s == seller_id and r.origin == "AUTO"}

    def mark_auto_created(
        self, seller_id: str, campaign_id: str, mission_id: str, advertiser_id: str | None
    ) -> CampaignRecord:
        known = self.campaigns.get((seller_id, campaign_id)) or CampaignRecord(
            seller_id=seller_id, campaign_id=campaign_id
        )
        record = known.model_copy(
            update={"origin": "AUTO", "mission_id": mission_id, "advertiser_id": advertiser_id or known.advertiser_id}
        )
        self.campaigns[(seller_id, campaign_id)] = record
        return record

    def record_campaign_report(
        self, seller_id: str, campaign_id: str, advertiser_id: str, status: str, changed_at: datetime
    ) -> CampaignRecord | None:
        known = self.campaigns.get((seller_id, campaign_id))
        if known and known.status_changed_at and known.status_changed_at >= changed_at:
            return None
        record = known or CampaignRecord(seller_id=seller_id, campaign_id=campaign_id, advertiser_id=advertiser_id)
        record = record.model_copy(update={"status": status, "status_changed_at": changed_at})
        self.campaigns[(seller_id, campaign_id)] = record
        return record

    def report_campaign_status(self, mission_id: str, seller_id: str, report: CampaignReport) -> bool:
        current = self.registrations.get((mission_id, seller_id))
        if current is None:
            return False
        known = current.campaign.report
        if known and known.campaign_id == report.campaign_id and known.changed_at >= report.changed_at:
            return False
        self.registrations[(mission_id, seller_id)] = current.changed(campaign={"report": report})
        return True


class FakeActivity:
    def __init__(self) -> None:
        self.sessions: dict[tuple[str, str], LiveSession] = {}
        self.filed: dict[tuple[str, str], date] = {}
        self.reports: dict[tuple[str, str], SpendReport] = {}
        self.fingerprints: set[tuple[str, str]] = set()

    def file_session(self, seller_id: str, session_id: str, started_at: datetime) -> date:
        from datetime import UTC

        return self.filed.setdefault((seller_id, session_id), started_at.astimezone(UTC).date())

    def record_session(
        self,
        seller_id: str,
        session_id: str,
        room_id: str,
        filed: date,
        version: ActivityVersion,
        fingerprint: str,
    ) -> bool:
        if (session_id, fingerprint) in self.fingerprints:
            return False
        self.fingerprints.add((session_id, fingerprint))
        known = self.sessions.get((seller_id, session_id))
        versions = [*(known.versions if known else []), version]
        started_at = known.started_at if known else version.started_at
        assert started_at is not None
        self.sessions[(seller_id, session_id)] = LiveSession(
            session_id=session_id, room_id=known.room_id if known else room_id, started_at=started_at, versions=versions
        )
        return True

    def record_spend(
        self, seller_id: str, report_id: str, day: date, version: ActivityVersion, fingerprint: str
    ) -> bool:
        if (report_id, fingerprint) in self.fingerprints:
            return False
        self.fingerprints.add((report_id, fingerprint))
        known = self.reports.get((seller_id, report_id))
        versions = [*(known.versions if known else []), version]
        self.reports[(seller_id, report_id)] = SpendReport(report_id=report_id, date=day, versions=versions)
        return True

    def activity(self, seller_id: str, first_day: date, last_day: date) -> SellerActivity:
        def filed(seller: str, session: str, started: date) -> date:
            return self.filed.get((seller, session), started)

        return SellerActivity(
            sessions=[
                s
                for (seller, session), s in self.sessions.items()
                if seller == seller_id and first_day <= filed(seller, session, s.started_at.date()) <= last_day
            ],
            spend_reports=[
                r for (seller, _), r in self.reports.items() if seller == seller_id and first_day <= r.date <= last_day
            ],
        )


class FakeStatistics:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.applied: dict[tuple[str, str], str] = {}

    def apply(self, mission_id: str, stream_shard: str, changes: list[tuple[str, Counter[str]]]) -> None:
        seen = self.applied.get((mission_id, stream_shard), "")
        for sequence, counts in sorted((s.zfill(48), c) for s, c in changes):
            if sequence > seen:
                self.counts.update(counts)
                seen = sequence
        self.applied[(mission_id, stream_shard)] = seen

    def count_blocked(self, mission_id: str, seller_id: str, codes: list[str]) -> None:
        self.counts.update(f"blocked_{code}" for code in codes)

    def totals(self, mission_id: str) -> Counter[str]:
        return Counter(self.counts)


class FakeAds:
    """The Ads platform: accounts, campaigns, and failures on demand by operation (as the sandbox has)."""

    def __init__(self) -> None:
        self.accounts: dict[str, SellerAdsAccount] = {}
        self.campaigns: dict[str, AdsCampaign] = {}
        self.failures: dict[str, list[AdsError]] = {}
        self.created: list[dict[str, Any]] = []
        self.succeed_then_fail: dict[str, AdsError] = {}
        self.calls: Counter[str] = Counter()
        self.purposes: defaultdict[str, list[Purpose]] = defaultdict(list)  # what each call said it was for
        self.zones: dict[str, str] = {}  # advertiser info's zones

    def fail(self, operation: str, *errors: AdsError) -> None:
        self.failures.setdefault(operation, []).extend(errors)

    def _maybe_fail(self, operation: str, purpose: Purpose) -> None:
        self.calls[operation] += 1
        self.purposes[operation].append(purpose)
        queued = self.failures.get(operation) or self.failures.get("any")
        if queued:
            raise queued.pop(0)

    def seller_account(self, seller_id: str, *, purpose: Purpose) -> SellerAdsAccount:
        self._maybe_fail("account_status", purpose)
        return self.accounts.get(seller_id) or SellerAdsAccount(seller_id=seller_id)

    def advertiser_timezones(self, advertiser_ids: list[str], *, purpose: Purpose) -> dict[str, str]:
        self._maybe_fail("advertiser_info", purpose)
        return {a: self.zones[a] for a in advertiser_ids if a in self.zones}

    def live_campaigns(self, advertiser_id: str, *, purpose: Purpose) -> list[AdsCampaign]:
        self._maybe_fail("list_campaigns", purpose)
        return [
            c for c in self.campaigns.values() if c.advertiser_id == advertiser_id and c.operation_status != "DELETE"
        ]

    def campaign(self, advertiser_id: str, campaign_id: str, *, purpose: Purpose) -> AdsCampaign | None:
        self._maybe_fail("list_campaigns", purpose)
        found = self.campaigns.get(campaign_id)
        return found if found and found.advertiser_id == advertiser_id else None

    def create_live_campaign(self, request: dict[str, Any], *, purpose: Purpose) -> str:
        self._maybe_fail("create_campaign", purpose)
        campaign_id = f"C{len(self.campaigns) + 1}"
        self.campaigns[campaign_id] = AdsCampaign(
            campaign_id=campaign_id,
            campaign_name=request["campaign_name"],
            advertiser_id=request["advertiser_id"],
            operation_status="ENABLE",
            store_id=request.get("store_id") or "",
        )
        self.created.append(request)
        late = self.succeed_then_fail.pop("create_campaign", None)
        if late:
            raise late  # done on the Ads side, but the answer never came
        return campaign_id

    def disable_campaign(self, advertiser_id: str, campaign_id: str, *, purpose: Purpose) -> None:
        self._maybe_fail("update_campaign_status", purpose)
        found = self.campaigns.get(campaign_id)
        if not found or found.advertiser_id != advertiser_id:
            raise AdsRejected("no such campaign", code=40002)
        self.campaigns[campaign_id] = found.model_copy(update={"operation_status": "DISABLE"})


class FakePublisher:
    def __init__(self) -> None:
        self.published: list[Any] = []
        self.refuse_detail_types: set[str] = set()  # the bus refuses these entries

    def publish(self, events: list[Any]) -> list[bool]:
        accepted = []
        for event in events:
            refused = event.detail_type in self.refuse_detail_types
            if not refused:
                self.published.append(event)
            accepted.append(not refused)
        return accepted


class FakeAdsFacts:
    """What the Ads platform said of sellers a short while ago, kept as the repository keeps it."""

    def __init__(self) -> None:
        self.recent: dict[str, RecentAdsFacts] = {}

    def of(self, seller_id: str) -> RecentAdsFacts:
        return self.recent.get(seller_id, RecentAdsFacts())

    def remember_account(self, seller_id: str, account: SellerAdsAccount, zone: str | None, at: datetime) -> None:
        update = {"account": account, "account_read_at": at, "zone": zone}
        self.recent[seller_id] = self.of(seller_id).model_copy(update=update)

    def forget_clear_campaigns(self, seller_id: str) -> None:
        self.recent[seller_id] = self.of(seller_id).model_copy(update={"campaigns_clear_at": None})

    def remember_clear_campaigns(self, seller_id: str, at: datetime) -> None:
        self.recent[seller_id] = self.of(seller_id).model_copy(update={"campaigns_clear_at": at})


class FakeQuotaLedger:
    """The quota's counters in memory, with the repository's conditions: a slot only below the ask's
    allowances and outside a pause; a day's lease only within its allowance."""

    def __init__(self) -> None:
        self.minutes: dict[int, dict[str, Any]] = defaultdict(lambda: {"s": Counter(), "e": Counter(), "calls": 0})
        self.days: dict[date, dict[str, Any]] = defaultdict(dict)
        self.takes = 0  # writes of the minutes' counters, granted or not
        self.day_writes = 0

    def take(self, ask: Ask) -> MinuteTally:
        self.takes += 1
        item = self.minutes[ask.minute]
        second, endpoint_second = ask.second, (ask.endpoint, ask.second)
        cap = item.get("second_cap")
        allowed = (
            (not ask.second_allowance or item["s"][second] < ask.second_allowance)
            and (cap is None or item["s"][second] < cap or item["s"][second] == 0)
            and (not ask.minute_allowance or item["calls"] < ask.minute_allowance)
            and item.get("paused_until", 0.0) <= ask.now
        )
        if ask.endpoint:
            allowed = allowed and (
                (not ask.endpoint_second_allowance or item["e"][endpoint_second] < ask.endpoint_second_allowance)
                and (
                    not ask.endpoint_minute_allowance
                    or item["e"][(ask.endpoint, "calls")] < ask.endpoint_minute_allowance
                )
            )
        if allowed:
            item["s"][second] += 1
            item["calls"] += 1
            if ask.endpoint:
                item["e"][endpoint_second] += 1
                item["e"][(ask.endpoint, "calls")] += 1
        return MinuteTally(
            granted=allowed,
            place=item["s"][second] if allowed else 0,
            by_second=dict(item["s"]),
            calls=item["calls"],
            endpoint_by_second={s: n for (e, s), n in item["e"].items() if e == ask.endpoint and s != "calls"},
            endpoint_calls=item["e"][(ask.endpoint, "calls")] if ask.endpoint else 0,
            paused_until=item.get("paused_until", 0.0),
            second_cap=item.get("second_cap", 0),
        )

    def granted_by_second(self) -> Counter[int]:
        """Calls granted in each epoch second, over every minute."""
        return Counter({minute * 60 + s: n for minute, item in self.minutes.items() for s, n in item["s"].items()})

    def throttled(self, minute: int, second: int, *, first_of_second: bool, cap: int) -> MinuteTally:
        item = self.minutes[minute]
        refused_first = item.setdefault("refused_first", set())
        before = MinuteTally(
            granted=False,
            by_second=dict(item["s"]),
            calls=item["calls"],
            paused_until=item.get("paused_until", 0.0),
            second_cap=item.get("second_cap", 0),
            refused_first=frozenset(refused_first),
            refused=item.get("refused", 0),
        )
        item["refused"] = item.get("refused", 0) + 1
        if first_of_second:
            refused_first.add(second)
        else:
            item["second_cap"] = min(item.get("second_cap", cap), cap)
        return before

    def pause_minute(self, minute: int, until: float) -> None:
        item = self.minutes[minute]
        item["paused_until"] = max(item.get("paused_until", 0.0), until)

    def lease_day(self, day: date, calls: int, allowance: int) -> DayTally:
        self.day_writes += 1
        item = self.days[day]
        leased = item.get("leased", 0)
        granted = max(0, min(calls, allowance - leased))
        item["leased"] = leased + granted
        return DayTally(
            granted, item["leased"], item.get("paused_until"), item.get("minute_spent"), item.get("minute_cap", 0)
        )

    def day(self, day: date) -> DayTally:
        item = self.days[day]
        return DayTally(
            0, item.get("leased", 0), item.get("paused_until"), item.get("minute_spent"), item.get("minute_cap", 0)
        )

    def note_minute_spent(self, day: date, minute: int, sent: int) -> None:
        self.days[day].update(minute_spent=minute, minute_cap=sent)

    def pause_day(self, day: date, until: datetime) -> None:
        self.days[day]["paused_until"] = until

    def probe(self, day: date, now: datetime, every: timedelta) -> DayPause:
        item = self.days[day]
        paused = item.get("paused_until")
        if paused is None or paused <= now:
            return DayPause(None)
        last = item.get("probe_at")
        if last is not None and last > now - every:
            return DayPause(paused)
        item["probe_at"] = now
        return DayPause(paused, probe=True)

    def lift_day_pause(self, day: date) -> None:
        self.days[day].pop("paused_until", None)

    def usage(self, day: date, minutes: list[int]) -> QuotaUse:
        return QuotaUse(self.days[day].get("leased", 0), {m: self.minutes[m]["calls"] for m in minutes})
