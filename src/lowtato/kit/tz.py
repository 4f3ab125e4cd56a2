"""IANA timezone validation shared by profile, slots and onboarding."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


def validate_timezone_name(name: str) -> str:
    """Return ``name`` if it is an IANA zone, else raise ValueError saying what to send."""
    try:
        if not name or name != name.strip() or name.startswith(("/", ".")):
            raise ZoneInfoNotFoundError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        msg = f"'{name}' is not an IANA timezone; use a name like 'America/New_York' or 'UTC'"
        raise ValueError(msg) from exc
    if name not in available_timezones() and name != "UTC":
        msg = f"'{name}' is not an IANA timezone; use a name like 'America/New_York' or 'UTC'"
        raise ValueError(msg)
    return name
