"""Times as people at the site enter and read them: in ``settings.TIME_ZONE``, with the UTC offset.

Schedules, embargoes and end dates are typed in the site's time zone and shown with its offset
("Wed 10 Dec 2026, 00:01 GMT (UTC+00:00)"), so a reviewer in another country reads the same
instant. Daylight saving makes two kinds of local time treacherous: one in the hour that
repeats in autumn names two instants (``parse`` asks which, or takes an explicit offset), and one
in the hour skipped in spring names none (refused). Pure functions, no database.
"""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError

FORMAT_HINT = "YYYY-MM-DD HH:MM"
_PATTERN = re.compile(
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::\d{2})?\s*"
    r"(?:(?:UTC|GMT)?\s*(?P<offset>[+-]\d{1,2}(?::?\d{2})?|Z))?\s*$",
    re.IGNORECASE,
)


def site_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def offset_text(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def describe(value: datetime | None) -> str:
    """``Wed 10 Dec 2026, 00:01 GMT (UTC+00:00)``: the instant in the site's zone, with its offset."""
    if value is None:
        return ""
    local = value.astimezone(site_zone())
    return f"{local:%a %d %b %Y, %H:%M} {local.tzname()} ({offset_text(local.utcoffset())})"


def as_input(value: datetime | None) -> str:
    """The instant as the form field shows it again: local time, with the offset when it is ambiguous."""
    if value is None:
        return ""
    local = value.astimezone(site_zone())
    text = f"{local:%Y-%m-%d %H:%M}"
    if _ambiguous(local.replace(tzinfo=None), site_zone()):
        text += f" {offset_text(local.utcoffset())[3:]}"
    return text


def _ambiguous(naive: datetime, zone: ZoneInfo) -> bool:
    return naive.replace(tzinfo=zone, fold=0).utcoffset() != naive.replace(tzinfo=zone, fold=1).utcoffset()


def _skipped(naive: datetime, zone: ZoneInfo) -> bool:
    aware = naive.replace(tzinfo=zone)
    return aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive


def parse(text: str, *, field_label: str = "time") -> datetime | None:
    """Read a local time typed in the site's zone (``YYYY-MM-DD HH:MM``, optionally ``+01:00``); None if blank.

    Raises ``ValidationError`` (codes ``invalid``, ``ambiguous``, ``skipped``, ``offset``) saying what to type.
    """
    text = (text or "").strip()
    if not text:
        return None
    match = _PATTERN.match(text)
    zone = site_zone()
    if not match:
        raise ValidationError(
            f"Enter the {field_label} as {FORMAT_HINT} in {settings.TIME_ZONE} time, e.g. 2026-12-10 00:01.",
            code="invalid",
        )
    year, month, day, hour, minute = (int(g) for g in match.groups()[:5])
    try:
        naive = datetime(year, month, day, hour, minute)
    except ValueError as error:
        raise ValidationError(f"{text} is not a date and time that exists ({error}).", code="invalid") from None
    offset = match.group("offset")
    if offset:
        delta = _offset(offset)
        candidates = [naive.replace(tzinfo=zone, fold=f) for f in (0, 1)]
        for candidate in candidates:
            if candidate.utcoffset() == delta and not _skipped(naive, zone):
                return candidate.astimezone(UTC)
        valid = " or ".join(sorted({offset_text(c.utcoffset()) for c in candidates}))
        raise ValidationError(
            f"{naive:%Y-%m-%d %H:%M} in {settings.TIME_ZONE} is not at {offset_text(delta)}"
            + ("" if _skipped(naive, zone) else f"; it is at {valid}")
            + ".",
            code="offset",
        )
    if _skipped(naive, zone):
        raise ValidationError(
            f"{naive:%Y-%m-%d %H:%M} does not exist in {settings.TIME_ZONE}: the clocks go forward over that hour "
            "(daylight saving time starts). Choose a time before or after it.",
            code="skipped",
        )
    if _ambiguous(naive, zone):
        first, second = (naive.replace(tzinfo=zone, fold=f) for f in (0, 1))
        raise ValidationError(
            f"{naive:%Y-%m-%d %H:%M} happens twice in {settings.TIME_ZONE}: the clocks go back over that hour. "
            f"Say which by adding the offset: “{naive:%Y-%m-%d %H:%M} {offset_text(first.utcoffset())[3:]}” "
            f"({first.tzname()}, the first) or “{naive:%Y-%m-%d %H:%M} {offset_text(second.utcoffset())[3:]}” "
            f"({second.tzname()}, an hour later).",
            code="ambiguous",
        )
    return naive.replace(tzinfo=zone).astimezone(UTC)


def _offset(text: str) -> timedelta:
    if text.upper() == "Z":
        return timedelta(0)
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = (int(digits[:-2] or 0), int(digits[-2:])) if len(digits) > 2 else (int(digits), 0)
    return sign * timedelta(hours=hours, minutes=minutes)
