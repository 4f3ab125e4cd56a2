"""IANA timezone validation shared by profile, slots and onboarding."""

from __future__ import annotations

import difflib
import functools
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import AfterValidator

# Keys that ZoneInfo can load on some hosts but that are not zones a user should pick:
# "localtime" is the server's own zone (a symlink), "Factory" is tzdata's "-00" placeholder.
_NOT_USER_ZONES = frozenset({"localtime", "Factory"})

_EXAMPLE_ZONES = "'America/New_York', 'Europe/Berlin' or 'UTC'"
# The longest IANA name is about 30 characters; longer input is not worth fuzzy-matching.
_MAX_ZONE_NAME = 64


@functools.cache
def _user_zones() -> frozenset[str]:
    return frozenset(available_timezones() - _NOT_USER_ZONES)


def validate_timezone(name: str) -> ZoneInfo:
    """Return the ZoneInfo for IANA zone ``name``; ValueError with a suggestion if unknown.

    Only names from the installed IANA database are accepted, matched case-sensitively (so the
    stored name is canonical on every host), excluding the server-specific ``localtime``.
    """
    if name in _user_zones():
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            # Listed but unreadable (a broken system tz database): report it like an unknown
            # name rather than leaking a file-system error.
            pass
    raise ValueError(_unknown_zone_message(name))


def _unknown_zone_message(name: str) -> str:
    shown = name if len(name) <= _MAX_ZONE_NAME else name[:_MAX_ZONE_NAME] + "…"
    message = f"unknown timezone {shown!r}: use an IANA name such as {_EXAMPLE_ZONES}"
    if len(name) > _MAX_ZONE_NAME:
        return message
    zones = _user_zones()
    by_folded = {zone.casefold(): zone for zone in zones}
    exact = by_folded.get(name.strip().casefold())
    suggestions = [exact] if exact else difflib.get_close_matches(name, sorted(zones), n=3)
    if suggestions:
        message += " (did you mean " + " or ".join(repr(zone) for zone in suggestions) + "?)"
    return message


def validate_timezone_name(name: str) -> str:
    """``name`` if it is an IANA zone (for request models that store the name)."""
    return validate_timezone(name).key


# A request field holding an IANA zone name (profile, auto-configure, onboarding).
TimezoneName = Annotated[str, AfterValidator(validate_timezone_name)]
