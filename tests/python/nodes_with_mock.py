"""A node whose OpenAI provider is the local mock, with an admin and a plain user: the
setting that the metrics and CLI tests share."""
import json
import subprocess
import threading
import time
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer

from conftest import triforce_binary
from mock_openai import MockOpenAI

USER_EMAIL = "user@example.com"
USER_PASSWORD = "user-password-123456"


def start_mock():
    mock = ThreadingHTTPServer(("127.0.0.1", 0), MockOpenAI)
    threading.Thread(target=mock.serve_forever, daemon=True).start()
    return mock


def mock_env(mock, **extra):
    env = {"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": "http://127.0.0.1:%d/v1" % mock.server_address[1],
           "OLLAMA_BASE_URL": "http://127.0.0.1:1"}
    env.update(extra)
    return env


def prepare(data_dir, tier="pro"):
    """Creates the admin (returns its password) and a plain user in `data_dir`."""
    out = subprocess.run([triforce_binary(), "init", "--data-dir", data_dir], capture_output=True, text=True, check=True)
    admin_password = [l.split()[-1] for l in out.stdout.splitlines() if l.startswith("password:")][0]
    subprocess.run([triforce_binary(), "user", "add", USER_EMAIL, "--tier", tier, "--password-stdin", "--data-dir", data_dir],
                   input=USER_PASSWORD + "\n", text=True, check=True, capture_output=True)
    return admin_password


def http(method, url, body=None, token=None, headers=None, cafile=None):
    """(status, headers, body bytes); HTTP errors are answers here, not exceptions."""
    all_headers = dict(headers or {})
    if token:
        all_headers["Authorization"] = "Bearer " + token
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        all_headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def login(base, email, password):
    status, _, body = http("POST", base + "/v1/client/login", {"email": email, "password": password})
    assert status == 200, body
    return json.loads(body)["token"]


def wait_for_mock_model(base, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        status, _, body = http("GET", base + "/v1/models")
        if status == 200 and any(m["id"] == "openai/gpt-4o-mini" and m.get("status") == "available"
                                 for m in json.loads(body)["data"]):
            return
        time.sleep(0.2)
    raise AssertionError("the node never discovered the mock's model")
