"""The DynamoDB repositories on the moto server, held to what the domain relies on (and the unit tests'
fakes promise): conditional saves, the attempt lease, exactly-once counts, copies that change nothing,
and concurrency failures handled as DynamoDB sends them."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from live_mission.models import AutoCreationStatus as Status
from live_mission.models import CampaignOrigin, Reward
from live_mission.ports import StorageBusy
from live_mission.records import ActivityVersion, CampaignReport, KnownCampaign, RegistrationRecord, ReportToConfirm
from live_mission.store.activity import ActivityStore
from live_mission.store.dynamo import Table
from live_mission.store.missions import MissionStore
from live_mission.store.registrations import RegistrationStore, shard_of
from live_mission.store.seller_views import SellerViewStore
from live_mission.store.statistics import StatisticsStore
from tests.unit.world import World, mission

NOW = datetime.fromisoformat("2026-02-09T02:00:00+07:00")


def _registration() -> RegistrationRecord:
    world = World()
    world.seller()
    world.claim()
    return world.registration()


def _claimed_as(record: RegistrationRecord, correlation_id: str) -> RegistrationRecord:
    return record.model_copy(update={"claim": record.claim.model_copy(update={"correlation_id": correlation_id})})


def test_a_registration_reads_back_as_it_was_written(tables: Callable[[], Table]) -> None:
    table = tables()
    store = RegistrationStore(table)
    record = _registration()
    assert store.create(record) and not store.create(_claimed_as(record, "another claim"))
    assert store.get("M1", "S1") == record
    view = SellerViewStore(table).of("M1", "S1")  # with the mission, in one read
    assert (view.mission, view.registration, view.facts) == (None, record, store.facts("S1"))
    shard = shard_of("S1", store.mission_shards)
    assert store.of_seller("S1") == [record] and store.of_mission("M1", shard, 10) == ([record], None)


def test_a_registration_is_stored_in_its_parts_with_the_plan_once(tables: Callable[[], Table]) -> None:
    # Given a registration whose campaign was auto-created
    table = tables()
    store = RegistrationStore(table)
    world = World()
    world.seller()
    world.claim()
    world.creator.attempt("M1", "S1")
    created = world.registration()
    plan = created.claim.plan
    assert plan is not None and created.campaign.known is not None

    # When it is stored
    assert store.create(created) and store.get("M1", "S1") == created
    item = table.get({"pk": "SELLER#S1", "sk": "REGISTRATION#M1"}) or {}

    # Then each part is a map of its own, and the plan is kept once: the consent's campaign and the campaign's
    # settings are the claim's plan
    assert {"claim", "auto_creation", "campaign", "reward"} <= set(item)
    assert str(item).count(plan.campaign_name or "?") == 1
    assert item["claim"]["consent"]["campaign_planned"] is True and "campaign" not in item["claim"]["consent"]
    assert set(item["campaign"]["known"]) <= {"campaign_id", "origin", "status", "advertiser_id", "campaign_name"}
    # The seller's view still shows the plan's settings on the campaign and in the consent
    shown = created.view()
    assert shown.consent.campaign == plan and shown.auto_creation.campaign is not None
    assert shown.auto_creation.campaign.roas_bid == plan.roas_bid
    # The guards' fields are never left out, even at their defaults; the retry index keys copy the state's
    assert item["auto_creation"]["status"] == "CREATED" and item["reward"] == {"state": "NOT_YET"}
    assert "due_at" not in item and "due_shard" not in item  # nothing is due on a created campaign


def test_the_attempt_lease_lets_one_attempt_at_a_time_and_shows_a_crash(tables: Callable[[], Table]) -> None:
    store = RegistrationStore(tables())
    store.create(_registration())
    leased, interrupted = store.claim_attempt("M1", "S1", NOW, NOW + timedelta(minutes=2)) or (None, None)
    assert leased is not None and interrupted is False
    assert store.claim_attempt("M1", "S1", NOW, NOW + timedelta(minutes=2)) is None  # held
    later = NOW + timedelta(minutes=3)
    again, interrupted = store.claim_attempt("M1", "S1", later, later + timedelta(minutes=2)) or (None, None)
    assert again is not None and interrupted is True  # the first never finished: it may have created


def test_a_lease_taken_over_in_the_same_instant_is_not_the_first_attempts(tables: Callable[[], Table]) -> None:
    # Given an attempt holding the lease, dropped by an opt-out whose own attempt takes the next one at the
    # same instant (the same `lease_until`)
    store = RegistrationStore(tables())
    store.create(_registration())
    first, _ = store.claim_attempt("M1", "S1", NOW, NOW + timedelta(minutes=2))  # type: ignore[misc]
    opted_out = first.changed(
        auto_creation={"status": Status.OPTED_OUT, "lease_until": None, "lease_token": None, "due_at": NOW}
    )
    assert store.save(first, opted_out, guard="status")
    second, _ = store.claim_attempt("M1", "S1", NOW, NOW + timedelta(minutes=2))  # type: ignore[misc]
    assert second.auto_creation.lease_until == first.auto_creation.lease_until

    # Then the first attempt's outcome is refused, and the opt-out's attempt still holds its lease
    assert not store.save(
        first, first.changed(auto_creation={"status": Status.CREATED, "lease_until": None}), guard="lease"
    )
    assert store.save(second, second.changed(auto_creation={"lease_until": None, "due_at": None}), guard="lease")
    stored = store.get("M1", "S1")
    assert stored is not None and stored.auto_creation.status is Status.OPTED_OUT


def test_a_save_writes_only_what_changed_and_only_while_its_guard_holds(tables: Callable[[], Table]) -> None:
    store = RegistrationStore(tables())
    store.create(_registration())
    leased, _ = store.claim_attempt("M1", "S1", NOW, NOW + timedelta(minutes=2))  # type: ignore[misc]
    # Meanwhile a reward evaluation writes its own part, and a status report a field of the campaign's part
    assert store.save(leased, leased.changed(reward={"state": "HELD"}), guard="reward_state")
    report = CampaignReport(campaign_id="C9", status="DISABLE", changed_at=NOW)
    assert store.report_campaign_status("M1", "S1", report)
    # The attempt's outcome still lands (its lease holds), and leaves the reward and the report alone
    known = KnownCampaign(campaign_id="C9", origin=CampaignOrigin.AUTO, status="ENABLE")
    done = leased.changed(
        auto_creation={"status": Status.CREATED, "lease_until": None, "due_at": None}, campaign={"known": known}
    )
    assert store.save(leased, done, guard="lease")
    stored = store.get("M1", "S1")
    assert stored and stored.auto_creation.status is Status.CREATED and stored.auto_creation.due_at is None
    assert stored.reward.state == "HELD" and stored.campaign.report == report and stored.campaign.known == known
    # A second save with the same (gone) lease is refused
    assert not store.save(leased, done.changed(auto_creation={"status": Status.FAILED}), guard="lease")


def test_due_work_is_found_through_the_index_oldest_first(tables: Callable[[], Table]) -> None:
    store = RegistrationStore(tables(), retry_shards=1)
    record = _registration()
    store.create(record)
    earlier = record.auto_creation.due_at - timedelta(minutes=1)  # type: ignore[operator]
    store.create(record.model_copy(update={"seller_id": "S2"}).changed(auto_creation={"due_at": earlier}))
    assert not store.has_due(0, NOW)
    page, following = store.due(0, NOW + timedelta(minutes=10), 10)
    assert page == [("M1", "S2"), ("M1", "S1")] and following is None


def test_campaign_reports_keep_the_latest_and_fold_into_the_services_record(tables: Callable[[], Table]) -> None:
    store = RegistrationStore(tables())
    store.create(_registration())
    assert store.record_campaign_report("S1", "C1", "A1", "DISABLE", NOW) is not None
    assert store.record_campaign_report("S1", "C1", "A1", "ENABLE", NOW - timedelta(hours=1)) is None  # older
    record = store.mark_auto_created("S1", "C1", "M1", "A1")
    assert record.origin == "AUTO" and record.status == "DISABLE" and store.auto_created_campaign_ids("S1") == {"C1"}
    report = CampaignReport(campaign_id="C1", status="DISABLE", changed_at=NOW)
    assert store.report_campaign_status("M1", "S1", report)
    assert not store.report_campaign_status("M1", "S1", report.model_copy(update={"changed_at": NOW - timedelta(1)}))


def test_facts_keep_their_first_time(tables: Callable[[], Table]) -> None:
    store = RegistrationStore(tables())
    store.record_fact("S1", "withdrawn_at", NOW, campaign_id="C1")
    store.record_fact("S1", "withdrawn_at", NOW + timedelta(days=1))
    assert store.facts("S1").withdrawn_at == NOW and store.facts("S1").decision() is Status.SKIPPED_WITHDRAWN


def test_reports_to_confirm_wait_once_each_and_are_forgotten_one_by_one(tables: Callable[[], Table]) -> None:
    store = RegistrationStore(tables())
    first = ReportToConfirm(advertiser_id="adv-S1", campaign_id="C1", status="LIVEROOM_WITHDRAWN", changed_at=NOW)
    second = first.model_copy(update={"campaign_id": "C2", "changed_at": NOW + timedelta(minutes=1)})
    for report in (first, second, first):  # a report's retries keep it once
        store.keep_report_to_confirm("S1", report)
    assert store.facts("S1").reports_to_confirm == [first, second]
    store.forget_report_to_confirm("S1", first)
    assert store.facts("S1").reports_to_confirm == [second]
    store.forget_report_to_confirm("S1", second)
    assert store.facts("S1").reports_to_confirm == []
    assert SellerViewStore(tables()).of("M1", "S1").facts == store.facts("S1")


def test_an_exact_copy_of_activity_adds_nothing_and_a_restatement_a_version(tables: Callable[[], Table]) -> None:
    store = ActivityStore(tables())
    version = ActivityVersion(received_at=NOW, spend=Decimal(5))
    day = NOW.date()
    assert store.record_spend("S1", "P1", day, version, "f1")
    assert not store.record_spend("S1", "P1", day, version.model_copy(update={"received_at": NOW + timedelta(9)}), "f1")
    assert store.record_spend("S1", "P1", day, version.model_copy(update={"spend": Decimal(7)}), "f2")
    [report] = store.activity("S1", day, day).spend_reports
    assert [v.spend for v in report.versions] == [5, 7] and report.versions[0].received_at == NOW


def test_counts_from_a_redelivered_batch_are_applied_once(tables: Callable[[], Table]) -> None:
    store = StatisticsStore(tables())
    first = [("17", Counter(registrations=1)), ("18", Counter(registrations=1))]
    store.apply("M1", "shard-a", first)
    store.apply("M1", "shard-a", first)  # the same batch again
    store.apply("M1", "shard-a", [("18", Counter(registrations=1)), ("19", Counter(registrations=1))])  # overlapping
    store.apply("M1", "shard-b", [("5", Counter(registrations=1))])  # another shard's own numbering
    store.count_blocked("M1", "S9", ["NO_VALID_AD_ACCOUNT"])
    assert store.totals("M1") == Counter(registrations=4, blocked_NO_VALID_AD_ACCOUNT=1)


def test_missions_keep_the_offset_they_were_given_in(tables: Callable[[], Table]) -> None:
    store = MissionStore(tables())
    assert store.put(mission()) and not store.put(mission())
    assert store.get("M1") == mission() and str(store.get("M1").campaign_starts_at) == "2026-02-09 00:00:00+07:00"  # type: ignore[union-attr]
    assert [m.mission_id for m in store.closing_after(NOW)] == ["M1"]


def test_racing_reward_grants_succeed_once(tables: Callable[[], Table]) -> None:
    RegistrationStore(tables()).create(_registration())
    barrier = threading.Barrier(8)
    results: list[bool] = []

    def grant() -> None:
        store = RegistrationStore(tables())
        seen = store.get("M1", "S1", consistent=True)
        assert seen is not None
        barrier.wait()
        results.append(store.save(seen, seen.changed(reward={"state": "GRANTED"}), guard="reward_state"))

    threads = [threading.Thread(target=grant) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]


@pytest.mark.parametrize(("mode", "absorbed"), [("conflict", True), ("throttle", True), ("error", True)])
def test_a_few_concurrency_failures_are_absorbed(emulator, mode: str, absorbed: bool) -> None:  # type: ignore[no-untyped-def]
    server, template = emulator
    import boto3

    from tools.local_stack.aws import CREDENTIALS

    client = boto3.client("dynamodb", endpoint_url=server.functions_url, **CREDENTIALS)
    store = RegistrationStore(Table(template.physical_names["MissionTable"], client))
    server.faults.set("dynamodb", "PutItem", mode, 2)
    assert store.create(_registration()) is absorbed


def test_persistent_failures_become_storage_busy(emulator) -> None:  # type: ignore[no-untyped-def]
    server, template = emulator
    import boto3

    from tools.local_stack.aws import CREDENTIALS

    client = boto3.client("dynamodb", endpoint_url=server.functions_url, **CREDENTIALS)
    store = RegistrationStore(Table(template.physical_names["MissionTable"], client))
    for mode in ("conflict", "throttle", "error"):
        server.faults.set("dynamodb", "any", mode, 50)
        with pytest.raises(StorageBusy):
            store.create(_registration())
        server.faults.set("dynamodb", "any", mode, 0)
    assert store.get("M1", "S1") is None  # nothing was written by the refused calls


def test_a_write_applied_whose_answer_was_lost_is_known_as_its_writers_own(emulator) -> None:  # type: ignore[no-untyped-def]
    """DynamoDB may apply a write and lose its answer (a timeout, a 500); botocore retries it, and the
    retry fails its condition on what the write itself did. The attempt's claim, its outcome and a grant
    know their own write; a change anyone could have made is not claimed."""
    server, store = _registrations_behind_the_fault_injector(emulator)
    store.create(_registration())

    def answer_lost() -> None:
        server.faults.set("dynamodb", "UpdateItem", "applied_then_error", 1)

    answer_lost()
    claimed = store.claim_attempt("M1", "S1", NOW, NOW + timedelta(minutes=2))
    assert claimed is not None  # not taken for another attempt's lease
    leased, interrupted = claimed
    assert interrupted is True  # what was there before is unknown: look before creating (A5)
    assert store.claim_attempt("M1", "S1", NOW, NOW + timedelta(minutes=2)) is None  # and it is held
    assert server.faults.injected["dynamodb.UpdateItem.applied_then_error"] == 1

    answer_lost()
    outcome = leased.changed(auto_creation={"status": Status.CREATED, "lease_until": None, "due_at": None})
    assert store.save(leased, outcome, guard="lease")
    assert not store.save(leased, outcome.changed(auto_creation={"status": Status.FAILED}), guard="lease")

    seen = store.get("M1", "S1", consistent=True)
    assert seen is not None and seen.auto_creation.status is Status.CREATED
    answer_lost()
    assert not store.save(seen, seen.changed(reward={"state": "HELD"}), guard="reward_state")
    held = store.get("M1", "S1", consistent=True)
    assert held is not None and held.reward.state == "HELD"  # applied, but not claimed: anyone could have
    answer_lost()
    assert store.save(held, _granted(held, "R1"), guard="reward_state")
    assert not store.save(held, _granted(held, "R2"), guard="reward_state")  # a second grant is refused
    stored = store.get("M1", "S1", consistent=True)
    assert stored is not None and stored.reward.reward is not None and stored.reward.reward.reward_id == "R1"
    assert server.faults.injected["dynamodb.UpdateItem.applied_then_error"] == 4


def test_a_claim_applied_whose_answer_was_lost_is_still_new(emulator) -> None:  # type: ignore[no-untyped-def]
    """The claim's put carries its request's id: its retry, failing its condition on the put itself, is
    told it created the registration (201); another request's claim is a repeat (200)."""
    server, store = _registrations_behind_the_fault_injector(emulator)
    claim = _claimed_as(_registration(), "request-1")

    server.faults.set("dynamodb", "PutItem", "applied_then_error", 1)
    assert store.create(claim)
    assert server.faults.injected["dynamodb.PutItem.applied_then_error"] == 1
    assert not store.create(_claimed_as(claim, "request-2"))
    stored = store.get("M1", "S1", consistent=True)
    assert stored is not None and stored.claim.correlation_id == "request-1"
    # Without a request's id nothing tells whose put it was: a repeat.
    assert not store.create(_claimed_as(claim, ""))


def _registrations_behind_the_fault_injector(emulator) -> tuple[Any, RegistrationStore]:  # type: ignore[no-untyped-def]
    """The repository through the emulator's functions endpoint, where `POST /_local/faults` applies."""
    server, template = emulator
    import boto3

    from live_mission.store.dynamo import CLIENT_CONFIG
    from tools.local_stack.aws import CREDENTIALS

    client = boto3.client("dynamodb", endpoint_url=server.functions_url, config=CLIENT_CONFIG, **CREDENTIALS)
    return server, RegistrationStore(Table(template.physical_names["MissionTable"], client))


def _granted(seen: RegistrationRecord, reward_id: str) -> RegistrationRecord:
    reward = Reward(
        reward_id=reward_id,
        mission_id=seen.mission_id,
        type="VOUCHER",
        value=Decimal(50),
        currency="USD",
        voucher_code=f"LIVE-{reward_id}",
        granted_at=NOW,
    )
    return seen.changed(reward={"state": "GRANTED", "reward": reward})


def test_the_quota_ledger_and_its_fake_answer_alike(tables: Callable[[], Table]) -> None:
    """The same asks, throttles, leases and probes against the DynamoDB ledger and the unit tests' fake."""
    from live_mission.ads_quota import Ask
    from live_mission.store.ads_quota import AdsQuotaLedger
    from tests.unit.fakes import FakeQuotaLedger

    def script(ledger: Any) -> list[Any]:
        day, minute, now = NOW.date(), 29_000_000, 29_000_000 * 60 + 5.0
        seen: list[Any] = []
        for second in (5, 5, 5, 6):  # a second holds at most 2, the minute at most 3
            tally = ledger.take(Ask(minute, second, 2, 3, "create_campaign", 1, 0, now=now))
            seen.append((tally.granted, tally.place, tally.calls, tally.by_second, tally.endpoint_calls))
        seen.append(ledger.throttled(minute, 7, first_of_second=False, cap=1))
        seen.append(ledger.throttled(minute, 8, first_of_second=True, cap=1))
        seen.append(ledger.throttled(minute, 9, first_of_second=True, cap=1))
        tally = ledger.take(Ask(minute + 1, 0, 5, 100, now=now))
        seen.append((tally.granted, tally.second_cap))
        ledger.pause_minute(minute + 1, now + 30)
        seen.append(ledger.take(Ask(minute + 1, 1, 5, 100, now=now)).granted)
        seen.append((ledger.lease_day(day, 7, 10), ledger.lease_day(day, 7, 10), ledger.lease_day(day, 7, 10)))
        ledger.pause_day(day, NOW + timedelta(hours=3))
        every = timedelta(minutes=10)
        seen.append([ledger.probe(day, NOW + timedelta(minutes=m), every) for m in (0, 5, 11)])
        ledger.lift_day_pause(day)
        seen.append((ledger.probe(day, NOW, every), ledger.day(day), ledger.usage(day, [minute, minute + 1])))
        return seen

    assert script(AdsQuotaLedger(tables())) == script(FakeQuotaLedger())
