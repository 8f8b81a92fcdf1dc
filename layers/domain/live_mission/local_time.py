"""Advertiser time zones and local days (A6, A8). `zoneinfo` does the calendar work."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# TikTok also reports zones as offsets ("UTC+07:00", "GMT-8").
_OFFSET = re.compile(r"^(?:UTC|GMT)\s*([+-])(\d{1,2})(?::?(\d{2}))?$")


def advertiser_zone(name: str | None) -> tzinfo:
    """The advertiser's zone. IANA names include POSIX-style `Etc/GMT+8`, which is UTC-8 (the sign is
    inverted by POSIX convention; zoneinfo knows it). Unknown or missing names fall back to UTC."""
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        pass
    match = _OFFSET.match(name.strip())
    if match:
        sign = -1 if match.group(1) == "-" else 1
        offset = timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0))
        if offset < timedelta(hours=15):
            return timezone(sign * offset)
    return UTC


def end_of_local_day(moment: datetime, zone: tzinfo) -> datetime:
    """A8: the first instant of the next local calendar day, in UTC."""
    local = moment.astimezone(zone)
    next_day = local.date() + timedelta(days=1)
    return _local_wall_time(next_day, time(0, 0), zone)


def next_day_at(moment: datetime, zone: tzinfo, wall: time) -> datetime:
    """A6: `wall` o'clock on the calendar day after `moment`'s local day, as an aware local datetime."""
    local = moment.astimezone(zone)
    return _local_wall_time(local.date() + timedelta(days=1), wall, zone).astimezone(zone)


def _local_wall_time(day: date, wall: time, zone: tzinfo) -> datetime:
    """The first UTC instant at which the local clock shows `wall` or later on `day`. When the wall
    time exists that is the instant it is shown (the earlier one if a fall-back shows it twice); when
    a DST gap or an offset change skips it, it is the instant the clock jumps past it."""
    naive = datetime.combine(day, wall)
    candidates = [naive.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1)]
    shown = [t for t in candidates if _wall(t, zone) == naive]
    if shown:
        return min(shown)
    # Skipped: the jump lies between the two readings; find it to the second (offsets change on seconds).
    low, high = (int(t.timestamp()) for t in sorted(candidates))
    while high - low > 1:
        middle = (low + high) // 2
        if _wall(datetime.fromtimestamp(middle, UTC), zone) >= naive:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def _wall(moment: datetime, zone: tzinfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


def tiktok_utc(moment: datetime) -> str:
    """TikTok's `YYYY-MM-DD HH:MM:SS`, in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
