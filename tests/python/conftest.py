"""Shared fixtures: a real triforce node (the built binary) on an ephemeral loopback port."""
import os
import re
import signal
import subprocess
import tempfile
import threading
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def triforce_binary():
    # TRIFORCE_BINARY: run the suite against another build, e.g. the release binary.
    if os.environ.get("TRIFORCE_BINARY"):
        return os.path.abspath(os.environ["TRIFORCE_BINARY"])
    for config in ("debug", "release"):
        path = os.path.join(ROOT, ".build", config, "triforce")
        if os.path.exists(path):
            return path
    raise RuntimeError("build triforce first: swift build")


class Node:
    """A running `triforce serve` process. `stderr_lines` collects its log."""

    def __init__(self, data_dir, env=None, args=None):
        self.data_dir = data_dir
        self.stderr_lines = []
        # stdout carries what is printed for the operator only (the first-run setup link).
        self.stdout_lines = []
        full_env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
        full_env.update(env or {})
        self.proc = subprocess.Popen(
            [triforce_binary(), "serve", "--port", "0", "--data-dir", data_dir] + (args or []),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full_env, cwd=data_dir)
        self.port = None
        ready = threading.Event()

        def pump():
            for line in self.proc.stderr:
                self.stderr_lines.append(line)
                m = re.search(r"notice triforce: listening .*port=(\d+)", line)
                if m and self.port is None:
                    self.port = int(m.group(1))
                    ready.set()
            ready.set()

        def pump_stdout():
            for line in self.proc.stdout:
                self.stdout_lines.append(line)

        threading.Thread(target=pump, daemon=True).start()
        threading.Thread(target=pump_stdout, daemon=True).start()
        if not ready.wait(30) or self.port is None:
            self.stop()
            raise RuntimeError("node did not start:\n" + "".join(self.stderr_lines))
        self.base_url = f"http://127.0.0.1:{self.port}"

    def setup_link(self, timeout=30):
        """The one-time first-run link the node printed on stdout (it has no admin)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.stdout_lines):
                m = re.search(r"(https?://\S+/admin#setup=\S+)", line)
                if m:
                    return m.group(1)
            time.sleep(0.05)
        raise RuntimeError("no setup link on stdout:\n" + "".join(self.stdout_lines))

    def cli(self, *args, input=None, env=None):
        """Runs another triforce subcommand against the same data dir."""
        full_env = dict(os.environ)
        full_env.update(env or {})
        return subprocess.run([triforce_binary(), *args, "--data-dir", self.data_dir],
                              input=input, capture_output=True, text=True, env=full_env, timeout=120)

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


@pytest.fixture
def start_node():
    """Factory: start_node(env={...}) -> Node; every node is stopped after the test."""
    nodes = []
    dirs = []

    def start(env=None, args=None, data_dir=None):
        if data_dir is None:
            d = tempfile.TemporaryDirectory(prefix="triforce-py-")
            dirs.append(d)
            data_dir = d.name
        node = Node(data_dir, env=env, args=args)
        nodes.append(node)
        return node

    yield start
    for node in nodes:
        node.stop()
    for d in dirs:
        d.cleanup()
