"""Calendar arithmetic on ISO dates and the current time in a few world cities."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tokmem_agents.errors import ProcedureError
from tokmem_agents.registry import ProcedureRegistry

procedures = ProcedureRegistry()

# The cities the ``world_time`` tool knows, as the user writes them, and their IANA time zones.
CITY_TIMEZONES: dict[str, str] = {
    "London": "Europe/London",
    "Paris": "Europe/Paris",
    "Berlin": "Europe/Berlin",
    "Madrid": "Europe/Madrid",
    "Rome": "Europe/Rome",
    "Moscow": "Europe/Moscow",
    "New York": "America/New_York",
    "Chicago": "America/Chicago",
    "Denver": "America/Denver",
    "Los Angeles": "America/Los_Angeles",
    "Toronto": "America/Toronto",
    "Mexico City": "America/Mexico_City",
    "Sao Paulo": "America/Sao_Paulo",
    "Dubai": "Asia/Dubai",
    "Mumbai": "Asia/Kolkata",
    "Singapore": "Asia/Singapore",
    "Hong Kong": "Asia/Hong_Kong",
    "Shanghai": "Asia/Shanghai",
    "Tokyo": "Asia/Tokyo",
    "Seoul": "Asia/Seoul",
    "Sydney": "Australia/Sydney",
    "Auckland": "Pacific/Auckland",
    "UTC": "UTC",
}


def parse_date(text: str, field: str = "date") -> dt.date:
    """Parse ``YYYY-MM-DD``; raise :class:`ProcedureError` naming the field otherwise."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ProcedureError(f"{field}: {text!r} is not a valid YYYY-MM-DD date") from None


@procedures.register("days_between")
def days_between(start_date: str, end_date: str) -> dict[str, Any]:
    """Number of days from ``start_date`` to ``end_date`` (negative if the end comes first)."""
    start, end = parse_date(start_date, "start_date"), parse_date(end_date, "end_date")
    return {"start_date": start_date, "end_date": end_date, "days": (end - start).days}


@procedures.register("add_days")
def add_days(date: str, days: int) -> dict[str, Any]:
    """The date ``days`` days after ``date`` (before it when ``days`` is negative)."""
    start = parse_date(date)
    try:
        result = start + dt.timedelta(days=days)
    except OverflowError:
        raise ProcedureError("the resulting date is out of range") from None
    return {"date": result.isoformat(), "weekday": result.strftime("%A")}


@procedures.register("day_of_week")
def day_of_week(date: str) -> dict[str, Any]:
    """The weekday of a date."""
    return {"date": date, "weekday": parse_date(date).strftime("%A")}


@procedures.register("world_time")
def world_time(city: str) -> dict[str, Any]:
    """The current local date and time in one of the known cities."""
    if city not in CITY_TIMEZONES:
        raise ProcedureError(f"unknown city {city!r}; known: {', '.join(CITY_TIMEZONES)}")
    try:
        zone = ZoneInfo(CITY_TIMEZONES[city])
    except ZoneInfoNotFoundError:
        raise ProcedureError(f"time zone data for {city} is not installed (pip install tzdata)") from None
    now = dt.datetime.now(zone)
    return {
        "city": city,
        "timezone": CITY_TIMEZONES[city],
        "date": now.date().isoformat(),
        "time": now.strftime("%H:%M"),
        "weekday": now.strftime("%A"),
        "utc_offset": now.strftime("%z")[:3] + ":" + now.strftime("%z")[3:],
    }
