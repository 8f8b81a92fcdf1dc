"""Rewards (W3, W5): exclusive campaign LIVE vouchers, granted exactly once when every requirement holds."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Any

from .clock import Clock
from .events import EventPublisher
from .models import Contract, Mission, Money, Timestamp
from .observability import follow, logger, metrics
from .progress import grace_ends_at, progress_of
from .store import MissionStore

_VOUCHER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


class Reward(Contract):
    reward_id: str
    mission_id: str
    type: str
    value: Money
    currency: str
    voucher_code: str
    granted_at: Timestamp


class RewardHistory(Contract):
    rewards: list[Reward]


def voucher_code() -> str:
    """Twelve characters from a cryptographic random source, in groups of four."""
    code = "".join(secrets.choice(_VOUCHER_ALPHABET) for _ in range(12))
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


class RewardEvaluator:
    def __init__(self, store: MissionStore, clock: Clock, events: EventPublisher) -> None:
        self._store = store
        self._clock = clock
        self._events = events

    def evaluate_seller(self, seller_id: str) -> int:
        """After a seller's activity changed: each of their missions still counting data (W3).
        Cost grows with this seller's registrations, not with all sellers."""
        now = self._clock.now()
        granted = 0
        for registration in self._store.seller_registrations(seller_id):
            mission = self._store.get_mission(registration["mission_id"])
            if mission and now <= grace_ends_at(mission) and self.evaluate(mission, registration):
                granted += 1
        return granted

    def finalize_due_missions(self) -> int:
        """The final evaluation of every registration of each mission whose grace period has ended."""
        evaluated = 0
        for mission in self._store.missions_to_finalize(self._clock.now()):
            for mission_id, seller_id in self._store.registrations_of_mission(mission.mission_id):
                registration = self._store.get_registration(mission_id, seller_id)
                if registration:
                    self.evaluate(mission, registration)
                    evaluated += 1
            self._store.mark_finalized(mission.mission_id)
            logger.info("final reward evaluation done", extra={"mission_id": mission.mission_id})
        return evaluated

    def evaluate(self, mission: Mission, registration: dict[str, Any]) -> bool:
        """Grants the reward when every requirement holds; True if this call granted it."""
        if registration.get("reward_state") == "GRANTED":
            return False
        follow(registration)
        progress = progress_of(self._store, mission, registration["seller_id"])
        if all(r.met for r in progress.requirements):
            return self._grant(mission, registration)
        self._store.set_reward_state(registration, progress.reward.status)
        return False

    def _grant(self, mission: Mission, registration: dict[str, Any]) -> bool:
        now: datetime = self._clock.now()
        reward = Reward(
            reward_id=str(uuid.uuid4()),
            mission_id=mission.mission_id,
            type=mission.reward.type,
            value=mission.reward.value,
            currency=mission.currency,
            voucher_code=voucher_code(),
            granted_at=now,
        )
        if not self._store.grant_reward(registration, {**reward.model_dump(mode="json"), "value": reward.value}):
            return False  # W3: another evaluation granted it first; exactly once
        metrics.add_metric(name="RewardsGranted", unit="Count", value=1)
        self._events.publish(
            "RewardGranted", {"seller_id": registration["seller_id"], **reward.model_dump(mode="json")}
        )
        return True


def reward_history(store: MissionStore, seller_id: str) -> RewardHistory:
    """W5: every mission's reward, newest first."""
    rewards = [Reward.model_validate(item) for item in store.rewards_of(seller_id)]
    return RewardHistory(rewards=sorted(rewards, key=lambda r: (r.granted_at, r.reward_id), reverse=True))
