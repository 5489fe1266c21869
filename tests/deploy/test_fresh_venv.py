"""The image's commands, outside a container: build atou as the Dockerfile does, install it into a
new virtual environment, and run `atou db upgrade`, `atou serve` and `atou run` from there.

The Dockerfile's builder stage copies a few paths and builds wheels; the final stage installs them
into a new venv. Here the same paths are copied and atou's wheel is built the same way; its
dependencies are not downloaded again but taken from the environment running the tests (a .pth
file), and `pip check` confirms they satisfy what the wheel declares.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fnmatch import fnmatch
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from tests.telegram.fake_bot_api import FakeBotApi

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "deploy" / "Dockerfile"
PACKAGES = ("bot", "adapters", "storage")
DEMO_ARTICLE = REPO / "bot" / "demo" / "commonplace-books.md"
STARTUP_BOUND = 60.0  # seconds for a command to answer /healthz on a loaded machine


def builder_copies() -> list[str]:
    """The source paths the Dockerfile's builder stage copies."""
    builder = DOCKERFILE.read_text().split("\nFROM ")[1]
    paths: list[str] = []
    for sources in re.findall(r"^COPY (.+) \S+$", builder, flags=re.M):
        paths.extend(sources.split())
    return paths


def data_files(root: Path) -> set[str]:
    """Every file under the packages that is not Python source or bytecode, relative to `root`."""
    return {
        path.relative_to(root).as_posix()
        for package in PACKAGES
        for path in (root / package).rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def site_packages(env: Path) -> Path:
    """The folder where `env` installs pure-Python packages."""
    purelib = subprocess.run(
        [str(env / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    return Path(purelib)


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args], check=True, timeout=300)


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv with atou installed from a wheel built from the Dockerfile's inputs alone."""
    root = tmp_path_factory.mktemp("image")
    source, wheels, env = root / "src", root / "wheels", root / "venv"
    for name in builder_copies():
        origin = REPO / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(origin, source / name)
    pip("wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheels), str(source))
    [wheel] = wheels.glob("atou-*.whl")

    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True, timeout=120)
    python = env / "bin" / "python"
    pip("--python", str(python), "install", "--quiet", "--no-deps", "--no-index", str(wheel))
    (site_packages(env) / "_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    pip("--python", str(python), "check")
    where = subprocess.run(
        [str(python), "-c", "import bot; print(bot.__file__)"], capture_output=True, text=True, cwd=root, check=True
    )
    assert where.stdout.startswith(str(env)), "atou must come from the wheel, not the source tree"
    return env


def logged(log: Path) -> str:
    return log.read_text(errors="replace")


def environment(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATOU_") and k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(settings)
    return env


@dataclass
class Commands:
    """Runs the venv's `atou` in a folder of its own, with the given environment."""

    venv: Path
    cwd: Path
    env: dict[str, str]
    started: list[asyncio.subprocess.Process] = field(default_factory=list)

    async def run(self, *args: str) -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            str(self.venv / "bin" / "atou"), *args, cwd=self.cwd, env=self.env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(process.communicate(), 120)
        assert process.returncode is not None
        return process.returncode, out.decode()

    async def start(self, *args: str) -> tuple[asyncio.subprocess.Process, Path]:
        log = self.cwd / f"{'-'.join(args)}.log"
        with log.open("wb") as out:
            process = await asyncio.create_subprocess_exec(
                str(self.venv / "bin" / "atou"), *args, cwd=self.cwd, env=self.env, stdout=out, stderr=out
            )
        self.started.append(process)
        return process, log

    async def wait_healthy(
        self, url: str, process: asyncio.subprocess.Process, log: Path, until: Callable[[Any], bool] = bool
    ) -> httpx.Response:
        """Poll `url` until it answers 200 (and its JSON body satisfies `until`)."""
        deadline = time.monotonic() + STARTUP_BOUND
        async with httpx.AsyncClient(timeout=2) as client:
            while time.monotonic() < deadline:
                if process.returncode is not None:
                    pytest.fail(f"exited with {process.returncode}:\n{logged(log)}")
                with contextlib.suppress(httpx.TransportError):
                    response = await client.get(url)
                    if response.status_code == 200 and until(response.json() if until is not bool else True):
                        return response
                await asyncio.sleep(0.2)
        pytest.fail(f"{url} did not answer 200 within {STARTUP_BOUND} s:\n{logged(log)}")

    async def stop(self, process: asyncio.subprocess.Process, log: Path, clean: tuple[int, ...] = (0,)) -> None:
        process.send_signal(signal.SIGTERM)  # what `docker stop` and systemd send
        try:
            code = await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            pytest.fail(f"did not stop within 30 s of SIGTERM:\n{logged(log)}")
        assert code in clean, logged(log)

    async def kill_all(self) -> None:
        for process in self.started:
            if process.returncode is None:
                process.kill()
                await process.wait()


@pytest.mark.postgres
@pytest.mark.slow
async def test_the_installed_commands_upgrade_serve_and_run(venv: Path, postgres_url: str, tmp_path: Path) -> None:
    async with FakeBotApi() as telegram:
        web_port, health_port = free_port(), free_port()
        atou = Commands(
            venv,
            tmp_path,
            environment(
                ATOU_DATABASE_URL=postgres_url,
                ATOU_WEB_PORT=str(web_port),
                ATOU_HEALTH_PORT=str(health_port),
                ATOU_TELEGRAM_TOKEN=telegram.token,
                ATOU_TELEGRAM_API_URL=telegram.base_url,
                ATOU_LOG_JSON="true",
            ),
        )
        try:
            code, out = await atou.run("db", "upgrade")
            assert code == 0 and "Upgraded the database" in out, out

            serve, serve_log = await atou.start("serve")
            await atou.wait_healthy(f"http://127.0.0.1:{web_port}/healthz", serve, serve_log)
            code, out = await atou.run("health", "--url", f"http://127.0.0.1:{web_port}/healthz")
            assert code == 0, out  # the compose health check of the web service

            bot, bot_log = await atou.start("run")
            # /healthz answers from the start; leadership and the adapter follow within moments.
            response = await atou.wait_healthy(
                f"http://127.0.0.1:{health_port}/healthz", bot, bot_log, until=lambda h: h["leader"] and h["adapters"]
            )
            healthz = response.json()
            assert healthz["status"] == "ok" and healthz["adapters"] == {"telegram": True}
            async with httpx.AsyncClient() as client:
                metrics = await client.get(f"http://127.0.0.1:{health_port}/metrics")
            assert 'atou_adapter_connected{platform="telegram"} 1.0' in metrics.text
            assert "atou_leader 1.0" in metrics.text

            code, out = await atou.run("health", "--probe")
            assert code == 0, out  # the image's HEALTHCHECK
            code, out = await atou.run("health", "--json")
            report = json.loads(out)
            assert code == 0 and report["ok"], out
            assert [i["adapters"] for i in report["instances"]] == [{"telegram": True}]

            await atou.stop(bot, bot_log)
            # uvicorn shuts down gracefully, then ends itself with the signal it got (systemd counts that as clean).
            await atou.stop(serve, serve_log, clean=(0, -signal.SIGTERM))
            lines = [json.loads(line) for line in logged(bot_log).splitlines() if line.startswith("{")]
            assert lines and all(telegram.token.split(":")[1] not in json.dumps(line) for line in lines)
            code, out = await atou.run("health")
            assert code == 1 and "no instance has reported" in out  # stopped cleanly: its row is gone
        finally:
            await atou.kill_all()


def test_the_package_data_patterns_cover_every_data_file() -> None:
    # Every folder under the packages is a (namespace) package, so setuptools matches each pattern
    # against the file names of each folder: a name no pattern matches is left out of the wheel.
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["*"]
    missed = sorted(name for name in data_files(REPO) if not any(fnmatch(Path(name).name, p) for p in patterns))
    assert missed == [], f"add patterns to [tool.setuptools.package-data] for {missed}"


def test_the_wheel_installs_every_data_file(venv: Path) -> None:
    # The fixture builds the wheel from what the Dockerfile copies, so this also checks the image.
    assert set(PACKAGES) <= set(builder_copies()), "the Dockerfile must copy every package"
    missing = data_files(REPO) - data_files(site_packages(venv))
    assert missing == set(), f"not in the installed wheel: {sorted(missing)}"


class Assets(HTMLParser):
    """The addresses of what a page loads: stylesheets, icons, scripts, images."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        address = a.get("href") if tag == "link" else a.get("src") if tag in ("script", "img", "source") else None
        if address and not address.startswith("data:"):
            self.found.append(address)


def css_imports(css: str) -> list[str]:
    """The files a stylesheet loads itself (`url(...)`, `@import`), data: URIs aside."""
    found = re.findall(r"""url\(\s*['"]?([^'")\s]+)""", css) + re.findall(r"""@import\s+['"]([^'"]+)""", css)
    return [address for address in found if not address.startswith("data:")]


def test_the_installed_pages_load_every_asset(venv: Path, tmp_path: Path) -> None:
    """`atou serve` from the wheel, on SQLite with the demo article: every page's assets answer 200."""
    from bot.formats import load_file
    from bot.links import mint_archive_link

    secret = "fresh venv secret"
    port = free_port()
    env = environment(
        ATOU_DATABASE_URL=f"sqlite:///{tmp_path / 'atou.db'}",
        ATOU_WEB_PORT=str(port),
        ATOU_SECRET_KEY=secret,
        ATOU_PUBLIC_TEXTS="true",
    )
    atou = str(venv / "bin" / "atou")
    for command in (["db", "upgrade"], ["import", str(DEMO_ARTICLE)]):
        done = subprocess.run([atou, *command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
    article_id = load_file(DEMO_ARTICLE).id
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        serve = subprocess.Popen([atou, "serve"], cwd=tmp_path, env=env, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + STARTUP_BOUND
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            assert serve.poll() is None and time.monotonic() < deadline, logged(log)
            time.sleep(0.1)
        signed = mint_archive_link(
            base, secret, "telegram:-1001", article_id, now=datetime.now(UTC), ttl=timedelta(hours=1)
        )
        pages = {
            f"{base}/": 200,
            f"{base}/a/{article_id}": 200,
            signed: 200,
            f"{base}/a/{article_id}?g=telegram%3A-1&exp=1&sig=x": 403,
            f"{base}/a/no-such-article": 404,
        }
        loaded: dict[str, int] = {}
        with httpx.Client(timeout=10) as client:
            for url, status in pages.items():
                page = client.get(url)
                assert page.status_code == status, (url, page.text[:500])
                queue = [urljoin(url, address) for address in Assets(page.text).found]
                assert queue, f"{url} loads no stylesheet or script"
                while queue:
                    asset = queue.pop()
                    if asset in loaded:
                        continue
                    assert urlsplit(asset).netloc == urlsplit(base).netloc, asset
                    response = client.get(asset)
                    loaded[asset] = response.status_code
                    if response.headers.get("content-type", "").startswith("text/css"):
                        queue += [urljoin(asset, address) for address in css_imports(response.text)]
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=30)
    assert {urlsplit(a).path.rsplit("/", 1)[-1] for a in loaded} >= {"site.css", "archive.css", "tabs.js"}
    assert {a: s for a, s in loaded.items() if s != 200} == {}
