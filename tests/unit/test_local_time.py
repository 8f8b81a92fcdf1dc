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


def test_a_day_whose_midnight_is_skipped_starts_when_the_clock_jumps() -> None:
    # Chile moves its clocks from 00:00 to 01:00 on the first Sunday of September.
    santiago = advertiser_zone("America/Santiago")
    end = end_of_local_day(datetime.fromisoformat("2023-09-02T22:00:00-04:00"), santiago)
    assert end.astimezone(santiago).isoformat() == "2023-09-03T01:00:00-03:00"
    # An offset change of three hours at midnight (found by the property test).
    danmarkshavn = advertiser_zone("America/Danmarkshavn")
    end = end_of_local_day(datetime(1996, 1, 1, tzinfo=UTC), danmarkshavn)
    assert end == datetime(1996, 1, 1, 3, 0, tzinfo=UTC)


def test_a_repeated_hour_starts_at_its_first_showing() -> None:
    # New York shows 01:00-01:59 twice on 1 November 2026; 08:00 the next day is unambiguous.
    new_york = advertiser_zone("America/New_York")
    start = next_day_at(datetime.fromisoformat("2026-10-31T12:00:00-04:00"), new_york, time(1, 30))
    assert start.isoformat() == "2026-11-01T01:30:00-04:00"
