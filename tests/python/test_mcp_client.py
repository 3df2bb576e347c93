"""The official Python `mcp` client against a real triforce node (the built binary).

Covers the client's legacy handshake mode and its default auto mode (server/discover probe),
paging through tools/list, tool calls and their errors, progress, and plain curl-style POSTs.
Starts its own node (the binary conftest.triforce_binary finds) rather than the shared fixture.
"""
import asyncio
import json
import os
import re
import subprocess
import tempfile
import threading
import urllib.request

import pytest

mcp = pytest.importorskip("mcp")
from mcp import Client  # noqa: E402
from mcp.shared.exceptions import MCPError  # noqa: E402

try:  # the transport was renamed; accept either spelling
    from mcp.client.streamable_http import streamable_http_client as http_transport
except ImportError:  # pragma: no cover - older SDKs
    from mcp.client.streamable_http import streamablehttp_client as http_transport

from conftest import triforce_binary  # noqa: E402




@pytest.fixture(scope="module")
def node():
    data = tempfile.TemporaryDirectory(prefix="triforce-mcp-")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    # An admin and an API key for it, made with the CLI as an operator would.
    subprocess.run([triforce_binary(), "init", "--data-dir", data.name], check=True, capture_output=True, env=env)
    key = subprocess.run([triforce_binary(), "key", "create", "admin@localhost", "--name", "pytest", "--data-dir", data.name],
                         check=True, capture_output=True, text=True, env=env).stdout.strip().splitlines()[-1]
    assert key.startswith("tf_")
    proc = subprocess.Popen([triforce_binary(), "serve", "--port", "0", "--data-dir", data.name],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, cwd=data.name)
    port = []
    ready = threading.Event()

    def pump():
        for line in proc.stderr:
            m = re.search(r"listening .*port=(\d+)", line)
            if m and not port:
                port.append(int(m.group(1)))
                ready.set()
        ready.set()

    threading.Thread(target=pump, daemon=True).start()
    assert ready.wait(60) and port, "node did not start"
    yield {"url": f"http://127.0.0.1:{port[0]}/v1/mcp", "data": data.name, "key": key}
    proc.terminate()
    proc.wait(15)
    data.cleanup()


def authed(node):
    """The SDK transport carrying the admin's API key."""
    import httpx2
    client = httpx2.AsyncClient(headers={"Authorization": "Bearer " + node["key"]}, timeout=30)
    return http_transport(node["url"], http_client=client)


def post(url, body, headers=None):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


async def exercise(node, mode):
    async with Client(authed(node), mode=mode) as client:
        names, cursor, pages = [], None, 0
        while True:
            page = await client.list_tools(cursor=cursor)
            names += [tool.name for tool in page.tools]
            pages += 1
            for tool in page.tools:
                assert tool.input_schema["type"] == "object"
                assert tool.annotations is not None
            cursor = page.next_cursor
            if not cursor:
                break
        assert len(names) == len(set(names))
        for expected in ("memory_store", "memory_search", "code_read", "file_write", "shell", "status", "crawl"):
            assert expected in names
        assert pages >= 2  # more tools than one page

        stored = await client.call_tool("memory_store", {"content": f"python {mode} client remembers", "tags": ["py"]})
        assert not stored.is_error
        found = await client.call_tool("memory_search", {"query": "remembers"})
        assert not found.is_error and "remembers" in found.content[0].text
        assert found.structured_content["count"] >= 1

        written = await client.call_tool("file_write", {"path": f"{mode}/hello.txt", "content": "hi"})
        assert not written.is_error
        read = await client.call_tool("file_read", {"path": f"{mode}/hello.txt"})
        assert read.content[0].text == "hi"

        bad = await client.call_tool("memory_store", {"content": 5})
        assert bad.is_error and "must be string" in bad.content[0].text
        escape = await client.call_tool("file_read", {"path": "../../etc/passwd"})
        assert escape.is_error

        with pytest.raises(MCPError):
            await client.call_tool("no_such_tool", {})

        status = await client.call_tool("status", {})
        assert status.structured_content["status"] == "ok"
        return client.protocol_version


def test_legacy_handshake_mode(node):
    version = asyncio.run(exercise(node, "legacy"))
    assert version == "2025-11-25"


def test_auto_mode_probes_discover(node):
    version = asyncio.run(exercise(node, "auto"))
    assert version == "2026-07-28"


def test_progress_and_shell_over_legacy(node):
    async def run():
        async with Client(authed(node), mode="legacy") as client:
            seen = []

            async def on_progress(progress, total, message):
                seen.append(progress)

            result = await client.call_tool("shell", {"argv": ["echo", "from-shell"]}, progress_callback=on_progress)
            assert result.content[0].text.strip() == "from-shell"
            assert seen, "no progress notification arrived"
    asyncio.run(run())


def test_raw_transport_session(node):
    async def run():
        async with authed(node) as streams:
            read, write = streams[0], streams[1]
            from mcp import ClientSession
            async with ClientSession(read, write) as session:
                init = await session.initialize()
                assert init.server_info.name == "triforce"
                tools = await session.list_tools()
                assert tools.tools
    asyncio.run(run())


def test_seed_curl_style_posts(node):
    auth = {"Authorization": "Bearer " + node["key"]}
    status, body = post(node["url"], {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, auth)
    assert status == 200 and body["result"]["tools"]
    status, body = post(node["url"], {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                                      "params": {"name": "status", "arguments": {}}}, auth)
    assert status == 200 and body["result"]["isError"] is False
    status, body = post(node["url"].replace("/v1/mcp", "/mcp"), {"jsonrpc": "2.0", "id": 3, "method": "mesh/stats"}, auth)
    assert status == 200 and body["result"]["nodes"] == 1
    status, body = post(node["url"], {"jsonrpc": "2.0", "id": 4, "method": "ping"}, {"Origin": "https://evil.example", **auth})
    assert status == 403


def test_guest_sees_only_its_tier(node):
    """No credentials: a guest. Its tier (chat only) hides memory, code and shell tools."""
    # Every page: a forbidden tool listed on page two must fail this test too.
    names, cursor = set(), None
    for page in range(20):
        params = {"cursor": cursor} if cursor else {}
        status, body = post(node["url"], {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": params})
        assert status == 200
        names |= {tool["name"] for tool in body["result"]["tools"]}
        cursor = body["result"].get("nextCursor")
        if not cursor:
            break
    assert not cursor, "tools/list never ended"
    assert "status" in names  # the guest does see its own tools
    for forbidden in ("shell", "file_write", "code_edit", "code_patch", "code_read", "code_search", "memory_store", "crawl", "logs"):
        assert forbidden not in names, forbidden
    status, body = post(node["url"], {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                                      "params": {"name": "shell", "arguments": {"argv": ["id"]}}})
    assert status == 200
    assert "error" in body or body["result"]["isError"] is True
