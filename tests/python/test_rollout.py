"""Rolling updates with real processes on loopback (issue 14): three nodes (a hub and two that
joined it), each with its own release prefix and running `PREFIX/current/triforce` under a
small supervisor that restarts `current` after a non-zero exit, as systemd's
Restart=on-failure does. The release manifest lives in a temp git repository (`file://`) that
every node follows (config from git). A new version reaches all three, one at a time, in node
id order; then a release that cannot start is rolled back, `deploy/failed` is visible on every
node, and nobody else moves.

The "new version" is the same build with its version string changed: a debug build keeps the
dev version's parts ("0.1.0", "-dev") as C strings in its read-only data, and the test patches
"-dev" to "-dv2" (same length) in a copy, so `--version`, gossip and /health say 0.1.0-dv2.
About 2-3 minutes alone: each member-to-member transfer of the 53 MB stripped debug binary takes
~45 s on a shared 2-core VM; deadlines are generous for a loaded machine.
"""
import hashlib
import http.server
import json
import os
import platform
import shutil
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest

from conftest import triforce_binary
from test_mesh_federation import wait_until

MACHINE = platform.machine()


def run(*argv, cwd=None, env=None):
    out = subprocess.run(list(argv), capture_output=True, text=True, timeout=120, cwd=cwd, env=env)
    assert out.returncode == 0, f"{argv}: {out.stderr}"
    return out.stdout.strip()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def make_releases(work):
    """(v1, v2, bad): paths of the running build, its patched twin and a release that cannot start."""
    v1 = os.path.join(work, "triforce-v1")
    shutil.copyfile(triforce_binary(), v1)
    # Debug info is most of a debug binary: without it the copies and transfers are small.
    subprocess.run(["strip", v1], check=False, timeout=120)
    os.chmod(v1, 0o755)
    data = open(v1, "rb").read()
    marker = b"0.1.0\x00-dev\x00"
    assert data.count(marker) == 1, "the dev version string is not where this test expects it (is this a debug build?)"
    v2 = os.path.join(work, "triforce-v2")
    with open(v2, "wb") as f:
        f.write(data.replace(marker, b"0.1.0\x00-dv2\x00"))
    os.chmod(v2, 0o755)
    assert run(v1, "--version") == "0.1.0-dev"
    assert run(v2, "--version") == "0.1.0-dv2"
    bad = os.path.join(work, "triforce-bad")
    with open(bad, "w") as f:
        f.write('#!/bin/sh\nif [ "$1" = "--version" ]; then echo 0.1.0-bad; exit 0; fi\n'
                'echo "this release cannot start" >&2\nexit 1\n')
    os.chmod(bad, 0o755)
    return v1, v2, bad


class Supervisor:
    """Runs `PREFIX/current/triforce serve ...` and starts it again after a non-zero exit
    (Restart=on-failure). An exec keeps the process: only real exits count as restarts."""

    def __init__(self, name, prefix, args, env):
        self.name, self.prefix, self.args, self.env = name, prefix, args, env
        self.lines = []
        self.exits = []
        self.stopping = False
        self.proc = None
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while not self.stopping:
            with self.lock:
                if self.stopping:
                    return
                self.proc = subprocess.Popen([os.path.join(self.prefix, "current", "triforce"), *self.args],
                                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=self.env)
            for line in self.proc.stdout:
                self.lines.append(line)
            code = self.proc.wait()
            self.exits.append(code)
            if code == 0 or self.stopping:
                return
            time.sleep(0.5)  # systemd's RestartSec: not a wait for a condition

    def stop(self):
        with self.lock:
            self.stopping = True
            proc = self.proc
        if proc and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.thread.join(35)

    def count(self, text):
        return sum(1 for line in list(self.lines) if text in line)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def cluster(tmp_path):
    work = str(tmp_path)
    v1, v2, bad = make_releases(work)
    www = os.path.join(work, "www")
    os.makedirs(www)
    for path in (v2, bad):
        shutil.copy(path, www)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), lambda *a: QuietHandler(*a, directory=www))
    threading.Thread(target=server.serve_forever, daemon=True).start()

    origin, repo = os.path.join(work, "config.git"), os.path.join(work, "config")
    git_env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
               "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    run("git", "init", "-q", "--bare", "-b", "main", origin)
    run("git", "init", "-q", "-b", "main", repo)
    run("git", "remote", "add", "origin", "file://" + origin, cwd=repo)

    def publish(version, binary):
        manifest = {"version": version, "artifacts": {MACHINE: {
            "sha256": sha256(binary), "size": os.path.getsize(binary),
            "url": f"http://127.0.0.1:{server.server_address[1]}/{os.path.basename(binary)}"}}}
        with open(os.path.join(repo, "release.json"), "w") as f:
            json.dump(manifest, f)
        run("git", "add", "-A", cwd=repo, env=git_env)
        run("git", "commit", "-q", "-m", "release " + version, cwd=repo, env=git_env)
        run("git", "push", "-q", "origin", "main", cwd=repo, env=git_env)

    publish("0.1.0-dev", v1)
    sups = []
    try:
        nodes = []
        for index in range(3):
            data, prefix = os.path.join(work, f"node{index}"), os.path.join(work, f"opt{index}")
            os.makedirs(data)
            run(triforce_binary(), "init", "--data-dir", data)
            run(v1, "release", "install", v1, "--sha256", sha256(v1), "--prefix", prefix)
            node = {"data": data, "prefix": prefix, "port": free_port(), "mesh_port": free_port()}
            node["env"] = {**{k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")},
                           "OLLAMA_BASE_URL": "http://127.0.0.1:1", "TRIFORCE_PREFIX": prefix,
                           "TRIFORCE_SYNC_GIT_URL": "file://" + origin, "TRIFORCE_SYNC_GIT_INTERVAL": "5",
                           "TRIFORCE_RELEASE_HEALTH_GATE": "3", "TRIFORCE_RELEASE_GATE_TIMEOUT": "60",
                           "TRIFORCE_RELEASE_CHECK": "1"}
            nodes.append(node)
        hub = nodes[0]
        run(triforce_binary(), "ca", "init", "--data-dir", hub["data"])

        def start(node, name):
            args = ["serve", "--port", str(node["port"]), "--mesh-port", str(node["mesh_port"]), "--data-dir", node["data"]]
            node["sup"] = Supervisor(name, node["prefix"], args, node["env"])
            sups.append(node["sup"])
            node["url"] = f"http://127.0.0.1:{node['port']}"
            assert wait_until(lambda: node["sup"].count("mesh listening") > 0 and healthy(node), 60), \
                f"{name} did not start:\n" + "".join(node["sup"].lines[-40:])

        start(hub, "hub")
        for index, node in enumerate(nodes[1:], 1):
            token = run(triforce_binary(), "ca", "token", "create", "--data-dir", hub["data"]).splitlines()[-1]
            run(triforce_binary(), "join", f"wss://127.0.0.1:{hub['mesh_port']}", "--token", token, "--data-dir", node["data"])
            start(node, f"node{index}")
        def usable_key(node):
            # Every node's `init` made its own admin@localhost; replication keeps one of them
            # (last writer wins on the email), so a key made for a losing one stops working
            # (401): make keys until one belongs to the surviving admin.
            try:
                get(node, "/v1/admin/mesh")
                node["id"] = get(node, "/health")["node_id"]
                return True
            except urllib.error.HTTPError as error:
                if error.code != 401:
                    raise
            node["key"] = run(triforce_binary(), "key", "create", "admin@localhost", "--name", "pytest",
                              "--data-dir", node["data"]).splitlines()[-1]
            return False

        for node in nodes:
            assert wait_until(lambda: usable_key(node), 120, step=1), "no working admin key"
        def all_alive(node):
            try:
                return len([m for m in get(node, "/v1/admin/mesh")["members"] if m["state"] == "alive"]) == 3
            except urllib.error.HTTPError as error:
                if error.code == 401:
                    usable_key(node)
                    return False
                raise

        assert wait_until(lambda: all([all_alive(n) for n in nodes]), 120, step=1), "the three nodes never saw each other alive"
        # Keys survive now that every node holds the others' replicas: check once more.
        assert all(usable_key(n) for n in nodes)
        yield nodes, publish, (v1, v2, bad)
    finally:
        for sup in sups:
            sup.stop()
        server.shutdown()


def get(node, path):
    request = urllib.request.Request(node["url"] + path, headers={"Authorization": "Bearer " + node.get("key", "")})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def healthy(node):
    try:
        urllib.request.urlopen(node["url"] + "/healthz", timeout=5).read()
        return True
    except Exception:
        return False


def release(node):
    """This node's release report, or None while it does not answer (restarting)."""
    try:
        return get(node, "/v1/admin/sync/config")["release"]
    except Exception:
        return None


def steps(nodes):
    """Each node's rollout log lines, for a failure message."""
    return "\n".join(f"--- {n['id']}\n" + "".join(l for l in list(n["sup"].lines) if "rollout:" in l or "listening" in l)[-4000:]
                     for n in nodes)


class Watcher:
    """Samples every node: who is down or in a restart/health gate, and when each first runs `version`."""

    def __init__(self, nodes, version):
        self.nodes, self.version = nodes, version
        self.max_moving = 0
        self.moving_samples = []
        self.reached = []
        self.stop_flag = False
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while not self.stop_flag:
            moving = []
            for node in self.nodes:
                report = release(node)
                phase = ((report or {}).get("service") or {}).get("announced") or {}
                if report is None or phase.get("phase") in ("restarting", "gate"):
                    moving.append(node["id"])
                if report and report["running"] == self.version and node["id"] not in self.reached:
                    self.reached.append(node["id"])
            if moving:
                self.moving_samples.append(moving)
            self.max_moving = max(self.max_moving, len(moving))
            time.sleep(0.1)

    def stop(self):
        self.stop_flag = True
        self.thread.join(10)


def test_rolling_update_one_at_a_time_then_a_bad_release_rolls_back_and_halts(cluster):
    nodes, publish, (v1, v2, bad) = cluster
    by_id = sorted(nodes, key=lambda n: n["id"])
    assert all(release(n)["running"] == "0.1.0-dev" for n in nodes)

    watcher = Watcher(nodes, "0.1.0-dv2")
    publish("0.1.0-dv2", v2)
    try:
        done = wait_until(lambda: all((release(n) or {}).get("running") == "0.1.0-dv2"
                                      and os.readlink(os.path.join(n["prefix"], "current")).endswith("/0.1.0-dv2")
                                      for n in nodes), 480, step=0.5)
    finally:
        watcher.stop()
    assert done, "the update did not reach every node:\n" + steps(nodes)
    assert watcher.reached == [n["id"] for n in by_id], "nodes did not update in id order"
    assert watcher.max_moving == 1, f"two nodes restarted or gated at once: {watcher.moving_samples}"
    for node in nodes:
        # Exec keeps the process: no node exited, each exec'd once, and the old release is `previous`.
        assert node["sup"].exits == [], node["sup"].lines[-20:]
        assert node["sup"].count("rollout: exec") == 1
        assert os.readlink(os.path.join(node["prefix"], "previous")).endswith("/0.1.0-dev")
        assert not os.path.exists(os.path.join(node["data"], "rollout-trial.json"))
    # The later nodes took the binary from a member over the mesh, the first from the URL.
    assert by_id[0]["sup"].count("downloaded release 0.1.0-dv2 from its URL") == 1
    assert all(n["sup"].count("fetched release 0.1.0-dv2 from member") == 1 for n in by_id[1:])

    # A release that exits at once: the first node tries it, the supervisor starts `current`
    # (0.1.0-dv2) again, which finds the unconfirmed trial and announces deploy/failed.
    execs = {n["id"]: n["sup"].count("rollout: exec") for n in nodes}
    publish("0.1.0-bad", bad)

    def halted_everywhere():
        reports = [release(n) for n in nodes]
        return all(r and r["target"] == "0.1.0-bad" and (r.get("failed") or {}).get("version") == "0.1.0-bad"
                   and r["service"]["decision"].startswith("halted:") for r in reports)

    assert wait_until(halted_everywhere, 240, step=0.5), "deploy/failed did not reach every node:\n" + steps(nodes)
    first, others = by_id[0], by_id[1:]
    failed = release(others[0])["failed"]
    assert failed["node"] == first["id"] and "exited before passing its health gate" in failed["reason"]
    assert first["sup"].exits == [1], first["sup"].lines[-20:]
    assert os.readlink(os.path.join(first["prefix"], "current")).endswith("/0.1.0-dv2")
    assert release(first)["running"] == "0.1.0-dv2"
    assert release(first)["rollout"]["step"] == "halted"
    for node in others:
        assert node["sup"].exits == [] and node["sup"].count("rollout: exec") == execs[node["id"]], "another node moved"
        assert release(node)["running"] == "0.1.0-dv2"
        assert not os.path.exists(os.path.join(node["prefix"], "releases", "0.1.0-bad"))
    # Each step is in the audit log of the node that took it.
    with sqlite3.connect(f"file:{os.path.join(first['data'], 'triforce.db')}?mode=ro", uri=True, timeout=10) as db:
        steps = [tuple(row) for row in db.execute(
            "SELECT action, target FROM audit_log WHERE actor = 'rollout' ORDER BY id")]
    assert steps[:2] == [("rollout.restart", "0.1.0-dv2"), ("rollout.confirm", "0.1.0-dv2")], steps
    assert ("rollout.restart", "0.1.0-bad") in steps and ("rollout.failed", "0.1.0-bad") in steps, steps
    # The halt is kept in the data dir, so a restart keeps halting.
    with open(os.path.join(others[1]["data"], "rollout-failed.json")) as f:
        assert json.load(f)["version"] == "0.1.0-bad"
