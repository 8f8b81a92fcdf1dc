"""Advertiser zones and local days (A6, A8)."""

from datetime import UTC, datetime, time, timedelta

from live_mission.local_time import advertiser_zone, end_of_local_day, next_day_at, tiktok_utc


def test_posix_etc_zones_have_inverted_signs() -> None:
    moment = datetime(2026, 2, 9, 12, 0, tzinfo=UTC)
    assert moment.astimezone(advertiser_zone("Etc/GMT+8")).utcoffset() == timedelta(hours=-8)
    assert moment.astimezone(advertiser_zone("Etc/GMT-7")).utcoffset() == timedelta(hours=7)


def test_offset_names_are_understood() -> None:
    moment = datetime(2026, 2, 9, 12, 0, tzinfo=UTC)
    assert moment.astimezone(advertiser_zone("UTC+07:00")).utcoffset() == timedelta(hours=7)
    assert moment.astimezone(advertiser_zone("GMT-5")).utcoffset() == timedelta(hours=-5)


def test_unknown_zones_fall_back_to_utc() -> None:
    assert advertiser_zone("Mars/Olympus") is UTC
    assert advertiser_zone(None) is UTC


def test_the_seed_example_goes_live_at_8_next_morning() -> None:
    registered = datetime.fromisoformat("2026-02-09T02:00:00+07:00")
    start = next_day_at(registered, advertiser_zone("Asia/Jakarta"), time(8, 0))
    assert start.isoformat() == "2026-02-10T08:00:00+07:00"
    assert tiktok_utc(start) == "2026-02-10 01:00:00"


def test_the_local_day_ends_at_local_midnight() -> None:
    registered = datetime.fromisoformat("2026-02-09T23:30:00-08:00")
    end = end_of_local_day(registered, advertiser_zone("Etc/GMT+8"))
    assert end == datetime.fromisoformat("2026-02-10T00:00:00-08:00")
