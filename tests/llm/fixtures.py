"""Fixtures for any test package that needs the model: import them into that package's conftest.

from tests.llm.fixtures import fake_chat, fake_chat_process  # noqa: F401
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.llm.process import FakeChatProcess


@pytest.fixture(scope="session")
def fake_chat_process() -> Iterator[FakeChatProcess]:
    """One fake per test session (starting a process costs more than a test)."""
    with FakeChatProcess() as fake:
        yield fake


@pytest.fixture
def fake_chat(fake_chat_process: FakeChatProcess) -> Iterator[FakeChatProcess]:
    """The fake, with no faults, scripts or delay left from another test."""
    fake_chat_process.reset()
    yield fake_chat_process
    fake_chat_process.reset()
