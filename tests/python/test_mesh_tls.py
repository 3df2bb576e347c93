"""The mesh listener as a peer sees it: WSS with a client certificate from `triforce ca issue`,
JSON-RPC 2.0 in text frames. Uses the real binary (conftest.start_node)."""
import asyncio
import json
import os
import re
import ssl
import subprocess
import time

import pytest
import websockets

from conftest import triforce_binary


def cli(data_dir, *args):
    return subprocess.run([triforce_binary(), *args, "--data-dir", data_dir],
                          capture_output=True, text=True, timeout=120)


def mesh_port(node, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for line in list(node.stderr_lines):
            m = re.search(r"mesh listening .*port=(\d+)", line)
            if m:
                return int(m.group(1))
        time.sleep(0.1)
    raise AssertionError("no mesh listening line:\n" + "".join(node.stderr_lines))


@pytest.fixture
def mesh_node(start_node, tmp_path):
    data = str(tmp_path / "data")
    os.makedirs(data)
    assert cli(data, "ca", "init").returncode == 0
    issued = cli(data, "ca", "issue", "py-client", "--out", str(tmp_path / "client"))
    assert issued.returncode == 0, issued.stderr
    node = start_node(data_dir=data, args=["--mesh-port", "0"])
    return node, mesh_port(node), tmp_path / "client"


def client_context(client_dir, with_cert=True):
    ctx = ssl.create_default_context(cafile=str(client_dir / "ca.crt"))
    if with_cert:
        ctx.load_cert_chain(str(client_dir / "py-client.crt"), str(client_dir / "py-client.key"))
    return ctx


async def rpc_session(port, ctx):
    async with websockets.connect(f"wss://127.0.0.1:{port}/mesh", ssl=ctx, open_timeout=20) as ws:
        replies = []
        for frame in [json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"}),
                      json.dumps({"jsonrpc": "2.0", "id": 2, "method": "mesh/stats"}),
                      json.dumps({"jsonrpc": "2.0", "id": 3, "method": "no/such"}),
                      "{not json"]:
            await ws.send(frame)
            replies.append(json.loads(await asyncio.wait_for(ws.recv(), 20)))
        return replies


def test_wss_json_rpc_with_client_certificate(mesh_node):
    node, port, client_dir = mesh_node
    ping, stats, unknown, malformed = asyncio.run(rpc_session(port, client_context(client_dir)))
    health = json.loads(__import__("urllib.request").request.urlopen(node.base_url + "/health", timeout=10).read())

    assert ping["id"] == 1 and ping["result"]["pong"] is True
    assert ping["result"]["node_id"] == health["node_id"]
    assert isinstance(ping["result"]["time"], (int, float))

    result = stats["result"]
    assert result["node_id"] == health["node_id"]
    assert result["peers"] == 0 and result["nodes"] == 1 and result["online"] == 1
    assert result["connections"] == 1
    assert result["uptime_seconds"] >= 0
    assert result["caller"]["common_name"] == "py-client" and result["caller"]["role"] == "client"
    assert re.fullmatch(r"[0-9a-f]+", result["caller"]["serial"])

    assert unknown["id"] == 3 and unknown["error"]["code"] == -32601
    assert malformed["id"] is None and malformed["error"]["code"] == -32700
    assert any("mesh connection" in l and "py-client" in l for l in node.stderr_lines)


def test_wss_without_client_certificate_serves_only_join(mesh_node):
    """A joining node has no certificate yet: TLS completes, but only join/request is
    served, and the connection closes after the reply (or after 10 s of nothing)."""
    node, port, client_dir = mesh_node
    # Positive control: with a certificate the same port serves everything.
    assert asyncio.run(rpc_session(port, client_context(client_dir)))[0]["result"]["pong"] is True

    async def probe():
        async with websockets.connect(f"wss://127.0.0.1:{port}/", ssl=client_context(client_dir, with_cert=False),
                                      open_timeout=20) as ws:
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": 9, "method": "ping"}))
            reply = json.loads(await asyncio.wait_for(ws.recv(), 20))
            with pytest.raises(websockets.exceptions.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 20)
            return reply

    reply = asyncio.run(probe())
    assert reply["id"] == 9 and reply["error"]["code"] == -32000
    assert "only join/request" in reply["error"]["message"]

    async def idle():
        async with websockets.connect(f"wss://127.0.0.1:{port}/mesh", ssl=client_context(client_dir, with_cert=False),
                                      open_timeout=20) as ws:
            started = time.monotonic()
            with pytest.raises(websockets.exceptions.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 30)
            return time.monotonic() - started

    assert 8 <= asyncio.run(idle()) <= 25
    assert node.proc.poll() is None


def test_oversized_frame_closes_with_1009_and_root_path_works(mesh_node):
    _, port, client_dir = mesh_node

    async def run():
        async with websockets.connect(f"wss://127.0.0.1:{port}/", ssl=client_context(client_dir), open_timeout=20,
                                      max_size=None) as ws:
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": "p", "method": "ping"}))
            pong = json.loads(await asyncio.wait_for(ws.recv(), 20))
            await ws.send("x" * ((1 << 20) + 1))
            with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 20)
            return pong, closed.value

    pong, closed = asyncio.run(run())
    assert pong["id"] == "p" and pong["result"]["pong"] is True
    assert closed.rcvd is not None and closed.rcvd.code == 1009


def test_wss_after_revoke_is_refused(mesh_node):
    node, port, client_dir = mesh_node
    assert asyncio.run(rpc_session(port, client_context(client_dir)))[0]["result"]["pong"] is True  # accepted before
    assert cli(node.data_dir, "ca", "revoke", "py-client").returncode == 0
    # The server reloads revocations every second; allow a generous margin.
    deadline = time.time() + 15
    refused = False
    while time.time() < deadline and not refused:
        try:
            asyncio.run(rpc_session(port, client_context(client_dir)))
            time.sleep(0.5)
        except (ssl.SSLError, OSError, websockets.exceptions.WebSocketException):
            refused = True
    assert refused
    assert node.proc.poll() is None, "the node died instead of refusing"
