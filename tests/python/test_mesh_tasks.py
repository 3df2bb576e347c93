"""mesh_status, mesh_agents and mesh_task on real processes: a task runs on the node offering
its agent; a task whose runner is killed is retried once on another node after the lease,
and its result says so."""
import json
import signal
import time

import pytest

from test_mesh_federation import make_pair, mcp_post, wait_until


def call_tool(node, name, arguments):
    body = mcp_post(node, {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": arguments}},
                    node.key)
    return body["result"]


def task_status(node, task_id):
    return call_tool(node, "mesh_task", {"id": task_id})["structuredContent"]


@pytest.fixture
def agent_pair(start_node, tmp_path):
    agents = {"hub": [("worker", ["sleep", "{prompt}"])],
              "member": [("worker", ["sleep", "{prompt}"]), ("echoer", ["echo", "{prompt}"])]}
    # The hub retries a lost task 2 s after its runner's link dropped.
    import test_mesh_federation
    original = test_mesh_federation.make_pair
    return original(start_node, tmp_path, hub_env={"TRIFORCE_MESH_TASK_LEASE_SECONDS": "2"}, agents=agents)


def test_status_agents_and_a_task_on_a_named_node(agent_pair):
    hub, member = agent_pair
    status = call_tool(hub, "mesh_status", {})["structuredContent"]
    ids = {m["id"]: m for m in status["members"]}
    assert ids[member.node_id]["state"] == "alive" and ids[member.node_id]["tools"] >= 10
    assert ids[member.node_id]["version"]

    # CLI agents replicate (issue 13): once converged, both nodes offer both.
    def agents_everywhere():
        nodes = {n["node"]: sorted(n["agents"]) for n in call_tool(hub, "mesh_agents", {})["structuredContent"]["nodes"]}
        return nodes.get(hub.node_id) == ["echoer", "worker"] and nodes.get(member.node_id) == ["echoer", "worker"]
    assert wait_until(agents_everywhere, timeout=30)

    submitted = call_tool(hub, "mesh_task", {"agent": "echoer", "prompt": "hello from the hub",
                                             "node": member.node_id})["structuredContent"]
    assert submitted["node"] == member.node_id and submitted["status"] == "running"
    assert wait_until(lambda: task_status(hub, submitted["id"])["status"] == "done", timeout=30)
    done = task_status(hub, submitted["id"])
    assert done["result"]["content"][0]["text"] == "hello from the hub"
    assert done["retried"] is False and done["attempts"] == 1

    missing = call_tool(hub, "mesh_task", {"agent": "nobody", "prompt": "x"})
    assert missing["isError"] is True and "no node offers" in missing["content"][0]["text"]


def test_task_retried_once_elsewhere_when_its_runner_dies(agent_pair):
    hub, member = agent_pair
    submitted = call_tool(hub, "mesh_task", {"agent": "worker", "prompt": "6", "node": member.node_id})["structuredContent"]
    assert submitted["node"] == member.node_id

    def running_on_member():
        """A `sleep` child of the member process exists (read from /proc, no procps needed)."""
        import os
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            parent = int(stat[stat.rindex(")") + 2:].split()[1])
            if parent == member.proc.pid and name == "sleep":
                return True
        return False

    assert wait_until(running_on_member, timeout=30), "the agent never started on the member"
    member.proc.send_signal(signal.SIGKILL)
    member.proc.wait(10)
    killed = time.monotonic()
    assert wait_until(lambda: task_status(hub, submitted["id"])["status"] == "done", timeout=60)
    elapsed = time.monotonic() - killed
    done = task_status(hub, submitted["id"])
    assert done["retried"] is True and done["first_node"] == member.node_id and done["node"] == hub.node_id
    assert done["attempts"] == 2
    assert elapsed >= 2 + 6 - 1  # waited out the 2 s lease, then the 6 s run on the hub
