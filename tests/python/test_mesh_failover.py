"""Failover through peers, with real processes: a member with no providers answers chat
through the hub, whose OpenAI provider is a local mock speaking the chat-completions wire
format. Whole and streamed, on /v1/chat/completions (openai SDK), /v1/messages (anthropic
SDK) and the seed's /v1/chat; the route header names the peer (`via=NODE`)."""
import json
import threading
import time
import urllib.request
from http.server import ThreadingHTTPServer

import anthropic
import openai
import pytest

from test_gateway_clients import REPLY, MockOpenAI
from test_mesh_federation import get_json, make_pair, wait_until


@pytest.fixture
def failover_pair(start_node, tmp_path):
    mock = ThreadingHTTPServer(("127.0.0.1", 0), MockOpenAI)
    threading.Thread(target=mock.serve_forever, daemon=True).start()
    hub_env = {"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": "http://127.0.0.1:%d/v1" % mock.server_address[1]}
    hub, member = make_pair(start_node, tmp_path, hub_env=hub_env)

    def hub_usable():
        members = get_json(member.base_url + "/v1/admin/mesh", member.key)["members"]
        return any(m["id"] == hub.node_id and (m.get("health", {}).get("providers", {}).get("usable") or 0) > 0 for m in members)

    assert wait_until(hub_usable, timeout=30), "the hub never announced usable providers"
    yield hub, member
    mock.shutdown()


def test_member_without_providers_answers_through_the_hub(failover_pair):
    hub, member = failover_pair
    client = openai.OpenAI(base_url=member.base_url + "/v1", api_key=member.key)
    raw = client.chat.completions.with_raw_response.create(model="auto", messages=[{"role": "user", "content": "Say hello"}])
    assert f"via={hub.node_id}" in raw.headers["x-triforce-route"]
    whole = raw.parse()
    assert whole.choices[0].message.content == REPLY and whole.model == "openai/gpt-4o-mini"

    # A model only the hub knows is forwarded too.
    named = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Say hello"}])
    assert named.choices[0].message.content == REPLY

    stream = client.chat.completions.with_raw_response.create(
        model="auto", messages=[{"role": "user", "content": "Say hello"}], stream=True, stream_options={"include_usage": True})
    assert f"via={hub.node_id}" in stream.headers["x-triforce-route"]
    chunks = list(stream.parse())
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == REPLY
    assert chunks[-1].usage.prompt_tokens == 5

    claude = anthropic.Anthropic(base_url=member.base_url, api_key=member.key)
    message = claude.messages.create(model="auto", max_tokens=64, messages=[{"role": "user", "content": "Say hello"}])
    assert message.content[0].text == REPLY
    with claude.messages.stream(model="auto", max_tokens=64, messages=[{"role": "user", "content": "Say hello"}]) as s:
        assert "".join(s.text_stream) == REPLY

    request = urllib.request.Request(member.base_url + "/v1/chat", method="POST",
                                     data=json.dumps({"model": "auto", "messages": [{"role": "user", "content": "Say hello"}]}).encode(),
                                     headers={"Content-Type": "application/json", "Authorization": "Bearer " + member.key})
    with urllib.request.urlopen(request, timeout=60) as response:
        assert f"via={hub.node_id}" in response.headers["X-TriForce-Route"]
        assert REPLY in response.read().decode()

    # The hub answered from its own upstream: it never forwards a forwarded request back.
    assert not any("chat answered through a peer" in line for line in hub.stderr_lines)
    assert any("chat answered through a peer" in line for line in member.stderr_lines)


def test_no_peer_with_providers_falls_back_offline(start_node, tmp_path):
    hub, member = make_pair(start_node, tmp_path)
    client = openai.OpenAI(base_url=member.base_url + "/v1", api_key=member.key)
    raw = client.chat.completions.with_raw_response.create(model="auto", messages=[{"role": "user", "content": "Say hello"}])
    assert "via=" not in raw.headers["x-triforce-route"]
    assert raw.parse().model == "triforce/offline"
