"""The real openai and anthropic SDKs against a triforce node whose OpenAI provider is a
local mock speaking the chat-completions wire format. Run: scripts/python-venv.sh, then
.venv/bin/pytest tests/python (needs .build/debug/triforce)."""
import json
import os
import socket
import subprocess
import threading
import time
from http.server import ThreadingHTTPServer

import anthropic
import openai
import pytest
from mock_openai import REPLY, MockOpenAI

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("TRIFORCE_BIN", os.path.join(ROOT, ".build", "debug", "triforce"))
def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    mock = ThreadingHTTPServer(("127.0.0.1", 0), MockOpenAI)
    threading.Thread(target=mock.serve_forever, daemon=True).start()
    port = free_port()
    env = dict(os.environ, OPENAI_API_KEY="sk-test", OPENAI_BASE_URL="http://127.0.0.1:%d/v1" % mock.server_address[1],
               OLLAMA_BASE_URL="http://127.0.0.1:1")
    data = str(tmp_path_factory.mktemp("gateway-clients"))
    # A pro user with an API key, made with the CLI: the SDKs send it as Bearer / x-api-key.
    subprocess.run([BINARY, "user", "add", "sdk@example.com", "--tier", "pro", "--password-stdin", "--data-dir", data],
                   input="sdk-user-password-123\n", text=True, check=True, capture_output=True, env=env)
    key = subprocess.run([BINARY, "key", "create", "sdk@example.com", "--data-dir", data], text=True, check=True,
                         capture_output=True, env=env).stdout.strip().splitlines()[-1]
    process = subprocess.Popen([BINARY, "serve", "--port", str(port), "--data-dir", data], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = "http://127.0.0.1:%d" % port
    client = openai.OpenAI(base_url=base + "/v1", api_key=key)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if any(m.id == "openai/gpt-4o-mini" and getattr(m, "status", "") == "available" for m in client.models.list().data):
                break
        except Exception:
            pass
        time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("node never discovered the mock's model")
    yield base, key
    process.terminate()
    process.wait(timeout=15)
    mock.shutdown()
    assert MockOpenAI.violations == []


def test_openai_sdk_whole_and_streamed(node):
    base, key = node
    client = openai.OpenAI(base_url=base + "/v1", api_key=key)
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Say hello"}])
    assert raw.headers["x-triforce-route"].startswith("openai/gpt-4o-mini")
    whole = raw.parse()
    assert whole.choices[0].message.content == REPLY
    assert whole.model == "openai/gpt-4o-mini"
    assert whole.usage.total_tokens == 9
    stream = client.chat.completions.create(model="auto", messages=[{"role": "user", "content": "Say hello"}],
                                            stream=True, stream_options={"include_usage": True})
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == REPLY
    assert chunks[-1].usage.prompt_tokens == 5


def test_anthropic_sdk_whole_and_streamed(node):
    base, key = node
    client = anthropic.Anthropic(base_url=base, api_key=key)
    message = client.messages.create(model="gpt-4o-mini", max_tokens=64, messages=[{"role": "user", "content": "Say hello"}])
    assert message.content[0].text == REPLY
    assert message.model == "openai/gpt-4o-mini"
    assert message.stop_reason == "end_turn"
    with client.messages.stream(model="gpt-4o-mini", max_tokens=64, messages=[{"role": "user", "content": "Say hello"}]) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == REPLY
    assert final.usage.output_tokens == 4
