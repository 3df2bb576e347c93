"""Tools across nodes, with real processes on loopback: a hub and a member that joined it
with a token. A Python `websockets` client registers `custom_tool` on the hub; the official
`mcp` client on the member lists and calls it. Also: session closed (tools vanish from the
other node within a second), owner killed mid-call (an error within the deadline, the tool
ran once), the owner's own tier policy applied to a forwarded call."""
import asyncio
import json
import os
import re
import signal
import subprocess
import time
import urllib.request

import pytest
import websockets

mcp = pytest.importorskip("mcp")
from mcp import Client  # noqa: E402

try:
    from mcp.client.streamable_http import streamable_http_client as http_transport
except ImportError:  # pragma: no cover - older SDKs
    from mcp.client.streamable_http import streamablehttp_client as http_transport

from conftest import triforce_binary


def cli(data, *args):
    out = subprocess.run([triforce_binary(), *args, "--data-dir", data], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def mesh_port(node, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for line in list(node.stderr_lines):
            m = re.search(r"mesh listening .*port=(\d+)", line)
            if m:
                return int(m.group(1))
        time.sleep(0.05)
    raise AssertionError("no mesh listening line:\n" + "".join(node.stderr_lines))


def get_json(url, key):
    request = urllib.request.Request(url, headers={"Authorization": "Bearer " + key})
    with urllib.request.urlopen(request, timeout=20) as response:
        return json.loads(response.read())


def mcp_post(node, body, key):
    request = urllib.request.Request(node.base_url + "/v1/mcp", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": "Bearer " + key})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def listed(node, key):
    names, cursor = [], None
    for _ in range(50):
        params = {"cursor": cursor} if cursor else {}
        body = mcp_post(node, {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": params}, key)
        names += [t["name"] for t in body["result"]["tools"]]
        cursor = body["result"].get("nextCursor")
        if not cursor:
            return names
    raise AssertionError("tools/list never ended")


def wait_until(condition, timeout=20.0, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


@pytest.fixture
def pair(start_node, tmp_path):
    """(hub, member): the member joined the hub; both have an admin key; `ops` keys whose
    tier includes mesh on the member but not on the hub."""
    return make_pair(start_node, tmp_path)


def make_pair(start_node, tmp_path, hub_env=None, agents=None):
    """`agents`: {"hub"|"member": [(name, argv), ...]} added before the nodes start."""
    hub_dir, member_dir = str(tmp_path / "hub"), str(tmp_path / "member")
    os.makedirs(hub_dir)
    os.makedirs(member_dir)
    for data in (hub_dir, member_dir):
        cli(data, "init")
    cli(hub_dir, "ca", "init")
    # Tiers and users replicate (issue 13): define them alike on both nodes, add the user once.
    for data in (hub_dir, member_dir):
        cli(data, "tier", "set", "ops", "--rph", "none", "--features", "chat,mesh", "--models-rule", '{"all":true}')
    for role, data in (("hub", hub_dir), ("member", member_dir)):
        for name, argv in (agents or {}).get(role, []):
            out = subprocess.run([triforce_binary(), "agent", "add", name, "--data-dir", data, "--", *argv],
                                 capture_output=True, text=True, timeout=120)
            assert out.returncode == 0, out.stderr
    no_upstreams = {"OLLAMA_BASE_URL": "http://127.0.0.1:1"}
    hub = start_node(data_dir=hub_dir, args=["--mesh-port", "0"], env={**no_upstreams, **(hub_env or {})})
    hub.mesh_port = mesh_port(hub)
    token = cli(hub_dir, "ca", "token", "create").splitlines()[-1]
    cli(member_dir, "join", f"wss://127.0.0.1:{hub.mesh_port}", "--token", token)
    member = start_node(data_dir=member_dir, args=["--mesh-port", "0"], env=no_upstreams)
    member.mesh_port = mesh_port(member)
    cli(hub_dir, "user", "add", "ops@example.com", "--tier", "ops")
    for node in (hub, member):
        node.key = cli(node.data_dir, "key", "create", "admin@localhost", "--name", "pytest").splitlines()[-1]
        node.node_id = get_json(node.base_url + "/health", node.key)["node_id"]

    def user_replicated():
        out = subprocess.run([triforce_binary(), "key", "create", "ops@example.com", "--name", "ops", "--data-dir", member_dir],
                             capture_output=True, text=True, timeout=120)
        if out.returncode == 0:
            member.ops_key = out.stdout.strip().splitlines()[-1]
        return out.returncode == 0

    hub.ops_key = cli(hub_dir, "key", "create", "ops@example.com", "--name", "ops").splitlines()[-1]

    def linked():
        members = get_json(hub.base_url + "/v1/admin/mesh", hub.key)["members"]
        return any(m["id"] == member.node_id and m["state"] == "alive" and m["linked"] for m in members)

    assert wait_until(linked, timeout=30), "the member never linked:\n" + "".join(member.stderr_lines[-30:])
    assert wait_until(user_replicated, timeout=30), "the hub's user never reached the member"
    return hub, member


async def register(node, tools, session="my-client"):
    ws = await websockets.connect(node.base_url.replace("http://", "ws://") + "/v1/mesh",
                                  additional_headers={"Authorization": "Bearer " + node.key}, open_timeout=20)
    await ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "node/register",
                              "params": {"session_id": session, "hostname": "py", "tools": tools}}))
    reply = json.loads(await asyncio.wait_for(ws.recv(), 20))
    assert reply["result"]["registered"] is True, reply
    return ws


async def answer(ws, seen, hold=None):
    async for frame in ws:
        message = json.loads(frame)
        if message.get("method") == "tools/call":
            seen.append(message["params"])
            if hold is not None:
                hold.set()
                continue  # never answers: the owner is about to die
            text = "echo:" + json.dumps(message["params"]["arguments"], sort_keys=True)
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": message["id"],
                                      "result": {"content": [{"type": "text", "text": text}], "isError": False}}))


def test_client_tool_listed_and_called_from_another_node(pair):
    hub, member = pair
    seen = []

    async def run():
        ws = await register(hub, ["custom_tool"])
        responder = asyncio.create_task(answer(ws, seen))
        appeared = await asyncio.to_thread(wait_until, lambda: "my-client.custom_tool" in listed(member, member.key), 10)
        assert appeared, "the member never listed the hub's client tool:\n" + "".join(
            l for l in hub.stderr_lines + member.stderr_lines if "mesh" in l or "error" in l)[-9000:]
        http = __import__("httpx2").AsyncClient(headers={"Authorization": "Bearer " + member.key}, timeout=60)
        async with Client(http_transport(member.base_url + "/v1/mcp", http_client=http), mode="legacy") as client:
            names = [t.name for t in (await client.list_tools()).tools]
            cursor_names = await asyncio.to_thread(listed, member, member.key)
            assert "my-client.custom_tool" in cursor_names and "status" in cursor_names
            assert not any(n.startswith(hub.node_id + ".") for n in cursor_names), "tools both nodes have are listed once"
            result = await client.call_tool("my-client.custom_tool", {"x": 1})
            assert not result.is_error and result.content[0].text == 'echo:{"x": 1}'
            bare = await client.call_tool("custom_tool", {"y": 2})
            assert not bare.is_error and bare.content[0].text == 'echo:{"y": 2}'
            del names
        await ws.close()
        closed_at = time.monotonic()
        gone = await asyncio.to_thread(wait_until, lambda: "my-client.custom_tool" not in listed(member, member.key), 5, 0.02)
        responder.cancel()
        return gone, time.monotonic() - closed_at

    gone, elapsed = asyncio.run(run())
    assert gone and elapsed < 1.0, f"tools vanished from the other node after {elapsed:.2f} s"
    assert len(seen) == 2
    # The owner audited the forwarded call with the origin node (written behind the reply).
    def audited():
        import sqlite3
        with sqlite3.connect(f"file:{os.path.join(hub.data_dir, 'triforce.db')}?mode=ro", uri=True, timeout=10) as db:
            rows = db.execute("SELECT detail FROM audit_log WHERE target = 'my-client.custom_tool'").fetchall()
        return any(f"origin={member.node_id}" in row[0] for row in rows)
    assert wait_until(audited, timeout=10)


@pytest.mark.skip(reason="tiers replicate since issue 13, so two nodes can no longer hold different definitions "
                         "of one tier; the owner's own check is covered by ToolFederationTests (principal and origin "
                         "travel with the call). Needs a node-local restriction to test end to end.")
def test_owner_tier_policy_applies_to_forwarded_calls(pair):
    hub, member = pair
    seen = []

    async def run():
        ws = await register(hub, ["custom_tool"])
        responder = asyncio.create_task(answer(ws, seen))
        assert await asyncio.to_thread(wait_until, lambda: "my-client.custom_tool" in listed(member, member.ops_key), 10)
        body = await asyncio.to_thread(mcp_post, member, {"jsonrpc": "2.0", "id": 5, "method": "tools/call",
                                                          "params": {"name": "my-client.custom_tool", "arguments": {}}},
                                       member.ops_key)
        allowed = await asyncio.to_thread(mcp_post, member, {"jsonrpc": "2.0", "id": 6, "method": "tools/call",
                                                             "params": {"name": "my-client.custom_tool", "arguments": {}}},
                                          member.key)
        responder.cancel()
        await ws.close()
        return body, allowed

    body, allowed = asyncio.run(run())
    # The member's policy lets `ops` call mesh tools; the hub's does not, and the hub decides.
    assert body["result"]["isError"] is True
    assert "ops tier does not include mesh" in body["result"]["content"][0]["text"]
    assert allowed["result"]["isError"] is False
    assert len(seen) == 1  # only the admin's call reached the client


def test_owner_killed_mid_call_errors_within_deadline_and_never_reruns(pair):
    hub, member = pair
    seen = []

    async def run():
        ws = await register(hub, ["slow_tool"])
        hold = asyncio.Event()
        responder = asyncio.create_task(answer(ws, seen, hold))
        assert await asyncio.to_thread(wait_until, lambda: "my-client.slow_tool" in listed(member, member.key), 10)
        started = time.monotonic()
        call = asyncio.create_task(asyncio.to_thread(mcp_post, member, {
            "jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": "my-client.slow_tool", "arguments": {}}},
            member.key))
        await asyncio.wait_for(hold.wait(), 30)  # the call reached the client through the hub
        hub.proc.send_signal(signal.SIGKILL)
        body = await asyncio.wait_for(call, 60)
        elapsed = time.monotonic() - started
        responder.cancel()
        return body, elapsed

    body, elapsed = asyncio.run(run())
    assert body["result"]["isError"] is True, body
    assert "closed before it answered" in body["result"]["content"][0]["text"] or "link" in body["result"]["content"][0]["text"]
    assert elapsed < 30
    assert len(seen) == 1, "the call ran twice"
    assert member.proc.poll() is None
    # The dead owner's tools leave the member's list.
    assert wait_until(lambda: "my-client.slow_tool" not in listed(member, member.key), 20)
