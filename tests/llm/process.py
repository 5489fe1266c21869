"""The Chat Completions fake in a process of its own, and a handle to steer it from a test.

    with FakeChatProcess() as fake:
        settings = Settings(**fake.settings())        # ATOU_LLM_* pointing at the fake
        fake.fault("rate_limit", retry_after=1)       # the next request gets a 429
        fake.stats()["answered"]

Other test packages use the `fake_chat` fixture (tests/llm/fixtures.py) rather than this class.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
KEY = "sk-fake-local-key"
MODEL = "fake-model"
TRANSLATION_MODEL = "fake-translator"


class FakeChatProcess:
    def __init__(self, *, key: str = KEY, models: tuple[str, ...] = (MODEL, TRANSLATION_MODEL)) -> None:
        self.key = key
        self.models = models
        self.port = 0
        self._process: subprocess.Popen[str] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def settings(self, **overrides: Any) -> dict[str, Any]:
        """Keyword arguments for `Settings` that point drafting at this fake."""
        return {
            "llm_base_url": self.base_url,
            "llm_api_key": self.key,
            "llm_model": self.models[0],
            "llm_translation_model": self.models[-1],
            "llm_timeout": 5.0,
        } | overrides

    def env(self) -> dict[str, str]:
        """The same, as ATOU_ environment variables for a CLI run."""
        return {f"ATOU_{name.upper()}": str(value) for name, value in self.settings().items()}

    def __enter__(self) -> FakeChatProcess:
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.llm.fake_chat_api",
                "--exit-with-parent",
                "--key",
                self.key,
                "--models",
                ",".join(self.models),
            ],
            cwd=REPO,
            stdin=subprocess.PIPE,  # the fake ends when this closes, should this process die first
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line.startswith("port "):
            self._process.kill()
            raise RuntimeError(f"the Chat Completions fake did not start: {line!r}")
        self.port = int(line.split()[1])
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            if self._process.stdin is not None:
                self._process.stdin.close()
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    # --- steering ------------------------------------------------------------------------------

    def _call(self, path: str, payload: Any = None) -> Any:
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/control/{path}",
            data=data,
            method="GET" if data is None else "POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def fault(self, kind: str, *, count: int = 1, name: str | None = None, **options: float) -> None:
        """The next `count` requests (for schema `name`, or any) fail as `kind` (see fake_chat_api)."""
        self._call("faults", [{"kind": kind, "count": count, "name": name, **options}])

    def script(self, name: str, answer: Any) -> None:
        """The next request for schema `name` gets `answer` (which must match its schema)."""
        self._call("script", {"name": name, "answer": answer})

    def delay(self, seconds: float) -> None:
        """Every answer from now on waits `seconds` first."""
        self._call("delay", {"seconds": seconds})

    def requests(self) -> list[dict[str, Any]]:
        """The bodies of the requests answered since the last reset."""
        result: list[dict[str, Any]] = self._call("requests")
        return result

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("stats")
        return result

    def reset(self) -> None:
        self._call("reset", {})
