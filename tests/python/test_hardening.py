"""Issue 9 hardening, end to end against the built binary: file modes, backup size,
start-up errors, config redaction, the whole-request deadline and the connection cap."""
import os
import socket
import stat
import subprocess
import time

from conftest import triforce_binary


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def wait_until(condition, timeout=60, interval=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def run_cli(*args, env=None, cwd=None):
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([triforce_binary(), *args], capture_output=True, text=True, env=full_env, cwd=cwd, timeout=120)


def test_data_dir_database_and_backup_are_owner_only(start_node, tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)  # mkdir honours the umask; make the loose mode exact
    node = start_node(data_dir=str(data))
    db = data / "triforce.db"
    assert wait_until(lambda: (data / "triforce.db-wal").exists())
    assert mode(data) == 0o700
    for path in (db, data / "triforce.db-wal", data / "triforce.db-shm"):
        if path.exists():
            assert mode(path) == 0o600, path
    backup = tmp_path / "copy.db"
    out = node.cli("db", "backup", str(backup))
    assert out.returncode == 0, out.stderr
    size = os.path.getsize(backup)
    assert size > 0
    assert f"({size} bytes)" in out.stdout
    assert mode(backup) == 0o600


def test_existing_world_readable_files_are_tightened_at_open(tmp_path):
    data = tmp_path / "data"
    out = run_cli("db", "check", "--data-dir", str(data))
    assert out.returncode == 0, out.stderr
    os.chmod(data, 0o755)
    for name in os.listdir(data):
        os.chmod(data / name, 0o644)
    out = run_cli("db", "check", "--data-dir", str(data))
    assert out.returncode == 0, out.stderr
    assert mode(data) == 0o700
    for name in os.listdir(data):
        if name.startswith("triforce.db"):
            assert mode(data / name) == 0o600, name


def test_short_jwt_secret_is_a_start_up_error(tmp_path):
    proc = subprocess.run([triforce_binary(), "serve", "--port", "0", "--data-dir", str(tmp_path / "d")],
                          capture_output=True, text=True, env=dict(os.environ, JWT_SECRET="too-short"), timeout=60)
    assert proc.returncode != 0
    lines = [l for l in proc.stderr.splitlines() if l.strip()]
    assert any("JWT_SECRET" in l and "32" in l for l in lines), proc.stderr
    assert "too-short" not in proc.stderr


def test_config_redacts_credentials_in_urls(tmp_path):
    env = {"OLLAMA_BASE_URL": "https://alice:hunter2@ollama.example.com:8443/api?api_key=s3cr3t&mode=fast"}
    out = run_cli("config", "--data-dir", str(tmp_path / "d"), env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    line = next(l for l in out.stdout.splitlines() if l.startswith("ollama_base_url"))
    assert "hunter2" not in out.stdout and "alice" not in out.stdout and "s3cr3t" not in out.stdout
    assert "ollama.example.com:8443/api" in line and "mode=fast" in line


def closed_by_server(sock):
    """True once the server has closed the connection (EOF or reset)."""
    try:
        sock.setblocking(False)
        data = sock.recv(4096)
        return data == b""
    except BlockingIOError:
        return False
    except (ConnectionResetError, BrokenPipeError):
        return True
    finally:
        sock.setblocking(True)


def test_trickled_chunked_body_hits_the_request_deadline(start_node):
    node = start_node(env={"TRIFORCE_REQUEST_TIMEOUT": "2", "TRIFORCE_IDLE_TIMEOUT": "30"})
    s = socket.create_connection(("127.0.0.1", node.port))
    s.sendall(b"POST /v1/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Transfer-Encoding: chunked\r\n\r\n")
    started = time.time()
    closed = False
    # One byte every 0.2 s: far inside the 30 s idle timeout, so only the deadline can end it.
    while time.time() - started < 60:
        try:
            s.sendall(b"1\r\n \r\n")
        except (BrokenPipeError, ConnectionResetError):
            closed = True
            break
        if closed_by_server(s):
            closed = True
            break
        time.sleep(0.2)
    assert closed, "a trickled body was never timed out"
    assert time.time() - started >= 1.5
    s.close()


def test_oversized_chunked_body_is_413(start_node):
    node = start_node(env={"TRIFORCE_MAX_BODY_BYTES": "1024"})
    s = socket.create_connection(("127.0.0.1", node.port))
    s.settimeout(30)
    chunk = b"x" * 4096
    s.sendall(b"POST /v1/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Transfer-Encoding: chunked\r\n\r\n" + b"%x\r\n" % len(chunk) + chunk + b"\r\n0\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        part = s.recv(4096)
        if not part:
            break
        data += part
    s.close()
    assert data.startswith(b"HTTP/1.1 413"), data[:200]


def test_connection_limit_closes_excess_connections(start_node):
    node = start_node(env={"TRIFORCE_MAX_CONNECTIONS": "4"})
    held = [socket.create_connection(("127.0.0.1", node.port)) for _ in range(4)]
    # Each held connection proves it is being served before the next opens.
    for s in held:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        s.settimeout(30)
        assert s.recv(4096).startswith(b"HTTP/1.1 200")
    extra = socket.create_connection(("127.0.0.1", node.port))
    assert wait_until(lambda: closed_by_server(extra), timeout=30), "a fifth connection was kept open"
    extra.close()
    # The held ones are still served, and a slot freed is a slot usable again.
    held[0].sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert held[0].recv(4096).startswith(b"HTTP/1.1 200")
    held.pop().close()

    def fresh_connection_served():
        s = socket.create_connection(("127.0.0.1", node.port))
        s.settimeout(30)
        try:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return s.recv(4096).startswith(b"HTTP/1.1 200")
        except OSError:
            return False
        finally:
            s.close()

    assert wait_until(fresh_connection_served, timeout=30)
    for s in held:
        s.close()
