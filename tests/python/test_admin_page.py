"""The admin console in a real browser (headless Chromium driven by selenium through Debian's
chromium-driver) against a real node: first-run setup, login, users, tiers, keys, routes,
memory, keyboard use, both widths, and an error (not a blank page) when the API fails."""
import json
import shutil
import subprocess
import urllib.error
import urllib.request

import pytest

from conftest import triforce_binary

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
selenium = pytest.importorskip("selenium")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

needs_browser = pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None,
                                   reason="chromium and chromium-driver not installed (scripts/dev.sh test installs them)")
WAIT = 60  # seconds: generous for a loaded 2-core machine; every wait is on a condition


def api(base, path, token=None, method="GET", body=None):
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = "Bearer " + token
    request = urllib.request.Request(base + path, method=method, headers=headers,
                                     data=json.dumps(body).encode() if body is not None else None)
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def login(base, email, password):
    status, body = api(base, "/v1/client/login", method="POST", body={"email": email, "password": password})
    assert status == 200, body
    return body["token"]


def init_admin(data_dir):
    out = subprocess.run([triforce_binary(), "init", "--data-dir", data_dir], capture_output=True, text=True, check=True)
    password = [l.split()[-1] for l in out.stdout.splitlines() if l.startswith("password:")][0]
    return "admin@localhost", password


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(WAIT)
    yield driver
    driver.quit()


def wait(driver, condition, message):
    # The console re-renders tables after each change: an element found a moment ago may be
    # replaced, so a stale reference means "look again", like a missing one.
    return WebDriverWait(driver, WAIT, poll_frequency=0.1,
                         ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)).until(condition, message)


def act(driver, find, action, message):
    """Finds an element and acts on it, again if a re-render replaced it in between."""
    def attempt(d):
        action(find(d))
        return True
    wait(driver, attempt, message)


def visible(driver, element_id):
    return driver.find_element(By.ID, element_id).is_displayed()


def notice_contains(driver, text):
    return wait(driver, lambda d: d.find_element(By.ID, "notice").is_displayed() and text in d.find_element(By.ID, "notice").text,
                f"notice with {text!r}")


def open_tab(driver, name):
    driver.find_element(By.CSS_SELECTOR, f"[role=tab][data-tab={name}]").click()
    wait(driver, lambda d: d.find_element(By.ID, "tab-" + name).is_displayed(), f"tab {name}")


def row(driver, table, attribute, value):
    return wait(driver, lambda d: next(iter(d.find_elements(By.CSS_SELECTOR, f"#{table} tr[data-{attribute}='{value}']")), None),
                f"{table} row {value}")


def screenshots(driver, tmp_path, name):
    """The page at phone and desktop widths; at 390 px nothing may overflow sideways."""
    for width in (390, 1280):
        driver.set_window_size(width, 900)
        wait(driver, lambda d: d.execute_script("return window.innerWidth") <= width, "resize")
        overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{name} overflows by {overflow}px at {width}px"
        path = tmp_path / f"{name}-{width}.png"
        assert driver.save_screenshot(str(path)) and path.stat().st_size > 1000
    driver.set_window_size(1280, 900)


@needs_browser
def test_console_first_run_users_keys_routes_memory(start_node, browser, tmp_path):
    node = start_node()
    link = node.setup_link()
    assert link.startswith(node.base_url + "/admin#setup=")

    # First run: the link's form creates the first admin and logs them in.
    browser.get(link)
    wait(browser, lambda d: visible(d, "setup-panel"), "setup form")
    assert "#setup" not in browser.current_url  # the token left the address bar
    browser.find_element(By.ID, "setup-email").send_keys("root@example.com")
    browser.find_element(By.ID, "setup-password").send_keys("root password 1")
    browser.find_element(By.CSS_SELECTOR, "#setup button[type=submit]").click()
    wait(browser, lambda d: d.find_element(By.ID, "dashboard").get_attribute("data-loaded") == "true", "dashboard after setup")
    assert "requests/s" in browser.find_element(By.ID, "cards").text
    assert browser.find_elements(By.CSS_SELECTOR, "#chart-requests rect")  # the inline-SVG chart drew
    screenshots(browser, tmp_path, "overview")
    # The link worked once.
    status, _ = api(node.base_url, "/v1/setup", method="POST", body={"token": link.split("#setup=")[1],
                                                                       "email": "eve@example.com", "password": "eve password 1"})
    assert status == 409

    # Log out, then in through the login form.
    browser.find_element(By.ID, "logout").click()
    wait(browser, lambda d: visible(d, "login-panel"), "login form")
    browser.find_element(By.ID, "email").send_keys("root@example.com")
    browser.find_element(By.ID, "password").send_keys("root password 1")
    browser.find_element(By.ID, "password").send_keys(Keys.ENTER)  # the keyboard submits
    wait(browser, lambda d: d.find_element(By.ID, "dashboard").get_attribute("data-loaded") == "true", "dashboard after login")
    token = login(node.base_url, "root@example.com", "root password 1")

    # Keyboard: arrow keys move between tabs.
    first = browser.find_element(By.CSS_SELECTOR, "[role=tab][data-tab=overview]")
    first.send_keys(Keys.ARROW_RIGHT)
    wait(browser, lambda d: d.find_element(By.ID, "tab-providers").is_displayed(), "arrow key to providers")
    assert browser.switch_to.active_element.get_attribute("data-tab") == "providers"

    # Users: add one, change the tier.
    open_tab(browser, "users")
    browser.find_element(By.ID, "new-email").send_keys("bob@example.com")
    browser.find_element(By.ID, "new-password").send_keys("bob password 1")
    Select(browser.find_element(By.ID, "new-tier")).select_by_value("guest")
    browser.find_element(By.CSS_SELECTOR, "#add-user button[type=submit]").click()
    act(browser, lambda d: row(d, "users", "email", "bob@example.com").find_element(By.CSS_SELECTOR, "[data-testid=user-tier]"),
        lambda e: Select(e).select_by_value("pro"), "change tier")
    notice_contains(browser, "bob@example.com is now on tier pro")
    users = api(node.base_url, "/v1/admin/users", token)[1]["users"]
    assert [u["tier"] for u in users if u["email"] == "bob@example.com"] == ["pro"]
    screenshots(browser, tmp_path, "users")

    # Keys: created (shown once) and working, then revoked and refused.
    act(browser, lambda d: row(d, "users", "email", "bob@example.com").find_element(By.CSS_SELECTOR, "[data-testid=create-key]"),
        lambda e: e.click(), "create key")
    wait(browser, lambda d: d.find_element(By.ID, "secret").is_displayed(), "the new key")
    secret = browser.find_element(By.ID, "secret-value").text
    assert secret.startswith("tf_")
    assert api(node.base_url, "/v1/client/me", secret)[0] == 200
    browser.find_element(By.ID, "secret-dismiss").click()
    key_id = api(node.base_url, "/v1/admin/keys?email=bob@example.com", token)[1]["keys"][0]["id"]
    act(browser, lambda d: row(d, "keys", "key", key_id).find_element(By.CSS_SELECTOR, "[data-testid=revoke-key]"),
        lambda e: e.click(), "revoke key")
    wait(browser, lambda d: "revoked" in d.find_element(By.CSS_SELECTOR, f"#keys tr[data-key='{key_id}']").text, "key revoked")
    assert api(node.base_url, "/v1/client/me", secret)[0] == 401

    # Routes: a bad edit shows the server's reason; a good one is stored.
    open_tab(browser, "routes")
    route = row(browser, "routes", "task", "code")
    field = route.find_element(By.CSS_SELECTOR, "input")
    field.clear()
    field.send_keys("local/a local/a")
    route.find_element(By.CSS_SELECTOR, "[data-testid=save-route]").click()
    wait(browser, lambda d: visible(d, "error") and "twice" in d.find_element(By.ID, "error").text, "validation error")
    route = row(browser, "routes", "task", "code")
    field = route.find_element(By.CSS_SELECTOR, "input")
    field.clear()
    field.send_keys("local/a local/b")
    route.find_element(By.CSS_SELECTOR, "[data-testid=save-route]").click()
    notice_contains(browser, "route code saved")
    routes = {r["task"]: r for r in api(node.base_url, "/v1/admin/routes", token)[1]["routes"]}
    assert routes["code"]["models"] == ["local/a", "local/b"] and routes["code"]["stored"] is True

    # Memory: a note stored over MCP is found, viewed and deleted.
    status, stored = api(node.base_url, "/v1/mcp", token, "POST", {
        "jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "memory_store", "arguments": {"content": "the <b>staging</b> database listens on 5433", "type": "fact"}}})
    assert status == 200 and "error" not in stored, stored
    open_tab(browser, "memory")
    browser.find_element(By.ID, "memory-query").send_keys("staging database")
    browser.find_element(By.ID, "memory-query").send_keys(Keys.ENTER)
    # The search's rows carry the FTS snippet, the matched words in [brackets].
    note = wait(browser, lambda d: next((r for r in d.find_elements(By.CSS_SELECTOR, "#memory tr[data-note]")
                                         if "[staging]" in r.text), None), "search hit")
    note_id = note.get_attribute("data-note")
    assert "<b>" in note.text  # rendered as text, never as markup
    assert not browser.find_elements(By.CSS_SELECTOR, "#memory b")
    act(browser, lambda d: row(d, "memory", "note", note_id).find_element(By.CSS_SELECTOR, "[data-testid=view-note]"),
        lambda e: e.click(), "view note")
    wait(browser, lambda d: "5433" in d.find_element(By.ID, "memory-view").text, "note view")
    act(browser, lambda d: row(d, "memory", "note", note_id).find_element(By.CSS_SELECTOR, "[data-testid=delete-note]"),
        lambda e: e.click(), "delete note")
    notice_contains(browser, "note deleted")
    assert api(node.base_url, "/v1/admin/memory/" + note_id, token)[0] == 404
    screenshots(browser, tmp_path, "memory")

    # Audit: the console's actions are there, filterable.
    open_tab(browser, "audit")
    browser.find_element(By.ID, "audit-action").send_keys("admin.*")
    browser.find_element(By.CSS_SELECTOR, "#audit-filter button[type=submit]").click()
    wait(browser, lambda d: "admin.key.revoke" in d.find_element(By.ID, "audit").text, "audit rows")
    text = browser.find_element(By.ID, "audit").text
    for action in ("admin.user.add", "admin.user.update", "admin.key.create", "admin.route.set", "admin.memory.delete"):
        assert action in text
    assert "client.login" not in text
    # By tool and user: the MCP call above is logged under the user's id, found by their email.
    browser.find_element(By.ID, "audit-action").clear()
    browser.find_element(By.ID, "audit-tool").send_keys("memory_store")
    browser.find_element(By.ID, "audit-user").send_keys("root@example.com")
    browser.find_element(By.CSS_SELECTOR, "#audit-filter button[type=submit]").click()
    wait(browser, lambda d: "mcp.tool" in d.find_element(By.ID, "audit").text, "tool call in the audit log")
    assert "admin.key.revoke" not in browser.find_element(By.ID, "audit").text

    # Logs and panels render.
    open_tab(browser, "logs")
    wait(browser, lambda d: "listening" in d.find_element(By.ID, "logs").text, "log tail")
    open_tab(browser, "mesh")
    wait(browser, lambda d: "not configured" in d.find_element(By.CSS_SELECTOR, "[data-panel=replication]").text, "panels")
    screenshots(browser, tmp_path, "mesh")

    # The API goes away: the console says so instead of going blank.
    open_tab(browser, "overview")
    node.stop()
    browser.find_element(By.ID, "refresh").click()
    wait(browser, lambda d: visible(d, "error") and "cannot reach the node" in d.find_element(By.ID, "error").text, "error banner")
    assert browser.find_element(By.ID, "dashboard").is_displayed()
    screenshots(browser, tmp_path, "api-down")


@needs_browser
def test_console_without_token_shows_login_and_bad_token_an_error(start_node, browser, tmp_path):
    init_admin(str(tmp_path))
    node = start_node(data_dir=str(tmp_path))
    assert not any("#setup=" in line for line in node.stdout_lines)  # an admin exists: no link
    browser.get(node.base_url + "/admin")
    wait(browser, lambda d: visible(d, "login-panel"), "login form")
    assert not visible(browser, "dashboard")
    browser.get("about:blank")  # a new document: a fragment change alone would not reload the page
    browser.get(node.base_url + "/admin#token=not-a-token")
    wait(browser, lambda d: visible(d, "error") and d.find_element(By.ID, "error").text, "error for a bad token")
    assert visible(browser, "login-panel")
    browser.find_element(By.ID, "email").send_keys("admin@localhost")
    browser.find_element(By.ID, "password").send_keys("wrong password")
    browser.find_element(By.CSS_SELECTOR, "#login button[type=submit]").click()
    wait(browser, lambda d: "invalid email or password" in d.find_element(By.ID, "login-error").text, "login error")


def test_admin_api_refuses_non_admins(start_node, tmp_path):
    init_admin(str(tmp_path))
    subprocess.run([triforce_binary(), "user", "add", "bob@example.com", "--tier", "pro", "--password-stdin",
                    "--data-dir", str(tmp_path)], input="correct horse battery staple\n", text=True, check=True,
                   capture_output=True)
    node = start_node(data_dir=str(tmp_path))
    token = login(node.base_url, "bob@example.com", "correct horse battery staple")
    for path in ("/v1/admin/status", "/v1/admin/overview", "/v1/admin/users", "/v1/admin/keys", "/v1/admin/tiers",
                 "/v1/admin/routes", "/v1/admin/providers", "/v1/admin/memory", "/v1/admin/logs", "/v1/admin/audit",
                 "/v1/admin/panels"):
        assert api(node.base_url, path, token)[0] == 403, path
        assert api(node.base_url, path)[0] == 401, path
    assert api(node.base_url, "/v1/admin/users", token, "POST", {"email": "eve@example.com"})[0] == 403


def test_admin_page_headers_lock_it_down(start_node):
    node = start_node()
    for path, kind in (("/admin", "text/html"), ("/admin/app.js", "text/javascript"), ("/admin/app.css", "text/css")):
        with urllib.request.urlopen(node.base_url + path, timeout=10) as r:
            csp = r.headers["Content-Security-Policy"]
            assert "default-src 'none'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
            assert "unsafe-inline" not in csp
            assert r.headers["X-Content-Type-Options"] == "nosniff"
            assert r.headers["Content-Type"].startswith(kind)
            body = r.read().decode()
    page = urllib.request.urlopen(node.base_url + "/admin", timeout=10).read().decode()
    assert "<script>" not in page and 'src="/admin/app.js"' in page  # no inline script
    script = urllib.request.urlopen(node.base_url + "/admin/app.js", timeout=10).read().decode()
    assert "innerHTML" not in script and "localStorage" not in script and "sessionStorage" not in script
    assert body
