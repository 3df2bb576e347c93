"""/metrics on a real node after real traffic, read with prometheus_client's own text parser:
the counters moved, and the endpoint refuses callers without the scrape token or admin rights."""
import json
import subprocess

from conftest import triforce_binary
from prometheus_client.parser import text_string_to_metric_families

from nodes_with_mock import USER_EMAIL, USER_PASSWORD, http, login, mock_env, prepare, start_mock, wait_for_mock_model

METRICS_TOKEN = "scrape-token-0123456789abcdef"


def samples(text):
    """{(sample name, frozenset(labels)): value} from the exposition text."""
    result = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            result[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return result


def value(found, name, **labels):
    return found.get((name, frozenset(labels.items())))


def chat(base, token, stream):
    return http("POST", base + "/v1/chat/completions",
                {"model": "gpt-4o-mini", "stream": stream, "messages": [{"role": "user", "content": "Say hello"}]}, token=token)


def make_limited_tier(data_dir):
    """The `limited` tier: chat with any model, 2 requests an hour."""
    subprocess.run([triforce_binary(), "tier", "set", "limited", "--rph", "2", "--features", "chat",
                    "--models-rule", '{"all":true}', "--data-dir", data_dir], check=True, capture_output=True, text=True)


def test_metrics_counters_move_and_access_is_guarded(start_node, tmp_path):
    mock = start_mock()
    try:
        make_limited_tier(str(tmp_path))
        admin_password = prepare(str(tmp_path), tier="limited")
        node = start_node(env=mock_env(mock, TRIFORCE_METRICS_TOKEN=METRICS_TOKEN), data_dir=str(tmp_path))
        base = node.base_url
        wait_for_mock_model(base)
        admin = login(base, "admin@localhost", admin_password)
        user = login(base, USER_EMAIL, USER_PASSWORD)

        # Access: nothing, a wrong token, and a non-admin's login are all refused with JSON errors.
        status, headers, body = http("GET", base + "/metrics")
        assert status == 401 and json.loads(body)["error"]["message"]
        assert http("GET", base + "/metrics", token="wrong-" + METRICS_TOKEN)[0] == 401
        assert http("GET", base + "/metrics", token=user)[0] == 403

        before = samples(http("GET", base + "/metrics", token=METRICS_TOKEN)[2].decode())

        # Traffic: whole and streamed chat, an MCP tool call, a 404, and the user's tier
        # (2 requests an hour) running into its limit.
        assert chat(base, admin, stream=False)[0] == 200
        status, headers, body = chat(base, admin, stream=True)
        assert status == 200 and b"[DONE]" in body
        call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "status", "arguments": {}}}
        status, _, body = http("POST", base + "/v1/mcp", call, token=admin, headers={"Accept": "application/json"})
        assert status == 200 and "result" in json.loads(body), body
        assert http("GET", base + "/no/such/path", token=admin)[0] == 404
        codes = [chat(base, user, stream=False)[0] for _ in range(3)]
        assert codes[-1] == 429, codes

        status, headers, body = http("GET", base + "/metrics", token=METRICS_TOKEN)
        assert status == 200
        assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
        after = samples(body.decode())

        def moved(name, by, **labels):
            old = value(before, name, **labels) or 0
            new = value(after, name, **labels)
            assert new is not None, f"{name}{labels} missing"
            assert new - old >= by, f"{name}{labels}: {old} -> {new}"

        route = "/v1/chat/completions"
        moved("triforce_http_requests_total", 2, route=route, status="200")
        moved("triforce_http_request_duration_seconds_count", 2, route=route, status="200")
        assert value(after, "triforce_http_request_duration_seconds_bucket", route=route, status="200", le="+Inf") >= 2
        moved("triforce_http_requests_total", 1, route="NotFound", status="404")
        moved("triforce_http_requests_total", 1, route=route, status="429")
        moved("triforce_rate_limited_requests_total", 1, route=route)
        model = {"provider": "openai", "model": "openai/gpt-4o-mini"}
        moved("triforce_upstream_requests_total", 3, outcome="ok", **model)
        moved("triforce_upstream_request_duration_seconds_count", 3, **model)
        moved("triforce_tokens_total", 15, direction="in", **model)   # the mock reports 5 in, 4 out per answer
        moved("triforce_tokens_total", 12, direction="out", **model)
        moved("triforce_mcp_tool_calls_total", 1, tool="status", outcome="ok")
        assert value(after, "triforce_open_streams") == 0
        assert value(after, "triforce_circuit_state", upstream="openai/gpt-4o-mini", state="closed") == 1
        assert value(after, "triforce_circuit_state", upstream="openai/gpt-4o-mini", state="open") == 0
        # No mesh on this node: every state reads 0 rather than missing.
        assert value(after, "triforce_mesh_members", state="alive") == 0

        # An admin's own login token reads it too.
        assert http("GET", base + "/metrics", token=admin)[0] == 200
    finally:
        mock.shutdown()


def test_a_short_metrics_token_stops_serve(tmp_path):
    short = "short-token"
    result = subprocess.run([triforce_binary(), "serve", "--port", "0", "--data-dir", str(tmp_path)],
                            env={"PATH": "/usr/bin:/bin", "TRIFORCE_METRICS_TOKEN": short}, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "metrics_token (TRIFORCE_METRICS_TOKEN) must be at least 24 characters" in result.stderr
    assert short not in result.stderr
