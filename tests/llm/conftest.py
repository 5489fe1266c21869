"""Model client tests: the Chat Completions fake in its own process, and no network beyond loopback."""

from tests.llm.fixtures import fake_chat, fake_chat_process  # noqa: F401
from tests.loopback import only_loopback  # noqa: F401
