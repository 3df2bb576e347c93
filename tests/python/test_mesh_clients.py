"""Client sessions (`node/register` over WebSocket `/v1/mesh` on the API port), with the
real binary: a Python `websockets` client offers `custom_tool`, the official `mcp` client
lists and calls it, and the client answers the node's `tools/call`. Refusals: no or weak
credentials, floods, oversized definitions."""
import asyncio
import json
import time
import urllib.request

import pytest
import websockets

import test_mesh_federation as federation
from test_mesh_federation import wait_until

mcp = pytest.importorskip("mcp")
from mcp import Client  # noqa: E402

try:
    from mcp.client.streamable_http import streamable_http_client as http_transport
except ImportError:  # pragma: no cover - older SDKs
    from mcp.client.streamable_http import streamablehttp_client as http_transport


def make_key(node, email, tier=None, admin=False):
    if email != "admin@localhost":
        args = ["user", "add", email] + (["--tier", tier] if tier else []) + (["--admin"] if admin else [])
        assert node.cli(*args).returncode == 0
    out = node.cli("key", "create", email, "--name", "pytest")
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


@pytest.fixture
def node(start_node, tmp_path):
    data = str(tmp_path / "data")
    import os
    os.makedirs(data)
    from conftest import triforce_binary
    import subprocess
    subprocess.run([triforce_binary(), "init", "--data-dir", data], check=True, capture_output=True)
    n = start_node(data_dir=data)
    n.key = make_key(n, "admin@localhost")
    return n


def ws_url(node):
    return node.base_url.replace("http://", "ws://") + "/v1/mesh"


def rpc(id, method, params=None):
    message = {"jsonrpc": "2.0", "id": id, "method": method}
    if params is not None:
        message["params"] = params
    return json.dumps(message)


async def recv_json(ws, timeout=20):
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


def mcp_post(node, body, key=None):
    request = urllib.request.Request(node.base_url + "/v1/mcp", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": "Bearer " + (key or node.key)})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def listed(node, key=None):
    return federation.listed(node, key or node.key)


async def answer_calls(ws, seen):
    """The client side of tools/call: echoes its arguments back, upper-cased."""
    async for frame in ws:
        message = json.loads(frame)
        if message.get("method") == "tools/call":
            seen.append(message["params"])
            text = str(message["params"]["arguments"].get("text", "")).upper()
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": message["id"],
                                      "result": {"content": [{"type": "text", "text": text}], "isError": False}}))


def test_register_list_call_and_vanish(node):
    seen = []

    async def run():
        headers = {"Authorization": "Bearer " + node.key}
        async with websockets.connect(ws_url(node), additional_headers=headers, open_timeout=20) as ws:
            await ws.send(rpc(1, "node/register", {
                "session_id": "my-client", "hostname": "my-machine", "tier": "pro",
                "tools": ["custom_tool", {"name": "shout", "description": "Upper-cases text.",
                                          "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}},
                                                          "required": ["text"]}}]}))
            reply = await recv_json(ws)
            assert reply["id"] == 1 and reply["result"]["registered"] is True
            assert reply["result"]["tier"] == "pro"  # the lower of "pro" and the admin's "unlimited"
            responder = asyncio.create_task(answer_calls(ws, seen))
            names = await asyncio.to_thread(listed, node)
            assert "my-client.custom_tool" in names and "my-client.shout" in names
            assert "status" in names  # local tools keep their names

            # The official MCP client calls the client's tool; the answer comes back.
            import httpx2
            client_http = httpx2.AsyncClient(headers={"Authorization": "Bearer " + node.key}, timeout=30)
            async with Client(http_transport(node.base_url + "/v1/mcp", http_client=client_http), mode="legacy") as client:
                result = await client.call_tool("my-client.shout", {"text": "hello mesh"})
                assert not result.is_error and result.content[0].text == "HELLO MESH"
                bare = await client.call_tool("shout", {"text": "bare"})  # no local tool of that name
                assert bare.content[0].text == "BARE"
                bad = await client.call_tool("my-client.shout", {"text": 5})  # schema checked before the client sees it
                assert bad.is_error and "must be string" in bad.content[0].text
            responder.cancel()
        return seen

    asyncio.run(run())
    assert [call["name"] for call in seen] == ["shout", "shout"]
    # Session closed: its tools are gone within a second.
    assert wait_until(lambda: "my-client.shout" not in listed(node), timeout=1.0)


def test_client_gone_mid_call_errors_at_once(node):
    async def run():
        headers = {"Authorization": "Bearer " + node.key}
        ws = await websockets.connect(ws_url(node), additional_headers=headers, open_timeout=20)
        await ws.send(rpc(1, "node/register", {"session_id": "flaky", "tools": ["slow_tool"]}))
        assert (await recv_json(ws))["result"]["registered"] is True
        started = time.monotonic()
        call = asyncio.create_task(asyncio.to_thread(mcp_post, node, {
            "jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "flaky.slow_tool", "arguments": {}}}))
        request = await recv_json(ws)  # the node's tools/call reached the client ...
        assert request["method"] == "tools/call" and request["params"]["name"] == "slow_tool"
        await ws.close()  # ... which leaves without answering
        body = await asyncio.wait_for(call, 20)
        return body, time.monotonic() - started

    body, elapsed = asyncio.run(run())
    assert body["result"]["isError"] is True and "closed before it answered" in body["result"]["content"][0]["text"]
    assert elapsed < 10


def test_refusals_without_mesh_credentials(node):
    pro_key = make_key(node, "pro@example.com", tier="pro")

    async def refused(headers):
        async with websockets.connect(ws_url(node), additional_headers=headers, open_timeout=20) as ws:
            error = await recv_json(ws)
            with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 20)
            return error["error"], closed.value.rcvd.code

    error, code = asyncio.run(refused({}))
    assert error["data"]["status"] == 401 and code == 1008
    error, code = asyncio.run(refused({"Authorization": "Bearer " + pro_key}))
    assert error["data"]["status"] == 403 and "mesh" in error["message"] and code == 1008
    error, code = asyncio.run(refused({"Authorization": "Bearer tf_not_a_real_key"}))
    assert error["data"]["status"] == 401
    # A plain GET gets the HTTP answer.
    request = urllib.request.Request(node.base_url + "/v1/mesh", headers={"Authorization": "Bearer " + node.key})
    with pytest.raises(urllib.error.HTTPError) as http_error:
        urllib.request.urlopen(request, timeout=20)
    assert http_error.value.code == 426


def test_floods_and_oversized_definitions_refused(node):
    async def run():
        headers = {"Authorization": "Bearer " + node.key}
        sockets, replies = [], []
        for i in range(9):  # the limit is 8 sessions per principal
            ws = await websockets.connect(ws_url(node), additional_headers=headers, open_timeout=20)
            sockets.append(ws)
            await ws.send(rpc(i, "node/register", {"session_id": f"s{i}", "tools": ["t"]}))
            replies.append(await recv_json(ws))
        ws = sockets[0]
        too_many_tools = [f"tool_{i}" for i in range(65)]
        await ws.send(rpc("many", "node/register", {"session_id": "s0", "tools": too_many_tools}))
        many = await recv_json(ws)
        await ws.send(rpc("big", "node/register", {"session_id": "s0", "tools": [{"name": "big", "description": "x" * 5000}]}))
        big = await recv_json(ws)
        deep = {"type": "object"}
        cursor = deep
        for _ in range(12):  # 25 levels: under the parser's 64, over the schema limit of 16
            cursor["properties"] = {"a": {"type": "object"}}
            cursor = cursor["properties"]["a"]
        await ws.send(rpc("deep", "node/register", {"session_id": "s0", "tools": [{"name": "deep", "inputSchema": deep}]}))
        deep_reply = await recv_json(ws)
        await ws.send(rpc("name", "node/register", {"session_id": "s0", "tools": ["bad name!"]}))
        bad_name = await recv_json(ws)
        await ws.send(rpc("schema", "node/register", {"session_id": "s0", "tools": [{"name": "x", "inputSchema": {"type": "string"}}]}))
        bad_schema = await recv_json(ws)
        other = await websockets.connect(ws_url(node), additional_headers=headers, open_timeout=20)
        await other.send(rpc("dup", "node/register", {"session_id": "s1", "tools": []}))
        duplicate = await recv_json(other)
        await other.close()
        for s in sockets:
            await s.close()
        return replies, many, big, deep_reply, bad_name, bad_schema, duplicate

    replies, many, big, deep, bad_name, bad_schema, duplicate = asyncio.run(run())
    assert all(r["result"]["registered"] for r in replies[:8])
    assert replies[8]["error"]["code"] == -32005 and "limit is 8" in replies[8]["error"]["message"]
    assert many["error"]["code"] == -32005 and "at most 64" in many["error"]["message"]
    assert big["error"]["code"] == -32602 and "description" in big["error"]["message"]
    assert deep["error"]["code"] == -32602 and "deeper" in deep["error"]["message"]
    assert bad_name["error"]["code"] == -32602 and "invalid tool name" in bad_name["error"]["message"]
    assert bad_schema["error"]["code"] == -32602 and "inputSchema.type" in bad_schema["error"]["message"]
    assert duplicate["error"]["code"] == -32602 and "already registered" in duplicate["error"]["message"]
    # The refused definitions were never stored; the node still serves.
    assert wait_until(lambda: not any(n.startswith("s0.") for n in listed(node)), timeout=2)
    assert node.proc.poll() is None


def test_ca_certified_client_registers_on_the_mesh_port(start_node, tmp_path):
    """The mesh port takes sessions from clients holding a mesh-CA certificate."""
    import os
    import re
    import ssl
    import subprocess
    from conftest import triforce_binary
    data = str(tmp_path / "data")
    os.makedirs(data)
    for args in (["init"], ["ca", "init"], ["ca", "issue", "py-client", "--out", str(tmp_path / "client")]):
        out = subprocess.run([triforce_binary(), *args, "--data-dir", data], capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
    n = start_node(data_dir=data, args=["--mesh-port", "0"])
    n.key = make_key(n, "admin@localhost")
    port = None
    assert wait_until(lambda: any(re.search(r"mesh listening .*port=(\d+)", l) for l in n.stderr_lines), timeout=30)
    for line in n.stderr_lines:
        m = re.search(r"mesh listening .*port=(\d+)", line)
        if m:
            port = int(m.group(1))
    ctx = ssl.create_default_context(cafile=str(tmp_path / "client" / "ca.crt"))
    ctx.load_cert_chain(str(tmp_path / "client" / "py-client.crt"), str(tmp_path / "client" / "py-client.key"))
    seen = []

    async def run():
        async with websockets.connect(f"wss://127.0.0.1:{port}/", ssl=ctx, open_timeout=20) as ws:
            await ws.send(rpc(1, "node/register", {"session_id": "certified", "tools": ["custom_tool"], "tier": "pro"}))
            reply = await recv_json(ws)
            assert reply["result"]["registered"] is True and reply["result"]["tier"] == "pro"
            await ws.send(rpc(2, "ping"))  # the mesh session's own methods still answer
            assert (await recv_json(ws))["result"]["pong"] is True
            responder = asyncio.create_task(answer_calls(ws, seen))
            assert "certified.custom_tool" in await asyncio.to_thread(listed, n)
            body = await asyncio.to_thread(mcp_post, n, {"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                                                         "params": {"name": "certified.custom_tool", "arguments": {"text": "tls"}}})
            responder.cancel()
            return body

    body = asyncio.run(run())
    assert body["result"]["content"][0]["text"] == "TLS" and len(seen) == 1
    assert wait_until(lambda: "certified.custom_tool" not in listed(n), timeout=1.0)
