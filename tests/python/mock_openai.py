"""A mock OpenAI upstream speaking the chat-completions wire format (whole and SSE), shared
by the tests that put a real node in front of it. `requests` keeps every chat body it got."""
import json
from http.server import BaseHTTPRequestHandler

REPLY = "Hello from the mock"


class MockOpenAI(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    violations = []
    requests = []

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
        MockOpenAI.requests.append(body)
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
