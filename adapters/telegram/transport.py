"""The HTTP transport python-telegram-bot uses to reach the Bot API: aiohttp instead of httpx.

python-telegram-bot lets the transport be replaced (`BaseRequest`); its default, httpx, spends a few
milliseconds of CPU per request in its connection pool, which caps a bot on a small machine well below
what Telegram allows when posting to many groups. aiohttp (already installed for discord.py) does
the same work several times faster. Requests, timeouts and errors behave as python-telegram-bot
expects: a timeout becomes TimedOut, a connection failure NetworkError; the status and body go back
unread for python-telegram-bot to interpret. Nothing here logs a URL (the URL holds the token).
"""

from __future__ import annotations

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

DEFAULT_READ_TIMEOUT = 5.0
DEFAULT_WRITE_TIMEOUT = 5.0
DEFAULT_CONNECT_TIMEOUT = 5.0
MEDIA_WRITE_TIMEOUT = 20.0


def _given(value: object, default: float | None) -> float | None:
    return default if isinstance(value, type(BaseRequest.DEFAULT_NONE)) else value  # type: ignore[return-value]


class AiohttpRequest(BaseRequest):
    """A `BaseRequest` on one aiohttp session with at most `connections` open connections."""

    def __init__(self, connections: int = 16, *, read_timeout: float | None = DEFAULT_READ_TIMEOUT) -> None:
        self._connections = connections
        self._read_timeout = read_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections, enable_cleanup_closed=True),
                headers={"User-Agent": self.USER_AGENT},
                # Waiting for a free connection is not an error: requests queue for one.
                timeout=aiohttp.ClientTimeout(total=None, connect=None),
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | None | object = BaseRequest.DEFAULT_NONE,
        write_timeout: float | None | object = BaseRequest.DEFAULT_NONE,
        connect_timeout: float | None | object = BaseRequest.DEFAULT_NONE,
        pool_timeout: float | None | object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        form: aiohttp.FormData | None = None
        fields: dict[str, str] | None = None
        has_files = False
        if request_data is not None:
            files = request_data.multipart_data
            fields = request_data.json_parameters
            if files:
                has_files = True
                form = aiohttp.FormData()
                for name, value in fields.items():
                    form.add_field(name, value)
                for name, (filename, content, mime) in files.items():
                    form.add_field(name, content, filename=filename, content_type=mime)
                fields = None
        read = _given(read_timeout, self._read_timeout)
        write = _given(write_timeout, MEDIA_WRITE_TIMEOUT if has_files else DEFAULT_WRITE_TIMEOUT)
        connect = _given(connect_timeout, DEFAULT_CONNECT_TIMEOUT)
        # aiohttp has no separate write timeout: a request may take the write time plus the read time.
        total = None if read is None or write is None else read + write
        timeout = aiohttp.ClientTimeout(total=total, sock_connect=connect, sock_read=read)
        try:
            # Parameters go as a JSON object (values JSON-encoded as python-telegram-bot prepares them,
            # which the Bot API reads like form fields); encoding JSON costs far less than a form.
            async with self._session.request(
                method, url, data=form, json=fields, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut("Timed out talking to the Bot API") from exc
        except aiohttp.ClientError as exc:
            # The exception's text may name the host; never the URL with the token.
            raise NetworkError(f"could not reach the Bot API: {type(exc).__name__}") from exc
