"""Which push endpoints the server will POST to, and which addresses it will connect to for them.

An endpoint is parsed once, with yarl: the parser aiohttp (the sender's HTTP client) uses, so the
check and the connection cannot read one string two ways (a backslash, a userinfo, a port). The
parsed URL is what the sender hands to aiohttp. At send time a resolver in front of aiohttp's own
drops every address that is loopback, private, link-local or reserved: the address checked is the
address connected to, so a host on the list whose DNS points inside is refused too.
"""

import ipaddress
import socket

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

# The push services of Chrome/Android/Edge (FCM), Firefox, Safari and Windows; PUSH_SERVICE_HOSTS overrides.
PUSH_SERVICE_HOSTS = (
    "fcm.googleapis.com", "android.googleapis.com", "push.services.mozilla.com", "push.apple.com",
    "notify.windows.com",
)  # fmt: skip
LOCAL_HOSTS = ("127.0.0.1", "localhost")
HTTPS_PORT = 443


class EndpointError(ValueError):
    """An endpoint the server will not POST to; the message says why."""


def known_host(host: str, hosts: tuple[str, ...]) -> bool:
    """Return whether host is one of hosts or a subdomain of one."""
    return "*" in hosts or any(host == h or host.endswith("." + h) for h in hosts)


def endpoint_url(value: str, hosts: tuple[str, ...], allow_local: bool = False) -> URL:
    """Parse value as aiohttp will and return it, or raise EndpointError naming what is wrong.

    https only, on port 443 (written or implied), without userinfo, on a host of the known push
    services. allow_local (tests and the bench only) also takes http://127.0.0.1:<port>/...
    """
    if not value.isascii() or not value.isprintable() or "\\" in value or " " in value:
        raise EndpointError("'endpoint' holds a character a URL may not (a backslash, a space or a control).")
    try:
        url = URL(value)
        url.explicit_port  # noqa: B018 - read for its check: a port that is not a number raises
    except (ValueError, TypeError):
        raise EndpointError("'endpoint' is not a URL.") from None
    if url.user is not None or url.password is not None:
        raise EndpointError("'endpoint' may not hold a user name or password.")
    if allow_local and url.scheme == "http" and url.raw_host in LOCAL_HOSTS:
        return url
    if url.scheme != "https" or not url.raw_host:
        raise EndpointError("'endpoint' must be an https:// URL of a push service.")
    if url.port != HTTPS_PORT:
        raise EndpointError("'endpoint' must use the https port, 443.")
    # The server POSTs to this URL: only to browsers' push services, never to a host of the visitor's choosing.
    if not known_host(url.raw_host, hosts):
        raise EndpointError(f"'endpoint' is not on a known push service ({url.raw_host}).")
    return url


def outside_address(address: str) -> bool:
    """Return whether address is a public one: not loopback, private, link-local, reserved or multicast."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    inside = ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_reserved
    return ip.is_global and not (inside or ip.is_multicast or ip.is_unspecified)


class OutsideOnlyResolver(AbstractResolver):
    """Resolve as aiohttp would, then keep only public addresses (or loopback too, when allowed)."""

    def __init__(self, inner: AbstractResolver | None = None, allow_loopback: bool = False) -> None:
        self.inner = inner or DefaultResolver()
        self.allow_loopback = allow_loopback

    def allows(self, address: str) -> bool:
        """Return whether the sender may connect to address (an IP address)."""
        if self.allow_loopback and ipaddress.ip_address(address.split("%", 1)[0]).is_loopback:
            return True
        return outside_address(address)

    def refuses_literal(self, host: str) -> bool:
        """Return whether host is an IP address the sender may not connect to (aiohttp resolves no literal)."""
        try:
            ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            return False  # a name: resolve() checks what it resolves to
        return not self.allows(host)

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[ResolveResult]:
        """Return host's addresses that may be connected to; raise OSError when none may."""
        found = await self.inner.resolve(host, port, family)
        allowed = [entry for entry in found if self.allows(entry["host"])]
        if not allowed:
            raise OSError(f"{host} resolves only to addresses inside a private network; not connecting")
        return allowed

    async def close(self) -> None:
        """Close the resolver aiohttp would have used."""
        await self.inner.close()
