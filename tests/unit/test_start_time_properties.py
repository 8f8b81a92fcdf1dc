"""A6 and A8 as properties, over every IANA zone (POSIX Etc/GMT±N included) and dates across DST changes."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

from hypothesis import given, settings
from hypothesis import strategies as st

from live_mission.local_time import end_of_local_day, next_day_at, tiktok_utc

ZONES = sorted(available_timezones())
MOMENTS = st.datetimes(min_value=datetime(1995, 1, 1), max_value=datetime(2037, 12, 31), timezones=st.just(UTC))
EIGHT = time(8, 0)


def _exists(day_local: datetime, wall: time, zone: ZoneInfo) -> bool:
    """Whether the wall time exists on that local day (it does not inside a DST gap)."""
    naive = datetime.combine(day_local.date(), wall)
    return naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive


@settings(max_examples=600, deadline=None)
@given(moment=MOMENTS, zone_name=st.sampled_from(ZONES))
def test_a6_start_is_8_am_on_the_next_local_calendar_day(moment: datetime, zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    start = next_day_at(moment, zone, EIGHT)
    local_registration, local_start = moment.astimezone(zone), start.astimezone(zone)

    assert local_start.date() == local_registration.date() + timedelta(days=1)
    assert start > moment
    if _exists(local_start, EIGHT, zone):
        assert local_start.time() == EIGHT
    else:  # skipped by a DST gap: the start is the instant the clock jumps past it
        assert local_start.time() > EIGHT
    assert (start - timedelta(seconds=1)).astimezone(zone).replace(tzinfo=None) < datetime.combine(
        local_start.date(), EIGHT
    )
    # What is sent to the API is the same instant, in UTC, in TikTok's format.
    assert datetime.strptime(tiktok_utc(start), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC) == start.replace(microsecond=0)


@settings(max_examples=600, deadline=None)
@given(moment=MOMENTS, zone_name=st.sampled_from(ZONES))
def test_a8_the_retry_day_ends_at_the_start_of_the_next_local_day(moment: datetime, zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    end = end_of_local_day(moment, zone)
    local_end = end.astimezone(zone)

    assert moment < end <= moment + timedelta(hours=27)  # one local day, however long DST makes it
    assert local_end.date() == moment.astimezone(zone).date() + timedelta(days=1)
    if _exists(local_end, time(0, 0), zone):
        assert local_end.time() == time(0, 0)
    # (when an offset change skips midnight, the day starts when the clock jumps: 03:00 in
    # America/Danmarkshavn on 1 January 1996, which hypothesis found)
    assert (end - timedelta(microseconds=1)).astimezone(zone).date() == moment.astimezone(zone).date()
