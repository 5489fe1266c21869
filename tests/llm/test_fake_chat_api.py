"""The fake is strict: requests a real endpoint would refuse are refused here too."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.llm.process import FakeChatProcess

CLOSED = {
    "type": "object",
    "properties": {"headline": {"type": "string"}},
    "required": ["headline"],
    "additionalProperties": False,
}


def body(**changes: Any) -> dict[str, Any]:
    return {
        "model": "fake-model",
        "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "brief", "schema": CLOSED, "strict": True},
        },
    } | changes


def post(fake: FakeChatProcess, payload: dict[str, Any], key: str | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"{fake.base_url}/chat/completions",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {key or fake.key}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_a_good_request_gets_an_answer_matching_its_schema(fake_chat: FakeChatProcess) -> None:
    status, answer = post(fake_chat, body())
    assert status == 200
    assert json.loads(answer["choices"][0]["message"]["content"]) == {"headline": "headline"}
    assert answer["choices"][0]["finish_reason"] == "stop"
    assert (
        answer["usage"]["total_tokens"]
        == answer["usage"]["prompt_tokens"] + answer["usage"]["completion_tokens"]
    )


@pytest.mark.parametrize(
    ("changes", "status", "says"),
    [
        ({"model": "gpt-nothing"}, 404, "does not exist"),
        ({"stream": True}, 400, "stream"),
        ({"temperatur": 0}, 400, "Unrecognized request argument"),
        ({"messages": []}, 400, "non-empty array"),
        ({"messages": [{"role": "robot", "content": "x"}]}, 400, "role"),
        ({"response_format": {"type": "json_object"}}, 400, "json_schema"),
        (
            {
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {
                        "name": "brief",
                        "strict": True,
                        "schema": {"type": "object", "properties": {"a": {"type": "string"}}},
                    },
                }
            },
            400,
            "additionalProperties",
        ),
    ],
)
def test_malformed_requests_are_refused(
    fake_chat: FakeChatProcess, changes: dict[str, Any], status: int, says: str
) -> None:
    got, answer = post(fake_chat, body(**changes))
    assert got == status
    assert says in answer["error"]["message"]


def test_a_wrong_key_is_refused(fake_chat: FakeChatProcess) -> None:
    status, answer = post(fake_chat, body(), key="sk-other")
    assert status == 401 and answer["error"]["code"] == "invalid_api_key"


def test_a_scripted_answer_must_match_the_schema(fake_chat: FakeChatProcess) -> None:
    fake_chat.script("brief", {"headline": "Scripted"})
    fake_chat.script("brief", {"headline": 3})
    assert json.loads(post(fake_chat, body())[1]["choices"][0]["message"]["content"]) == {
        "headline": "Scripted"
    }
    status, answer = post(fake_chat, body())
    assert status == 500 and "breaks its schema" in answer["error"]["message"]
