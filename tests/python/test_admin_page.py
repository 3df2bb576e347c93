"""The admin page in a real browser (headless Chromium) against a real node."""
import json
import shutil
import subprocess
import urllib.request

import pytest

from conftest import triforce_binary

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (scripts/dev.sh test installs it)")


def browse(url):
    """The DOM after the page's scripts ran."""
    out = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                          "--virtual-time-budget=8000", "--dump-dom", url],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def login(base, email, password):
    req = urllib.request.Request(base + "/v1/client/login", method="POST",
                                 data=json.dumps({"email": email, "password": password}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())["token"]


def init_admin(data_dir):
    out = subprocess.run([triforce_binary(), "init", "--data-dir", data_dir], capture_output=True, text=True, check=True)
    password = [l.split()[-1] for l in out.stdout.splitlines() if l.startswith("password:")][0]
    return "admin@localhost", password


def test_admin_dashboard_renders_node_state(start_node, tmp_path):
    email, password = init_admin(str(tmp_path))
    node = start_node(data_dir=str(tmp_path))
    token = login(node.base_url, email, password)
    dom = browse(f"{node.base_url}/admin#token={token}")
    assert 'data-loaded="true"' in dom
    assert 'id="dashboard"' in dom and 'id="dashboard" hidden' not in dom
    health = json.loads(urllib.request.urlopen(node.base_url + "/health").read())
    assert health["node_id"] in dom
    assert "admin@localhost" in dom          # users table
    assert "database" in dom and "writable" in dom  # health checks table
    assert "listening" in dom                # recent logs from the ring
    assert "client.login" in dom             # the audit log shows the login


def test_admin_page_without_token_shows_login_only(start_node):
    node = start_node()
    dom = browse(f"{node.base_url}/admin")
    assert 'id="login"' in dom
    assert 'id="dashboard" hidden' in dom
    assert 'data-loaded="true"' not in dom


def test_admin_api_refuses_non_admins(start_node, tmp_path):
    init_admin(str(tmp_path))
    subprocess.run([triforce_binary(), "user", "add", "bob@example.com", "--tier", "pro", "--password-stdin",
                    "--data-dir", str(tmp_path)], input="correct horse battery staple\n", text=True, check=True,
                   capture_output=True)
    node = start_node(data_dir=str(tmp_path))
    token = login(node.base_url, "bob@example.com", "correct horse battery staple")
    for path in ("/v1/admin/status", "/v1/admin/users", "/v1/admin/logs", "/v1/admin/audit"):
        req = urllib.request.Request(node.base_url + path, headers={"Authorization": "Bearer " + token})
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=10)
        assert err.value.code == 403
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(node.base_url + path, timeout=10)
        assert err.value.code == 401


def test_admin_page_headers_lock_it_down(start_node):
    node = start_node()
    with urllib.request.urlopen(node.base_url + "/admin", timeout=10) as r:
        csp = r.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert r.headers["X-Content-Type-Options"] == "nosniff"
