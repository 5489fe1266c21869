"""Fetching pages: the address guard on every hop, caps, timeouts, charsets, a clear User-Agent."""

from __future__ import annotations

import socket

import pytest

from bot.config import Settings
from bot.drafting.extract import decode_page
from bot.drafting.fetch import AddressGuard, Fetcher
from bot.drafting.problem import SourceProblem
from tests.drafting.site import CHINESE, ENGLISH, Site


def fetcher(**overrides: object) -> Fetcher:
    return Fetcher(Settings(**({"fetch_allow": ["127.0.0.1"]} | overrides)))  # type: ignore[arg-type]


async def test_a_page_comes_with_a_clear_user_agent(site: Site) -> None:
    async with fetcher() as f:
        page = await f.get(site.url(ENGLISH), accept="text/html")
    assert page.status == 200 and b"Slow Gardens" in page.body
    agent = site.seen[-1][1]["User-Agent"]
    assert agent.startswith("atou/") and "reading-group bot" in agent


async def test_the_declared_charset_is_honoured(site: Site) -> None:
    async with fetcher() as f:
        page = await f.get(site.url(CHINESE), accept="text/html")
    assert page.charset == "gb18030"
    assert "老茶馆的最后一个冬天" in decode_page(page.body, page.charset)


@pytest.mark.parametrize(
    ("address", "kind"),
    [("127.0.0.1", "loopback"), ("10.1.2.3", "private"), ("192.168.0.7", "private"), ("169.254.169.254", "link-local")],
)
async def test_addresses_that_are_not_public_are_refused(address: str, kind: str) -> None:
    with pytest.raises(SourceProblem, match=f"{address} is a {kind} address"):
        await AddressGuard([]).check(f"http://{address}/page")


async def test_only_http_and_https(site: Site) -> None:
    with pytest.raises(SourceProblem, match="only http and https"):
        await AddressGuard([]).check("file:///etc/passwd")


async def test_loopback_is_fetched_only_when_the_operator_allows_it(site: Site) -> None:
    async with Fetcher(Settings(fetch_allow=[])) as f:
        with pytest.raises(SourceProblem, match="ATOU_FETCH_ALLOW"):
            await f.get(site.url(ENGLISH), accept="text/html")
    assert site.seen == []  # refused before any request was sent


async def test_every_redirect_hop_is_checked(site: Site) -> None:
    site.put("/to-private", b"", status=302, headers={"Location": "http://10.9.8.7/admin"})
    async with fetcher() as f:
        with pytest.raises(SourceProblem, match="10.9.8.7 is a private address"):
            await f.get(site.url("/to-private"), accept="text/html")
        followed = await f.get(site.url("/go/slow-gardens"), accept="text/html")
    assert followed.url == site.url(ENGLISH) + "?utm_source=newsletter"


async def test_a_page_over_the_cap_is_refused(site: Site) -> None:
    async with fetcher(fetch_max_bytes=1024) as f:
        with pytest.raises(SourceProblem, match="larger than the 1 KiB cap"):
            await f.get(site.url(ENGLISH), accept="text/html")


async def test_a_slow_server_times_out(site: Site) -> None:
    site.put("/slow", b"<p>late</p>", delay=3)
    async with fetcher(fetch_timeout=0.3) as f:
        with pytest.raises(SourceProblem, match="no answer from 127.0.0.1:.* within 0.3 s"):
            await f.get(site.url("/slow"), accept="text/html")


async def test_a_closed_port_and_a_missing_page(site: Site) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    async with fetcher() as f:
        with pytest.raises(SourceProblem, match="could not connect to 127.0.0.1"):
            await f.get(f"http://127.0.0.1:{closed}/", accept="text/html")
        with pytest.raises(SourceProblem, match="answered 404 Not Found"):
            await f.get(site.url("/no-such-page"), accept="text/html")


async def test_the_connection_goes_to_the_address_that_was_checked(site: Site) -> None:
    async with fetcher() as f:
        page = await f.get(f"http://localhost:{site.port}{ENGLISH}", accept="text/html")
    assert page.url == f"http://localhost:{site.port}{ENGLISH}"
    assert site.seen[-1][1]["Host"] == f"localhost:{site.port}"  # the name travels in the Host header
