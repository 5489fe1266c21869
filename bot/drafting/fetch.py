"""Fetching a page or a feed over HTTP for drafting: redirects, a timeout, a size cap, an address guard.

Every hop of a redirect chain is checked before it is requested: the name must resolve only to
public addresses, or to ones the operator allowed (ATOU_FETCH_ALLOW). So a link someone typed
cannot make the bot read the machine it runs on or its private network.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from bot.config import Settings
from bot.drafting.problem import SourceProblem
from bot.health import atou_version

MAX_REDIRECTS = 5
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Fetched:
    """One answer: the final URL after redirects, and the body as bytes (with its declared charset)."""

    url: str
    status: int
    content_type: str
    charset: str | None
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class AddressGuard:
    """Which addresses may be fetched: public ones, and the networks the operator listed."""

    def __init__(self, allowed: list[str]) -> None:
        self.allowed: list[IPNetwork] = [ipaddress.ip_network(a, strict=False) for a in allowed]

    def permits(self, address: IPAddress) -> bool:
        return address.is_global or any(address in network for network in self.allowed)

    async def check(self, url: str) -> IPAddress:
        """The address to connect to for `url`; raises SourceProblem unless `url` is http(s) and its
        host resolves only to permitted addresses."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SourceProblem(url, "only http and https addresses can be fetched")
        host = parts.hostname
        try:
            addresses = [ipaddress.ip_address(host)]
        except ValueError:
            addresses = await _resolve(url, host, parts.port or (443 if parts.scheme == "https" else 80))
        for address in addresses:
            if not self.permits(address):
                raise SourceProblem(
                    url,
                    f"{host} is a {_kind(address)} address ({address}), which is not fetched; "
                    "an operator can allow it with ATOU_FETCH_ALLOW",
                )
        return addresses[0]


async def _resolve(url: str, host: str, port: int) -> list[IPAddress]:
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise SourceProblem(url, f"the name {host} does not resolve ({exc.strerror})") from exc
    found = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    return sorted(found, key=lambda address: address.version)  # IPv4 first, as most servers listen there


def _kind(address: IPAddress) -> str:
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_private:
        return "private"
    return "reserved"


def user_agent() -> str:
    return f"atou/{atou_version()} (reading-group bot; drafts articles an editor asked for)"


class Fetcher:
    """An HTTP client for drafting, shared by the pages and feeds of one run."""

    def __init__(self, settings: Settings) -> None:
        self.guard = AddressGuard(settings.fetch_allow)
        self.max_bytes = settings.fetch_max_bytes
        self.timeout = settings.fetch_timeout
        # Redirects are followed here, hop by hop, so that each hop passes the guard.
        self._client = httpx.AsyncClient(
            follow_redirects=False,
            timeout=httpx.Timeout(settings.fetch_timeout),
            headers={"User-Agent": user_agent()},
            trust_env=False,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def get(self, url: str, *, accept: str, headers: dict[str, str] | None = None) -> Fetched:
        """GET `url`; 304 Not Modified is returned as an answer, other non-2xx answers raise SourceProblem."""
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            address = await self.guard.check(current)
            try:
                fetched = await self._get_once(url, current, address, accept, headers or {})
            except httpx.TimeoutException as exc:
                raise SourceProblem(url, f"no answer from {_host(current)} within {self.timeout:g} s") from exc
            except httpx.ConnectError as exc:
                raise SourceProblem(url, f"could not connect to {_host(current)} ({_reason(exc)})") from exc
            except httpx.HTTPError as exc:
                raise SourceProblem(url, f"the connection to {_host(current)} failed ({_reason(exc)})") from exc
            if fetched.status in (301, 302, 303, 307, 308):
                location = fetched.headers.get("location")
                if not location:
                    raise SourceProblem(url, f"a redirect ({fetched.status}) without a Location")
                current = urljoin(current, location)
                continue
            if fetched.status == 304 or 200 <= fetched.status < 300:
                return fetched
            raise SourceProblem(url, f"the server answered {fetched.status} {_phrase(fetched.status)}")
        raise SourceProblem(url, f"more than {MAX_REDIRECTS} redirects")

    async def _get_once(
        self, source: str, url: str, address: IPAddress, accept: str, headers: dict[str, str]
    ) -> Fetched:
        # The connection goes to the address the guard checked, not to a second lookup of the name
        # (which a hostile name server could answer differently); the name still goes in the Host
        # header and, for https, in SNI and the certificate check.
        parts = urlsplit(url)
        host = f"[{address}]" if address.version == 6 else str(address)
        pinned = urlunsplit(parts._replace(netloc=host + (f":{parts.port}" if parts.port else "")))
        extensions = {"sni_hostname": parts.hostname} if parts.scheme == "https" else {}
        request_headers = {"Accept": accept, "Host": parts.netloc.rsplit("@", 1)[-1], **headers}
        async with self._client.stream("GET", pinned, headers=request_headers, extensions=extensions) as response:
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > self.max_bytes:
                raise SourceProblem(source, self._too_big())
            body = bytearray()
            if response.status_code == 200:
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > self.max_bytes:
                        raise SourceProblem(source, self._too_big())
            content_type, charset = _content_type(response.headers.get("content-type", ""))
            return Fetched(
                url=url,
                status=response.status_code,
                content_type=content_type,
                charset=charset,
                body=bytes(body),
                headers={k.lower(): v for k, v in response.headers.items()},
            )

    def _too_big(self) -> str:
        return f"the page is larger than the {self.max_bytes // 1024} KiB cap (ATOU_FETCH_MAX_BYTES)"


def _content_type(header: str) -> tuple[str, str | None]:
    message = Message()
    message["content-type"] = header or "application/octet-stream"
    charset = message.get_param("charset")
    return message.get_content_type(), (str(charset).strip().lower() if isinstance(charset, str) else None)


def _host(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc or url


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    if "refused" in text.lower():
        return "connection refused"
    return text.splitlines()[0] if text else type(exc).__name__


def _phrase(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
