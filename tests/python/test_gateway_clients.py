"""The real openai and anthropic SDKs against a triforce node whose OpenAI provider is a
local mock speaking the chat-completions wire format. Run: scripts/python-venv.sh, then
.venv/bin/pytest tests/python (needs .build/debug/triforce)."""
import json
import os
import socket
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import anthropic
import openai
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("TRIFORCE_BIN", os.path.join(ROOT, ".build", "debug", "triforce"))
REPLY = "Hello from the mock"


class MockOpenAI(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    violations = []

    def log_message(self, *args):
        pass

    def _json(self, value):
        data = json.dumps(value).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/v1/models":
            self._json({"object": "list", "data": [{"id": "gpt-4o-mini", "object": "model", "owned_by": "openai", "created": 1}]})
        else:
            self.send_error(404)

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        if self.headers.get("Authorization") != "Bearer sk-test":
            MockOpenAI.violations.append("missing bearer key")
        if not body.get("messages") or not all(m.get("role") in ("system", "user", "assistant", "tool") for m in body["messages"]):
            MockOpenAI.violations.append("bad messages: %r" % body.get("messages"))
        model = body["model"]
        if not body.get("stream"):
            self._json({"id": "x", "object": "chat.completion", "created": 1, "model": model,
                        "choices": [{"index": 0, "message": {"role": "assistant", "content": REPLY}, "finish_reason": "stop"}],
                        "usage": {"prompt_tokens": 5, "completion_tokens": 4, "total_tokens": 9}})
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        words = REPLY.split(" ")
        for i, word in enumerate(words):
            chunk = {"id": "x", "object": "chat.completion.chunk", "created": 1, "model": model,
                     "choices": [{"index": 0, "delta": {"content": word if i == 0 else " " + word}, "finish_reason": None}]}
            self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
            self.wfile.flush()
        done = {"id": "x", "object": "chat.completion.chunk", "created": 1, "model": model,
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        self.wfile.write(b"data: " + json.dumps(done).encode() + b"\n\n")
        usage = {"id": "x", "object": "chat.completion.chunk", "created": 1, "model": model, "choices": [],
                 "usage": {"prompt_tokens": 5, "completion_tokens": 4, "total_tokens": 9}}
        self.wfile.write(b"data: " + json.dumps(usage).encode() + b"\n\ndata: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def node():
    mock = ThreadingHTTPServer(("127.0.0.1", 0), MockOpenAI)
    threading.Thread(target=mock.serve_forever, daemon=True).start()
    port = free_port()
    env = dict(os.environ, OPENAI_API_KEY="sk-test", OPENAI_BASE_URL="http://127.0.0.1:%d/v1" % mock.server_address[1],
               OLLAMA_BASE_URL="http://127.0.0.1:1")
    data = tempfile.mkdtemp()
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
