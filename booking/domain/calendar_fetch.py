"""Downloading a calendar by URL without letting the URL reach inside the cooperative's network
(server-side request forgery).

Every hop (the address typed, then each redirect, at most MAX_REDIRECTS) is checked the same
way: http or https only; the host name is resolved once and every address it resolves to must
be globally routable (no loopback in any notation, private, link-local, CGNAT, multicast,
unspecified, reserved, nor such an address inside IPv6); the connection then goes to the
address that was checked, never through a second DNS lookup, while the Host header, the TLS
server name and the certificate check use the host name. Host names listed in `allowed_hosts`
may be internal (a cooperative's own calendar server).

Every failure gives the same message, so the import cannot be used to tell an open port from a
closed one, or an internal host from a missing one.
"""
from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Iterable
from urllib.parse import urljoin, urlsplit

from flask_babel import lazy_gettext as _l

from .errors import DomainError

MAX_REDIRECTS = 3
REDIRECTS = (301, 302, 303, 307, 308)
DEFAULT_PORTS = {"http": 80, "https": 443}
CHUNK = 64 * 1024


class CalendarFetchFailed(DomainError):
    """The calendar could not be downloaded; nothing was written."""


def _failed() -> CalendarFetchFailed:
    return CalendarFetchFailed(_l(
        "The calendar could not be downloaded from this address. Check the address, or "
        "download the file and upload it instead."))


def is_public_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Globally routable unicast: what a calendar on the Internet may live at."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None and not is_public_address(embedded):
            return False
        if ip.is_site_local:
            return False
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_loopback
                                 or ip.is_link_local or ip.is_unspecified or ip.is_private)


def parse_allowed_hosts(setting: str | Iterable[str] | None) -> frozenset[str]:
    """CALENDAR_IMPORT_ALLOWED_HOSTS ("cal.coop.lan, 10.0.0.5") as lower-case host names."""
    if not setting:
        return frozenset()
    items = setting.split(",") if isinstance(setting, str) else setting
    return frozenset(item.strip().lower().strip("[]") for item in items if item.strip())


def checked_address(host: str, port: int, allowed_hosts: frozenset[str]) -> str:
    """The one address to connect to for `host`, after checking every address it resolves
    to. Raises CalendarFetchFailed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise _failed() from None
    addresses = []
    for info in infos:
        try:
            addresses.append(ipaddress.ip_address(info[4][0].split("%", 1)[0]))
        except ValueError:
            raise _failed() from None
    if not addresses:
        raise _failed()
    if host.lower() not in allowed_hosts and not all(map(is_public_address, addresses)):
        raise _failed()
    return str(addresses[0])


def _connect(address: str, port: int, timeout: float) -> socket.socket:
    """A TCP connection to a numeric address (no name lookup at all)."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect((address, port))
    except OSError:
        sock.close()
        raise
    return sock


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address; the Host header stays the host name."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = _connect(self._address, self.port, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As above, with TLS: SNI and the certificate are checked against the host name."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float,
                 context: ssl.SSLContext):
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address

    def connect(self) -> None:
        sock = _connect(self._address, self.port, self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _get(url: str, *, allowed_hosts: frozenset[str], timeout: float, max_bytes: int,
         deadline: float) -> tuple[int, str | None, bytes]:
    """One hop: (status, Location header, body up to max_bytes + 1)."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or parts.username:
        raise _failed()
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise _failed() from None
    host = parts.hostname
    address = checked_address(host, port, allowed_hosts)
    if parts.scheme == "https":
        connection = _PinnedHTTPSConnection(host, port, address=address, timeout=timeout,
                                            context=ssl.create_default_context())
    else:
        connection = _PinnedHTTPConnection(host, port, address=address, timeout=timeout)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.request("GET", path, headers={
            "User-Agent": "Mutualise calendar import", "Accept": "text/calendar, */*"})
        response = connection.getresponse()
        if response.status in REDIRECTS:
            return response.status, response.getheader("Location"), b""
        body = b""
        while len(body) <= max_bytes:
            if time.monotonic() > deadline:
                raise TimeoutError
            chunk = response.read(min(CHUNK, max_bytes + 1 - len(body)))
            if not chunk:
                break
            body += chunk
        return response.status, None, body
    except (OSError, http.client.HTTPException, ValueError):
        raise _failed() from None
    finally:
        connection.close()


def fetch(url: str, *, timeout: float, max_bytes: int,
          allowed_hosts: frozenset[str] = frozenset()) -> bytes:
    """The body at `url` (at most max_bytes + 1 bytes), following at most MAX_REDIRECTS
    redirects, each checked like the first address. Raises CalendarFetchFailed."""
    deadline = time.monotonic() + timeout * (MAX_REDIRECTS + 1)
    for _hop in range(MAX_REDIRECTS + 1):
        status, location, body = _get(url, allowed_hosts=allowed_hosts, timeout=timeout,
                                      max_bytes=max_bytes, deadline=deadline)
        if location is None:
            if not 200 <= status < 300:
                raise _failed()
            return body
        url = urljoin(url, location.strip())
    raise _failed()
