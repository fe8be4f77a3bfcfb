"""Fetching a published address the careful way (การตรวจลิงก์): with a timeout, never more than a size limit,
and never to a private, loopback or link-local address.

The host is resolved once and every address it resolves to is checked; the connection then goes to the checked
address (so a second, different answer of the name server cannot redirect it), and each redirect is checked
the same way before it is followed. `OIT_LINK_CHECK_ALLOW_PRIVATE` lifts the address check for tests only.
"""

from __future__ import annotations

import hashlib
import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

REDIRECTS = frozenset({301, 302, 303, 307, 308})
CHUNK = 64 * 1024
USER_AGENT = "Khunatham-link-checker/1 (OIT disclosure items)"


class RefusedAddress(Exception):
    """The address resolves to a private, loopback, link-local or otherwise non-public network."""


@dataclass
class Fetched:
    url: str
    status: int | None = None
    content_type: str = ""
    sha256: str = ""
    size: int = 0
    truncated: bool = False
    error: str = ""
    refused: bool = False

    @property
    def alive(self) -> bool:
        return not self.refused and not self.error and self.status is not None and 200 <= self.status < 400


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def vetted_address(host: str, port: int) -> str:
    """The address to connect to: every address the host resolves to must be public (unless allowed)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise socket.gaierror(_("The host %(host)s has no address.") % {"host": host})
    if not settings.OIT_LINK_CHECK_ALLOW_PRIVATE:
        private = [a for a in addresses if not _is_public(a)]
        if private:
            raise RefusedAddress(
                _("%(host)s resolves to a private or local address (%(address)s); the link checker does not go there.")
                % {"host": host, "address": private[0]}
            )
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        # Our own context, kept by name: the one http.client makes is a private attribute.
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


def fetch(url: str) -> Fetched:
    """GET `url`, following at most OIT_LINK_CHECK_MAX_REDIRECTS checked redirects; read at most
    OIT_LINK_CHECK_MAX_BYTES of the body, whose SHA-256 is returned (of what was read when cut)."""
    timeout = settings.OIT_LINK_CHECK_TIMEOUT_SECONDS
    limit = settings.OIT_LINK_CHECK_MAX_BYTES
    deadline = time.monotonic() + timeout * 4
    current = url
    for _hop in range(settings.OIT_LINK_CHECK_MAX_REDIRECTS + 1):
        parts = urlsplit(current)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return Fetched(url=current, error=_("Not a web address."))
        port = parts.port or (443 if parts.scheme == "https" else 80)
        connection: http.client.HTTPConnection | None = None
        try:
            address = vetted_address(parts.hostname, port)
            kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
            connection = kind(parts.hostname, port, address, timeout)
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            connection.request(
                "GET", path, headers={"User-Agent": USER_AGENT, "Accept": "*/*", "Accept-Encoding": "identity"}
            )
            response = connection.getresponse()
            location = response.getheader("Location")
            if response.status in REDIRECTS and location:
                current = urljoin(current, location.strip())
                continue
            digest = hashlib.sha256()
            size = 0
            truncated = False
            while True:
                chunk = response.read(min(CHUNK, limit - size + 1))
                if not chunk:
                    break
                if size + len(chunk) > limit:
                    chunk = chunk[: limit - size]
                    truncated = True
                digest.update(chunk)
                size += len(chunk)
                if truncated:
                    break
                if time.monotonic() > deadline:
                    return Fetched(url=current, status=response.status, error=_("The server answered too slowly."))
            return Fetched(
                url=current,
                status=response.status,
                content_type=(response.getheader("Content-Type") or "")[:200],
                sha256=digest.hexdigest(),
                size=size,
                truncated=truncated,
                error=""
                if response.status < 400
                else _("The server answered %(status)s.") % {"status": response.status},
            )
        except RefusedAddress as refused:
            return Fetched(url=current, refused=True, error=str(refused)[:500])
        except (OSError, http.client.HTTPException, ValueError) as error:
            return Fetched(url=current, error=(str(error) or type(error).__name__)[:500])
        finally:
            if connection is not None:
                connection.close()
    return Fetched(url=current, error=_("Too many redirects."))
