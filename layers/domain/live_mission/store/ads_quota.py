"""The Ads quota's counters (`ports.QuotaLedger`; the rules are ads_quota.py), in the mission table:

- `ADS_QUOTA#<epoch minute>` / `MINUTE`: `sNN`, the calls granted in second NN of that wall-clock minute;
  `calls`, the minute's; `e_<operation>_sNN` and `e_<operation>_calls` for an endpoint with limits of its own;
  `paused_until` (epoch seconds) while the fleet pauses after the platform refused a call; `refused_first`,
  the seconds whose first call it refused; `refused`, the calls it refused; `second_cap`, the most calls a
  second the platform let through before refusing (the app's second is shared). Expires a day later.
- `ADS_QUOTA#<UTC date>` / `DAY`: `leased`, the calls of the day leased to containers; `paused_until` while the
  day is spent by the platform's word, `probe_at` the last call sent to see whether it came back,
  `minute_spent` the last minute whose quota was spent and `minute_cap` the calls that went through in it.
  Expires two days later.

A slot is one conditional ADD: its condition holds the second's and the minute's counts below what the
call's purpose may fill them with, so grants never add up to more than the quota; a refusal reads the
minute's counts in the same call. An ADD applied twice (its answer lost, botocore's retry applied again)
counts a call nobody sends: wasted, never over the quota.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from ..ads_quota import Ask, DayPause, DayTally, MinuteTally, QuotaUse
from ..models import utc_iso
from .dynamo import Table, Update

MINUTE_KEPT = timedelta(days=1)
DAY_KEPT = timedelta(days=2)


def _minute_key(minute: int) -> dict[str, str]:
    return {"pk": f"ADS_QUOTA#{minute}", "sk": "MINUTE"}


def _day_key(day: date) -> dict[str, str]:
    return {"pk": f"ADS_QUOTA#{day.isoformat()}", "sk": "DAY"}


def _below(update: Update, attribute: str, allowance: int, name: str) -> None:
    if allowance:
        update.when(f"attribute_not_exists(#{attribute}) OR #{attribute} < :{name}", **{name: allowance})


def _tally(item: dict[str, Any], *, granted: bool, ask: Ask | None = None) -> MinuteTally:
    by_second = {int(k[1:]): int(v) for k, v in item.items() if len(k) == 3 and k[0] == "s" and k[1:].isdigit()}
    prefix = f"e_{ask.endpoint}_" if ask and ask.endpoint else None
    endpoint_by_second = (
        {int(k[len(prefix) + 1 :]): int(v) for k, v in item.items() if k.startswith(prefix + "s")} if prefix else {}
    )
    return MinuteTally(
        granted=granted,
        place=by_second.get(ask.second, 0) if ask and granted else 0,
        by_second=by_second,
        calls=int(item.get("calls", 0)),
        endpoint_by_second=endpoint_by_second,
        endpoint_calls=int(item.get(f"{prefix}calls", 0)) if prefix else 0,
        paused_until=float(item.get("paused_until", 0)),
        second_cap=int(item.get("second_cap", 0)),
        refused_first=frozenset(int(s) for s in item.get("refused_first", set())),
        refused=int(item.get("refused", 0)),
    )


def _day_tally(item: dict[str, Any], granted: int = 0) -> DayTally:
    paused = item.get("paused_until")
    spent = item.get("minute_spent")
    return DayTally(
        granted=granted,
        leased=int(item.get("leased", 0)),
        paused_until=datetime.fromisoformat(str(paused)) if paused else None,
        minute_spent=int(spent) if spent is not None else None,
        minute_cap=int(item.get("minute_cap", 0)),
    )


class AdsQuotaLedger:
    def __init__(self, table: Table) -> None:
        self._table = table

    # --- minutes ----------------------------------------------------------------------------------

    def take(self, ask: Ask) -> MinuteTally:
        second = f"s{ask.second:02d}"
        update = (
            Update()
            .add(second, 1)
            .add("calls", 1)
            .set("expires_at", (ask.minute + 1) * 60 + int(MINUTE_KEPT.total_seconds()))
        )
        _below(update, second, ask.second_allowance, "second_allowance")
        # A cap learned from the platform's refusals (platform_throttled), compared with the second's count.
        update.when(f"attribute_not_exists(#second_cap) OR attribute_not_exists(#{second}) OR #{second} < #second_cap")
        _below(update, "calls", ask.minute_allowance, "minute_allowance")
        if ask.endpoint:
            endpoint_second, endpoint_calls = f"e_{ask.endpoint}_{second}", f"e_{ask.endpoint}_calls"
            update.add(endpoint_second, 1).add(endpoint_calls, 1)
            _below(update, endpoint_second, ask.endpoint_second_allowance, "endpoint_second_allowance")
            _below(update, endpoint_calls, ask.endpoint_minute_allowance, "endpoint_minute_allowance")
        update.when("attribute_not_exists(#paused_until) OR #paused_until <= :now", now=Decimal(str(ask.now)))
        after, current = self._table.update_or_current(_minute_key(ask.minute), update)
        return (
            _tally(after, granted=True, ask=ask) if after is not None else _tally(current or {}, granted=False, ask=ask)
        )

    def throttled(self, minute: int, second: int, *, first_of_second: bool, cap: int) -> MinuteTally:
        expires = (minute + 1) * 60 + int(MINUTE_KEPT.total_seconds())
        noted = Update().add("refused", 1).set("expires_at", expires)
        if first_of_second:
            noted.add("refused_first", {second})
        before = self._table.update(_minute_key(minute), noted, returning="ALL_OLD") or {}
        if not first_of_second:  # what went through before the refusal is what the app's second has left for us
            lower = Update().set("second_cap", cap)
            lower.when("attribute_not_exists(#second_cap) OR #second_cap > :cap", cap=cap)
            self._table.update(_minute_key(minute), lower)
        return _tally(before, granted=False)

    def pause_minute(self, minute: int, until: float) -> None:
        update = Update().set("paused_until", Decimal(str(until)))
        update.when("attribute_not_exists(#paused_until) OR #paused_until < :until", until=Decimal(str(until)))
        self._table.update(_minute_key(minute), update)  # a pause already as long needs no write

    # --- days -------------------------------------------------------------------------------------

    def lease_day(self, day: date, calls: int, allowance: int) -> DayTally:
        expires = int((datetime.combine(day, datetime.min.time()) + DAY_KEPT).timestamp())
        asked = calls
        for _ in range(2):  # a refusal says what is left; one more ask takes it
            update = Update().add("leased", asked).set("expires_at", expires)
            update.when("attribute_not_exists(#leased) OR #leased <= :most", most=allowance - asked)
            after, current = self._table.update_or_current(_day_key(day), update)
            if after is not None:
                return _day_tally(after, granted=asked)
            left = allowance - int((current or {}).get("leased", 0))
            if left <= 0:
                return _day_tally(current or {})
            asked = min(asked, left)
        return _day_tally(current or {})

    def day(self, day: date) -> DayTally:
        return _day_tally(self._table.get(_day_key(day)) or {})

    def note_minute_spent(self, day: date, minute: int, sent: int) -> None:
        self._table.update(_day_key(day), Update().set("minute_spent", minute).set("minute_cap", sent))

    def pause_day(self, day: date, until: datetime) -> None:
        self._table.update(_day_key(day), Update().set("paused_until", utc_iso(until)))

    def probe(self, day: date, now: datetime, every: timedelta) -> DayPause:
        update = Update().set("probe_at", utc_iso(now))
        update.when(
            "attribute_exists(#paused_until) AND #paused_until > :now "
            "AND (attribute_not_exists(#probe_at) OR #probe_at <= :last)",
            now=utc_iso(now),
            last=utc_iso(now - every),
        )
        after, current = self._table.update_or_current(_day_key(day), update)
        paused = _day_tally(after if after is not None else current or {}).paused_until
        return DayPause(paused if paused and paused > now else None, probe=after is not None)

    def lift_day_pause(self, day: date) -> None:
        self._table.update(_day_key(day), Update().remove("paused_until").remove("probe_at"))

    def usage(self, day: date, minutes: list[int]) -> QuotaUse:
        items = self._table.get_many([_day_key(day), *(_minute_key(m) for m in minutes)])
        by_minute = {m: 0 for m in minutes}
        used_today = 0
        for item in items:
            if item["sk"] == "DAY":
                used_today = int(item.get("leased", 0))
            else:
                by_minute[int(str(item["pk"]).removeprefix("ADS_QUOTA#"))] = int(item.get("calls", 0))
        return QuotaUse(used_today, by_minute)
