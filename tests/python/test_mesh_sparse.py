"""Above the full-mesh limit, with real processes on loopback: a hub and four members, with the
limit set to 2 members and 1 chosen link per node (`mesh_full_mesh_limit`, `mesh_sparse_links`;
the defaults are 32 and 8), so five processes run the mode a 33+ member mesh uses. Each node
keeps its hub and one chosen member linked; a client tool on a member another node is not
linked to is still listed there and called through a link dialed for the call, links dialed
that way close once idle, nobody is buried for it, a member restarted on another mesh port is
reached at its new address by members that heard of it only second-hand, and a kill -9 is still
seen everywhere."""
import asyncio
import os
import re
import urllib.error

import pytest

from test_mesh_federation import answer, cli, get_json, listed, mcp_post, mesh_port, register, wait_until

pytest.importorskip("websockets")

SPARSE = {"OLLAMA_BASE_URL": "http://127.0.0.1:1", "TRIFORCE_MESH_FULL_MESH_LIMIT": "2",
          "TRIFORCE_MESH_SPARSE_LINKS": "1", "TRIFORCE_MESH_LINK_IDLE_SECONDS": "2"}


def view(node):
    return {m["id"]: m for m in get_json(node.base_url + "/v1/admin/mesh", node.key)["members"]}


def unlinked_pair(members):
    """(a, b): members both alive in a's view where a holds no link to b, or None."""
    for a in members:
        seen = view(a)
        for b in members:
            if b is not a and seen.get(b.node_id, {}).get("state") == "alive" and not seen[b.node_id]["linked"]:
                return a, b
    return None


def test_sparse_mesh_calls_an_unlinked_member_and_sees_a_death(start_node, tmp_path):
    hub_dir = str(tmp_path / "hub")
    os.makedirs(hub_dir)
    cli(hub_dir, "init")
    cli(hub_dir, "ca", "init")
    # One admin key, made on the hub; it replicates to the members (which run no `init`).
    hub = start_node(data_dir=hub_dir, args=["--mesh-port", "0"], env=SPARSE)
    hub.mesh_port = mesh_port(hub)
    token = cli(hub_dir, "ca", "token", "create", "--uses", "4").splitlines()[-1]
    members = []
    for index in range(4):
        data = str(tmp_path / f"m{index}")
        os.makedirs(data)
        cli(data, "join", f"wss://127.0.0.1:{hub.mesh_port}", "--token", token)
        members.append(start_node(data_dir=data, args=["--mesh-port", "0"], env=SPARSE))
    nodes = [hub] + members
    key = cli(hub_dir, "key", "create", "admin@localhost", "--name", "pytest").splitlines()[-1]

    def accepted(node):
        try:
            node.node_id = get_json(node.base_url + "/v1/admin/mesh", key)["self"]
            return True
        except urllib.error.HTTPError:
            return False

    for node in nodes:
        node.key = key
        assert wait_until(lambda: accepted(node), timeout=60, step=0.3), "the admin key never replicated"
    ids = {node.node_id for node in nodes}

    def converged():
        for node in nodes:
            seen = view(node)
            if set(seen) != ids or any(m["state"] != "alive" for m in seen.values()):
                return False
        return True

    assert wait_until(converged, timeout=90, step=0.3), "the mesh did not converge"
    # Four members choosing one link each cannot link all six member pairs: some stay unlinked
    # (the catalog fetches' links, dialed on demand, close after 2 s idle).
    # Log marks are taken before each look, so a link that comes up after the look is after them.
    found = {}

    def pick():
        marks = {node: len(node.stderr_lines) for node in members}
        pair = unlinked_pair(members)
        if pair is not None:
            found.update(pair=pair, marks=marks)
        return pair is not None

    assert wait_until(pick, timeout=60, step=0.3), "every member stayed linked"
    a, b = found["pair"]
    mark, b_mark = found["marks"][a], found["marks"][b]
    seen = []

    async def run():
        ws = await register(b, ["sparse_tool"], session="sparse-client")
        responder = asyncio.create_task(answer(ws, seen))
        appeared = await asyncio.to_thread(wait_until, lambda: "sparse-client.sparse_tool" in listed(a, a.key), 60, 0.2)
        assert appeared, "the unlinked member's client tool never appeared:\n" + "".join(
            l for l in a.stderr_lines + ["----\n"] + b.stderr_lines if "member alive" not in l and "migration" not in l)[-12000:]
        body = await asyncio.to_thread(mcp_post, a, {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                                                     "params": {"name": "sparse-client.sparse_tool", "arguments": {"n": 7}}},
                                       a.key)
        responder.cancel()
        await ws.close()
        return body

    body = asyncio.run(run())
    assert body.get("result", {}).get("content", [{}])[0].get("text") == 'echo:{"n": 7}', body
    assert seen and seen[0]["arguments"] == {"n": 7}
    # The pair, unlinked before, got a link for this: dialed on demand by a's call or catalog
    # fetch, or by b (its replication rounds call members too; a dial already in flight is not
    # logged again), and a's call rode it.
    def linked_up(node, peer, since):
        return any("mesh: link up" in line and f"peer={peer.node_id}" in line for line in node.stderr_lines[since:])
    assert linked_up(a, b, mark) or linked_up(b, a, b_mark), "the unlinked pair never got a link for the call"
    # Links dialed for calls close once idle, on purpose: nobody was buried for it.
    assert wait_until(lambda: any("closing an unused link" in line for node in nodes for line in node.stderr_lines), timeout=30)
    deaths = [line for node in nodes for line in node.stderr_lines if re.search(r"mesh: member dead", line)]
    assert not deaths, deaths

    victim = members[-1] if members[-1] not in (a, b) else members[0] if members[0] not in (a, b) else members[1]
    victim = restarted_on_another_port(victim, nodes, members, start_node)
    survivors = [node for node in nodes if node is not victim]
    victim.proc.kill()
    victim.proc.wait()
    assert wait_until(lambda: all(view(node)[victim.node_id]["state"] == "dead" for node in survivors), timeout=60, step=0.3), \
        {node.node_id: view(node)[victim.node_id]["state"] for node in survivors}


def restarted_on_another_port(mover, nodes, members, start_node):
    """Stops `mover` (a graceful leave) and starts it again on a new ephemeral mesh port: every
    view ends at the new address, and a member holding no link to it calls a client tool
    registered there. With five processes the restarted member's own catalog fetches link it to
    everyone, so most learn the address first-hand; the second-hand path (a candidate proven by
    a dial) is what `SparseMeshTests` checks with 40 simulated members. Returns the restarted
    node, in place of `mover` in `nodes` and `members`."""
    old_port = mesh_port(mover)
    mover.stop()
    again = start_node(data_dir=mover.data_dir, args=["--mesh-port", "0"], env=SPARSE)
    again.key, again.node_id = mover.key, mover.node_id
    new_port = mesh_port(again)
    assert new_port != old_port
    nodes[nodes.index(mover)] = again
    members[members.index(mover)] = again
    others = [node for node in nodes if node is not again]

    def moved(node):
        seen = view(node).get(again.node_id, {})
        return seen.get("state") == "alive" and seen.get("address", "").endswith(f":{new_port}")

    seen = []

    async def run():
        ws = await register(again, ["moved_tool"], session="moved-client")
        responder = asyncio.create_task(answer(ws, seen))
        everywhere = await asyncio.to_thread(
            wait_until, lambda: all("moved-client.moved_tool" in listed(node, node.key) for node in others), 90, 0.3)
        assert everywhere, {node.node_id: view(node).get(again.node_id) for node in others}
        # Every view shows the proven new address (the catalog fetches dialed it). Up to 90 s:
        # once, in a CI run on a loaded machine, one of four views still had the old port at 30 s.
        assert await asyncio.to_thread(wait_until, lambda: all(moved(node) for node in others), 90, 0.3), \
            {node.node_id: view(node).get(again.node_id, {}).get("address") for node in others}
        # A member with no link to it (the fetch links close after 2 s idle) calls its tool.
        def unlinked():
            return next((node for node in others if node in members and not view(node)[again.node_id]["linked"]), None)
        assert await asyncio.to_thread(wait_until, lambda: unlinked() is not None, 30, 0.3), "every member stayed linked to it"
        caller = unlinked()
        try:
            body = await asyncio.to_thread(mcp_post, caller, {"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                                                              "params": {"name": "moved-client.moved_tool", "arguments": {"n": 9}}},
                                           caller.key)
        except OSError as error:   # a timeout: say what both ends logged (once seen in CI, not reproduced alone)
            raise AssertionError(f"the call through an on-demand link failed: {error}\n" + "".join(
                line for line in caller.stderr_lines[-200:] + ["----\n"] + again.stderr_lines[-200:]
                if "member alive" not in line)[-12000:]) from error
        responder.cancel()
        await ws.close()
        return body

    body = asyncio.run(run())
    assert body.get("result", {}).get("content", [{}])[0].get("text") == 'echo:{"n": 9}', body
    assert seen and seen[-1]["arguments"] == {"n": 9}
    return again
