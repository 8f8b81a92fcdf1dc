"""Rewards (W3, W5): exclusive campaign LIVE vouchers, granted exactly once when every requirement holds.

The voucher is kept on the registration it rewards, written with one conditional update (the reward
state it saw): whatever races, exactly one evaluation grants it. `RewardGranted` is derived from that
change by the events relay (events.py), never published beside it.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from .models import Mission, Reward, RewardHistory
from .observability import Metric, count, follow, logger
from .ports import Activity, Clock, Missions, Registrations, StreamImages, VoucherSeal
from .progress import activity_for, grace_ends_at, progress_of
from .records import RegistrationRecord

FINAL_PASS_PAGE = 100
# A page takes a few seconds at most; a pass starts no page with less than this left of its invocation.
FINAL_PASS_MARGIN_SECONDS = 30
_VOUCHER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


def voucher_code() -> str:
    """Twelve characters from a cryptographic random source, in groups of four."""
    code = "".join(secrets.choice(_VOUCHER_ALPHABET) for _ in range(12))
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


def sealed_with(seller_id: str, mission_id: str, reward_id: str) -> dict[str, str]:
    """The context a voucher code is sealed in: it opens only as this seller's reward of this mission."""
    return {"seller_id": seller_id, "mission_id": mission_id, "reward_id": reward_id}


class ActivityBatch:
    """One stream batch of changed activity: each seller in it evaluated once, and each mission read once for
    all of them. The stream delivers a batch after all of it was written, so a seller's first evaluation
    already reads every change of theirs the batch holds; what is read lives as long as the batch."""

    def __init__(self, evaluator: RewardEvaluator, images: StreamImages) -> None:
        self._evaluator = evaluator
        self._images = images
        self._evaluated: set[str] = set()
        self._missions: dict[str, Mission] = {}

    def evaluate(self, record: Mapping[str, Any]) -> None:
        seller_id = self._images.seller_of(record)
        if seller_id not in self._evaluated:
            self._evaluator.evaluate_seller(seller_id, self._missions)
            self._evaluated.add(seller_id)


class RewardEvaluator:
    def __init__(
        self,
        missions: Missions,
        registrations: Registrations,
        activity: Activity,
        clock: Clock,
        seal: VoucherSeal,
        images: StreamImages | None = None,
    ) -> None:
        self._seal = seal
        self._missions = missions
        self._registrations = registrations
        self._activity = activity
        self._clock = clock
        self._images = images

    def batch(self) -> ActivityBatch:
        """A new stream batch of changed activity."""
        if self._images is None:
            raise RuntimeError("this evaluator reads no stream")
        return ActivityBatch(self, self._images)

    def evaluate_seller(self, seller_id: str, missions_read: dict[str, Mission] | None = None) -> int:
        """After a seller's activity changed: each of their missions not yet rewarded and still counting data
        (W3). Cost grows with this seller's registrations, not with all sellers. `missions_read` keeps the
        missions read for one stream batch, so its sellers share one read of each."""
        now = self._clock.now()
        registrations = [r for r in self._registrations.of_seller(seller_id) if r.reward.reward is None]
        missions = missions_read if missions_read is not None else {}
        unread = {r.mission_id for r in registrations} - missions.keys()
        if unread:
            missions.update(self._missions.get_many(unread))
        granted = 0
        for registration in registrations:
            mission = missions.get(registration.mission_id)
            if mission and now <= grace_ends_at(mission) and self.evaluate(mission, registration):
                granted += 1
        return granted

    def final_passes_due(self) -> list[tuple[str, int]]:
        """W3: the (mission, shard) final passes still to run, for missions whose grace period has ended:
        one invocation each, so the pass's pace grows with the shards, not with one invocation's time."""
        due = self._missions.to_finalize(self._clock.now())
        shards = range(self._registrations.mission_shards)
        return [(p.mission.mission_id, shard) for p in due for shard in shards if shard not in p.done]

    def final_pass(self, mission_id: str, shard: int, time_left: Callable[[], float]) -> int:
        """The final evaluation of one shard of a mission's registrations, page by page from where an
        earlier pass stopped, keeping where it got after each page, until the shard is done or the
        invocation's time nearly is (the next scheduled start resumes it). Evaluating twice grants
        nothing twice, so a page cut short is simply evaluated again. Returns how many it evaluated."""
        progress = self._missions.final_pass(mission_id)
        if progress is None or shard in progress.done:
            return 0
        mission, start, evaluated = progress.mission, progress.reached.get(shard), 0
        while time_left() > FINAL_PASS_MARGIN_SECONDS:
            registrations, start = self._registrations.of_mission(mission_id, shard, FINAL_PASS_PAGE, start)
            for registration in registrations:
                self.evaluate(mission, registration)
                evaluated += 1
            finished = self._missions.record_final_page(mission_id, shard, start, self._registrations.mission_shards)
            if finished and start is None:
                logger.info("final reward evaluation done", extra={"mission_id": mission_id})
            if finished or start is None:
                break
        return evaluated

    def evaluate(self, mission: Mission, registration: RegistrationRecord) -> bool:
        """Grants the reward when every requirement holds; True if this call granted it."""
        if registration.reward.state == "GRANTED":
            return False
        follow(registration.mission_id, registration.seller_id, registration.claim.correlation_id)
        progress = progress_of(mission, registration, activity_for(self._activity, mission, registration.seller_id))
        if all(r.met for r in progress.requirements):
            return self._grant(mission, registration)
        if progress.reward.status != registration.reward.state:
            updated = registration.changed(reward={"state": progress.reward.status})
            self._registrations.save(registration, updated, guard="reward_state")
        return False

    def _grant(self, mission: Mission, registration: RegistrationRecord) -> bool:
        reward_id = str(uuid.uuid4())
        context = sealed_with(registration.seller_id, mission.mission_id, reward_id)
        reward = Reward(
            reward_id=reward_id,
            mission_id=mission.mission_id,
            type=mission.reward.type,
            value=mission.reward.value,
            currency=mission.currency,
            voucher_code=self._seal.seal(voucher_code(), context),  # never stored in clear
            granted_at=self._clock.now(),
        )
        granted = registration.changed(reward={"state": "GRANTED", "reward": reward})
        if not self._registrations.save(registration, granted, guard="reward_state"):
            return False  # W3: another evaluation got there first; exactly once
        count(Metric.REWARDS_GRANTED)
        return True


def reward_history(registrations: Registrations, seal: VoucherSeal, seller_id: str) -> RewardHistory:
    """W5: every mission's reward, newest first, each voucher code opened for its own seller only."""

    def opened(reward: Reward) -> Reward:
        context = sealed_with(seller_id, reward.mission_id, reward.reward_id)
        return reward.model_copy(update={"voucher_code": seal.open(reward.voucher_code, context)})

    granted = [r.reward.reward for r in registrations.of_seller(seller_id) if r.reward.reward is not None]
    rewards = [opened(reward) for reward in granted]
    return RewardHistory(rewards=sorted(rewards, key=lambda r: (r.granted_at, r.reward_id), reverse=True))
