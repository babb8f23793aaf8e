"""Fetching a calendar by URL for an import: http(s) only, with a timeout and a size limit."""
from __future__ import annotations

import urllib.error
import urllib.request
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from ..domain.errors import DomainError


class CalendarFetchFailed(DomainError):
    """The calendar could not be downloaded; nothing was written."""


def fetch_calendar(url: str, *, timeout: float, max_bytes: int) -> bytes:
    """The body at `url`, at most `max_bytes` long. webcal:// is read as https://."""
    url = url.strip()
    if url.lower().startswith("webcal://"):
        url = "https://" + url[len("webcal://"):]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CalendarFetchFailed(_l(
            "Give an address starting with https:// (or http://, or webcal://)."))
    request = urllib.request.Request(url, headers={
        "User-Agent": "Mutualise calendar import", "Accept": "text/calendar, */*"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(max_bytes + 1)
    except urllib.error.HTTPError as error:
        raise CalendarFetchFailed(_l(
            "The server answered with error %(code)d. Check the address, or download the file "
            "and upload it instead.", code=error.code)) from None
    except (urllib.error.URLError, TimeoutError, OSError, ValueError):
        raise CalendarFetchFailed(_l(
            "The calendar could not be downloaded (no answer within %(seconds)d seconds, or an "
            "unknown address). Check the address, or download the file and upload it instead.",
            seconds=int(timeout))) from None
    if len(body) > max_bytes:
        raise CalendarFetchFailed(_l(
            "This calendar is larger than %(size)d KB. Import a shorter calendar.",
            size=max_bytes // 1024))
    return body
