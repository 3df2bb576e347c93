"""The binary as an operator runs it: start, health, CLI beside a running server, signals."""
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request

from conftest import triforce_binary


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_health_and_node_id_survive_restart(start_node, tmp_path):
    node = start_node(data_dir=str(tmp_path))
    status, body = get(node.base_url + "/health")
    assert status == 200 and body["status"] == "ok"
    first_id = body["node_id"]
    assert node.stop() == 0
    node2 = start_node(data_dir=str(tmp_path))
    status, body = get(node2.base_url + "/health")
    assert body["node_id"] == first_id
    assert os.path.exists(tmp_path / "triforce.db")


def test_sigterm_exits_zero_and_logs_clean_stop(start_node):
    node = start_node()
    assert get(node.base_url + "/healthz")[0] == 200
    assert node.stop(signal.SIGTERM) == 0
    assert any("stopped cleanly" in line for line in node.stderr_lines)


def test_sigint_exits_zero(start_node):
    node = start_node()
    assert node.stop(signal.SIGINT) == 0


def test_cli_runs_beside_server(start_node, tmp_path):
    node = start_node(data_dir=str(tmp_path))
    out = node.cli("db", "check")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("ok:")
    node_id = get(node.base_url + "/health")[1]["node_id"]
    backup = tmp_path / "copy.db"
    out = node.cli("db", "backup", str(backup))
    assert out.returncode == 0, out.stderr
    assert backup.exists() and backup.stat().st_size > 0
    # The copy is a valid database of its own, holding this node's data: check the backup
    # itself (installed as the database of a fresh data dir), not an empty new directory.
    restored = tmp_path / "restored"
    restored.mkdir()
    shutil.copyfile(backup, restored / "triforce.db")
    with sqlite3.connect(f"file:{restored / 'triforce.db'}?mode=ro", uri=True) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT node_id FROM node_identity").fetchone()[0] == node_id
    check = subprocess.run([triforce_binary(), "db", "check", "--data-dir", str(restored)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    assert check.stdout.startswith("ok:"), check.stdout
    assert get(node.base_url + "/health")[0] == 200


def test_corrupt_database_gives_one_clear_line(tmp_path):
    (tmp_path / "triforce.db").write_bytes(os.urandom(8192))
    out = subprocess.run([triforce_binary(), "serve", "--port", "0", "--data-dir", str(tmp_path)],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    lines = [l for l in out.stderr.splitlines() if l.startswith("triforce:")]
    assert len(lines) == 1
    assert "triforce.db" in lines[0]


def test_unwritable_data_dir_fails_cleanly(tmp_path):
    target = tmp_path / "file-not-dir"
    target.write_text("x")
    out = subprocess.run([triforce_binary(), "serve", "--port", "0", "--data-dir", str(target / "sub")],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert "triforce:" in out.stderr and "data dir" in out.stderr


def test_config_precedence_and_redaction(tmp_path):
    env = dict(os.environ, TRIFORCE_PORT="9123", OPENAI_API_KEY="sk-secret-value-1234567890")
    (tmp_path / ".env").write_text("TRIFORCE_PORT=9999\nTRIFORCE_LOG_LEVEL=debug\n")
    subprocess.run([triforce_binary(), "config", "set", "idle_timeout_seconds", "42", "--data-dir", str(tmp_path / "d")],
                   capture_output=True, text=True, env=env, cwd=tmp_path, check=True)
    out = subprocess.run([triforce_binary(), "config", "--data-dir", str(tmp_path / "d")],
                         capture_output=True, text=True, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    lines = {l.split()[0]: l for l in out.stdout.splitlines()}
    assert "9123" in lines["port"] and "[environment]" in lines["port"]
    assert "debug" in lines["log_level"] and "[.env]" in lines["log_level"]
    assert "42" in lines["idle_timeout_seconds"] and "[settings]" in lines["idle_timeout_seconds"]
    assert "sk-secret" not in out.stdout
    assert "[flag]" in lines["data_dir"]


def test_slow_client_is_disconnected(start_node):
    import socket
    node = start_node(env={"TRIFORCE_IDLE_TIMEOUT": "1"})
    s = socket.create_connection(("127.0.0.1", node.port))
    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # headers never finished
    s.settimeout(10)
    start = time.time()
    data = s.recv(100)
    assert data == b"" or data.startswith(b"HTTP/1.1 4")  # closed (or refused) by the server
    assert time.time() - start < 9
