"""The command-line client (`triforce login/logout/chat/models/tools`, `db backup`) against a
real node whose upstream is the mock: plain invocations, the interactive chat driven in tmux
(send-keys / capture-pane), and HTTPS with --cacert against a node with its own CA."""
import json
import os
import shutil
import stat
import subprocess
import time
import uuid

import pytest

from conftest import triforce_binary
from mock_openai import REPLY, MockOpenAI
from nodes_with_mock import USER_EMAIL, USER_PASSWORD, http, mock_env, prepare, start_mock, wait_for_mock_model


def cli(*args, config_dir, input=None, extra_env=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIFORCE_")}
    env["XDG_CONFIG_HOME"] = config_dir
    env.update(extra_env or {})
    return subprocess.run([triforce_binary(), *args], input=input, capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture
def served(start_node, tmp_path):
    mock = start_mock()
    data = str(tmp_path / "data")
    os.makedirs(data)
    prepare(data)
    node = start_node(env=mock_env(mock), data_dir=data)
    wait_for_mock_model(node.base_url)
    config = str(tmp_path / "config")
    yield node, config
    mock.shutdown()


def login(node, config, *extra):
    result = cli("login", node.base_url, "--email", USER_EMAIL, "--password-stdin", *extra,
                 config_dir=config, input=USER_PASSWORD + "\n")
    assert result.returncode == 0, result.stderr
    return result


def test_login_models_chat_tools_logout(served):
    node, config = served
    result = login(node, config)
    assert "logged in to " + node.base_url in result.stdout
    path = os.path.join(config, "triforce", "credentials")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    saved = json.load(open(path))
    assert saved["url"] == node.base_url and saved["token"]

    models = cli("models", config_dir=config)
    assert models.returncode == 0, models.stderr
    assert "openai/gpt-4o-mini" in models.stdout and "available" in models.stdout

    chat = cli("chat", "--model", "gpt-4o-mini", "Say hello", config_dir=config)
    assert chat.returncode == 0, chat.stderr
    assert chat.stdout.strip() == REPLY
    assert "[model: openai/gpt-4o-mini · route: openai/gpt-4o-mini" in chat.stderr

    tools = cli("tools", "list", config_dir=config)
    assert tools.returncode == 0, tools.stderr
    names = [line.split()[0] for line in tools.stdout.splitlines() if line.strip()]
    assert "status" in names and "memory_store" in names, names

    called = cli("tools", "call", "status", config_dir=config)
    assert called.returncode == 0, called.stderr
    assert "node_id" in called.stdout

    # --json and --arg (string and := JSON) merge into the arguments; a tool error exits 1.
    saved_note = cli("tools", "call", "memory_store", "--json", '{"content": "from the cli"}', "--arg", "type=fact",
                     "--arg", "confidence:=0.9", config_dir=config)
    assert saved_note.returncode == 0, saved_note.stderr + saved_note.stdout
    bad = cli("tools", "call", "memory_store", "--arg", "content:=42", config_dir=config)
    assert bad.returncode == 1 and "content" in bad.stderr
    assert cli("tools", "call", "status", "--json", "[1]", config_dir=config).returncode != 0
    unknown = cli("tools", "call", "no_such_tool", config_dir=config)
    assert unknown.returncode != 0 and "unknown tool" in unknown.stderr

    token = saved["token"]
    logout = cli("logout", config_dir=config)
    assert logout.returncode == 0 and "revoked" in logout.stdout, logout.stdout + logout.stderr
    assert not os.path.exists(path)
    assert http("GET", node.base_url + "/v1/client/me", token=token)[0] == 401
    assert "not logged in" in cli("logout", config_dir=config).stdout


def test_errors_are_clear_and_exit_non_zero(served, tmp_path):
    node, config = served
    unreachable = cli("models", "--url", "http://127.0.0.1:1", config_dir=config)
    assert unreachable.returncode != 0 and "cannot reach http://127.0.0.1:1" in unreachable.stderr
    wrong = cli("login", node.base_url, "--email", USER_EMAIL, "--password-stdin", config_dir=config, input="wrong-password\n")
    assert wrong.returncode != 0 and "HTTP 401" in wrong.stderr and "invalid email or password" in wrong.stderr
    assert not os.path.exists(os.path.join(config, "triforce", "credentials"))
    nopass = cli("login", node.base_url, "--email", USER_EMAIL, config_dir=config, input="")
    assert nopass.returncode != 0
    corrupt = os.path.join(config, "triforce")
    os.makedirs(corrupt, exist_ok=True)
    with open(os.path.join(corrupt, "credentials"), "w") as f:
        f.write("not json")
    broken = cli("models", config_dir=config)
    assert broken.returncode != 0 and "triforce logout" in broken.stderr


def test_db_backup_shows_progress(served, tmp_path):
    node, _ = served
    target = str(tmp_path / "backup.db")
    result = subprocess.run([triforce_binary(), "db", "backup", target, "--data-dir", node.data_dir],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "backing up: 100%" in result.stderr
    assert os.path.getsize(target) > 0


def tmux(*args, check=True):
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=check, timeout=30)


def wait_for_screen(session, predicate, timeout=60):
    deadline = time.time() + timeout
    screen = ""
    while time.time() < deadline:
        screen = tmux("capture-pane", "-p", "-t", session, "-S", "-200").stdout
        if predicate(screen):
            return screen
        time.sleep(0.1)
    raise AssertionError("screen never matched:\n" + screen)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is installed by scripts/dev.sh test")
def test_interactive_chat_in_tmux_keeps_history(served):
    node, config = served
    login(node, config)
    session = "triforce-chat-" + uuid.uuid4().hex[:8]
    command = f"env XDG_CONFIG_HOME={config} {triforce_binary()} chat --model gpt-4o-mini"
    MockOpenAI.requests.clear()
    tmux("new-session", "-d", "-s", session, "-x", "160", "-y", "50", command)
    try:
        wait_for_screen(session, lambda s: "you>" in s)
        tmux("send-keys", "-t", session, "Say hello", "Enter")
        wait_for_screen(session, lambda s: REPLY in s and "[model: openai/gpt-4o-mini" in s and s.count("you>") >= 2)
        tmux("send-keys", "-t", session, "And again", "Enter")
        screen = wait_for_screen(session, lambda s: s.count("[model: openai/gpt-4o-mini") >= 2 and s.count("you>") >= 3)
        assert "route: openai/gpt-4o-mini" in screen
        # The second turn carried the whole conversation to the upstream.
        roles = [(m["role"], m["content"]) for m in MockOpenAI.requests[-1]["messages"]]
        assert roles == [("user", "Say hello"), ("assistant", REPLY), ("user", "And again")], roles
        tmux("send-keys", "-t", session, "/exit", "Enter")
        deadline = time.time() + 30
        while time.time() < deadline and tmux("has-session", "-t", session, check=False).returncode == 0:
            time.sleep(0.1)
        assert tmux("has-session", "-t", session, check=False).returncode != 0, "chat did not exit on /exit"
    finally:
        tmux("kill-session", "-t", session, check=False)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is installed by scripts/dev.sh test")
def test_login_asks_for_what_is_missing_in_tmux(served):
    node, config = served
    session = "triforce-login-" + uuid.uuid4().hex[:8]
    # The shell keeps the pane after login exits, so its last words and exit code can be read.
    command = f"env XDG_CONFIG_HOME={config} {triforce_binary()} login {node.base_url}; echo exit=$?; read _"
    tmux("new-session", "-d", "-s", session, "-x", "160", "-y", "50", command)
    try:
        wait_for_screen(session, lambda s: "email:" in s)
        tmux("send-keys", "-t", session, USER_EMAIL, "Enter")
        wait_for_screen(session, lambda s: f"password for {USER_EMAIL}:" in s)
        tmux("send-keys", "-t", session, "-l", USER_PASSWORD)
        tmux("send-keys", "-t", session, "Enter")
        screen = wait_for_screen(session, lambda s: "exit=" in s)
        assert "exit=0" in screen and "logged in to " + node.base_url in screen, screen
        assert USER_PASSWORD not in screen, "the password was echoed"
        assert os.path.exists(os.path.join(config, "triforce", "credentials"))
    finally:
        tmux("kill-session", "-t", session, check=False)


def make_certificates(directory):
    """A test CA and a server certificate for 127.0.0.1 signed by it (openssl CLI)."""
    def run(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=directory)
    run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key",
        "-out", "ca.pem", "-days", "2", "-subj", "/CN=triforce test CA")
    run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "server.key",
        "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    with open(os.path.join(directory, "ext.cnf"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem",
        "-days", "2", "-extfile", "ext.cnf")
    return os.path.join(directory, "ca.pem"), os.path.join(directory, "server.pem"), os.path.join(directory, "server.key")


def test_https_with_cacert(start_node, tmp_path):
    mock = start_mock()
    try:
        certs = str(tmp_path / "certs")
        os.makedirs(certs)
        ca, cert, key = make_certificates(certs)
        data = str(tmp_path / "data")
        os.makedirs(data)
        prepare(data)
        node = start_node(env=mock_env(mock, TRIFORCE_TLS_CERT=cert, TRIFORCE_TLS_KEY=key), data_dir=data)
        base = f"https://127.0.0.1:{node.port}"
        config = str(tmp_path / "config")

        untrusted = cli("login", base, "--email", USER_EMAIL, "--password-stdin", config_dir=config, input=USER_PASSWORD + "\n")
        assert untrusted.returncode != 0 and "--cacert" in untrusted.stderr, untrusted.stderr

        result = cli("login", base, "--email", USER_EMAIL, "--password-stdin", "--cacert", ca, config_dir=config,
                     input=USER_PASSWORD + "\n")
        assert result.returncode == 0, result.stderr
        # The CA file was saved with the token: later commands need no flag.
        deadline = time.time() + 60
        while True:
            models = cli("models", config_dir=config)
            assert models.returncode == 0, models.stderr
            if "openai/gpt-4o-mini" in models.stdout or time.time() > deadline:
                break
            time.sleep(0.2)
        assert "openai/gpt-4o-mini" in models.stdout
        chat = cli("chat", "--model", "gpt-4o-mini", "Say hello", config_dir=config)
        assert chat.returncode == 0 and chat.stdout.strip() == REPLY, chat.stderr
    finally:
        mock.shutdown()
