"""/openapi.json kept true: schemathesis (property-based, from the document itself) drives a
live node with an admin token, a bounded number of examples per operation, and fails on any
5xx or any response that does not match the documented schema."""
import json
import os
import subprocess
import sys
import urllib.request

import pytest

from conftest import triforce_binary

pytest.importorskip("schemathesis")
SCHEMATHESIS = os.path.join(os.path.dirname(sys.executable), "schemathesis")


def admin_token(node, data_dir):
    out = subprocess.run([triforce_binary(), "init", "--data-dir", data_dir], capture_output=True, text=True, check=True)
    password = [l.split()[-1] for l in out.stdout.splitlines() if l.startswith("password:")][0]
    request = urllib.request.Request(node.base_url + "/v1/client/login", method="POST",
                                     data=json.dumps({"email": "admin@localhost", "password": password}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as r:
        return json.loads(r.read())["token"]


def test_openapi_document_is_served_and_complete(start_node):
    node = start_node()
    with urllib.request.urlopen(node.base_url + "/openapi.json", timeout=10) as r:
        assert r.headers["Content-Type"].startswith("application/json")
        doc = json.loads(r.read())
    assert doc["openapi"].startswith("3.1")
    paths = doc["paths"]
    for path in ("/v1/models", "/v1/chat/completions", "/v1/chat", "/v1/messages", "/v1/mcp", "/v1/client/login",
                 "/v1/admin/overview", "/v1/admin/users", "/v1/admin/routes/{task}", "/v1/admin/memory", "/v1/admin/audit", "/v1/setup"):
        assert path in paths, path
    # Every operation names its error shape: nothing undocumented can come back.
    for path, item in paths.items():
        for method, operation in item.items():
            assert "default" in operation["responses"] or path.startswith("/admin"), (method, path)


def test_schemathesis_finds_no_server_errors_and_no_schema_violations(start_node, tmp_path):
    node = start_node(data_dir=str(tmp_path))
    token = admin_token(node, str(tmp_path))
    report = tmp_path / "report"
    # Logout would revoke the token the run uses; everything else runs as the admin.
    out = subprocess.run([SCHEMATHESIS, "run", node.base_url + "/openapi.json",
                          "-H", "Authorization: Bearer " + token,
                          "--checks", "not_a_server_error,response_schema_conformance",
                          "--max-examples", "10", "--exclude-operation-id", "logout",
                          "--request-timeout", "60", "--generation-database", "none", "--workers", "1",  # hypothesis lambdas race in threads (CPython 3.11 ast)
                          "--no-color", "--report", "junit", "--report-dir", str(report)],
                         capture_output=True, text=True, timeout=1200, cwd=str(tmp_path))
    summary = out.stdout[-6000:]
    assert out.returncode == 0, summary + out.stderr[-2000:]
    assert "Tested:" in out.stdout
    assert node.proc.poll() is None, "the node died under the run:\n" + "".join(node.stderr_lines[-50:])
