"""`atou serve`: the reading page — one page per article with the five tabs, and group archives by signed link.

uvicorn, Starlette and the storage layer are imported inside the command: `atou --help` stays fast.
"""

from __future__ import annotations

from typing import Annotated

import typer


def serve_command(
    host: Annotated[
        str | None, typer.Option("--host", help="Address to listen on (default ATOU_WEB_LISTEN, 127.0.0.1).")
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", help="Port to listen on (default ATOU_WEB_PORT, 8080).")
    ] = None,
    forwarded_allow_ips: Annotated[
        str,
        typer.Option(
            "--forwarded-allow-ips",
            help="Proxies whose X-Forwarded-For/-Proto headers are trusted (comma-separated addresses, or *).",
        ),
    ] = "127.0.0.1",
) -> None:
    """Serve the articles' reading pages at /a/ID (and /healthz) until stopped with Ctrl-C.

    Put it behind a reverse proxy that terminates TLS, and set ATOU_WEB_URL to the public address:
    the bot builds its links from it. The discussion archive tab opens only with a link the bot
    signs for a group (/archive, needs ATOU_SECRET_KEY); the text tabs are public when
    ATOU_PUBLIC_TEXTS=true, otherwise they need such a link too.
    """
    import logging

    import uvicorn

    from bot.cli.db import booted
    from bot.config import Settings
    from bot.observability.logs import configure_logging
    from bot.web.app import create_app
    from bot.web.data import DatabasePageData

    settings = Settings()
    configure_logging(settings)
    log = logging.getLogger("atou.web")
    boot = booted(settings)
    if settings.secret_key is None:
        log.warning(
            "ATOU_SECRET_KEY is not set: archive links cannot be verified, so no archive will be shown"
        )
        if not settings.public_texts:
            log.warning("ATOU_PUBLIC_TEXTS is off as well: every page will answer 403")
    if settings.web_url is None:
        log.warning("ATOU_WEB_URL is not set: the bot will not send links to these pages")
    app = create_app(settings, DatabasePageData(boot.database))
    listen = host or settings.web_listen
    listen_port = settings.web_port if port is None else port
    log.info(
        "reading pages at http://%s:%s/a/ID (public address %s)",
        listen,
        listen_port,
        settings.web_url or "not set",
    )
    try:
        uvicorn.run(
            app,
            host=listen,
            port=listen_port,
            proxy_headers=True,
            forwarded_allow_ips=forwarded_allow_ips,
            # Our own access log (bot.web.headers) leaves out query strings, which carry link signatures.
            access_log=False,
            log_config=None,
            server_header=False,
        )
    finally:
        boot.close()


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
