import Hummingbird
import HTTPTypes
import NIOCore

/// The admin page: static HTML, CSS and JS embedded in the binary. The script renders data
/// with textContent only (never innerHTML), and the CSP allows nothing but this origin.
enum AdminPage {
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        .xContentTypeOptions: "nosniff",
        .cacheControl: "no-store",
        .referrerPolicy: "no-referrer",
    ]

    static func response() -> Response {
        file(html, type: "text/html; charset=utf-8")
    }

    static func file(_ text: String, type: String) -> Response {
        var headers = securityHeaders
        headers[.contentType] = type
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static let html = """
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>TriForce admin</title>
    <link rel="stylesheet" href="/admin/app.css">
    </head>
    <body>
    <header><h1>TriForce</h1><span id="node"></span><button id="logout" hidden>Log out</button></header>
    <main>
      <section id="login-panel">
        <h2>Admin login</h2>
        <form id="login">
          <label>Email <input id="email" type="email" autocomplete="username" required></label>
          <label>Password <input id="password" type="password" autocomplete="current-password" required></label>
          <button type="submit">Log in</button>
        </form>
        <p id="login-error" class="error" role="alert"></p>
      </section>
      <div id="dashboard" hidden>
        <section><h2>Node</h2><dl id="status"></dl><h3>Checks</h3><table id="checks"><thead><tr><th>check</th><th>status</th><th>detail</th></tr></thead><tbody></tbody></table></section>
        <section><h2>Models</h2><table id="models"><thead><tr><th>id</th><th>provider</th><th>capabilities</th><th>status</th></tr></thead><tbody></tbody></table></section>
        <section><h2>Users</h2><table id="users"><thead><tr><th>email</th><th>tier</th><th>role</th><th>disabled</th></tr></thead><tbody></tbody></table></section>
        <section><h2>Recent logs</h2>
          <label>Level <select id="level"><option>debug</option><option selected>info</option><option>warning</option><option>error</option></select></label>
          <pre id="logs"></pre></section>
        <section><h2>Audit</h2><table id="audit"><thead><tr><th>time</th><th>actor</th><th>action</th><th>target</th><th>outcome</th></tr></thead><tbody></tbody></table></section>
      </div>
    </main>
    <script src="/admin/app.js"></script>
    </body>
    </html>
    """

    static let css = """
    body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f5f6f8; }
    header { display: flex; gap: 1rem; align-items: center; padding: .6rem 1.2rem; background: #1d2330; color: #fff; }
    header h1 { font-size: 1.1rem; margin: 0; }
    header button { margin-left: auto; }
    main { padding: 1rem 1.2rem; display: grid; gap: 1rem; }
    #dashboard { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); }
    #dashboard[hidden] { display: none; }
    section { background: #fff; border-radius: 6px; padding: .8rem 1rem; box-shadow: 0 1px 2px rgba(0,0,0,.08); overflow: auto; }
    h2 { font-size: 1rem; margin: 0 0 .5rem; }
    table { border-collapse: collapse; width: 100%; }
    th, td { text-align: left; padding: .2rem .4rem; border-bottom: 1px solid #e4e6ea; vertical-align: top; }
    pre { max-height: 320px; overflow: auto; background: #0f131a; color: #d6dbe4; padding: .5rem; font-size: 12px; }
    dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem .8rem; margin: 0; }
    dt { color: #5b6375; }
    .ok { color: #137333; } .warn { color: #a56300; } .fail, .error { color: #b3261e; }
    form { display: grid; gap: .5rem; max-width: 320px; }
    """

    static let javascript = """
    "use strict";
    const $ = (id) => document.getElementById(id);
    // A token can arrive in the URL fragment (#token=...) for scripted use; it never leaves the page.
    const fragment = new URLSearchParams(location.hash.slice(1));
    if (fragment.get("token")) { sessionStorage.setItem("token", fragment.get("token")); history.replaceState(null, "", location.pathname); }

    async function api(path) {
      const response = await fetch(path, { headers: { Authorization: "Bearer " + (sessionStorage.getItem("token") || "") } });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) { throw new Error((body.error && body.error.message) || response.statusText); }
      return body;
    }

    function row(table, cells, classes) {
      const tr = document.createElement("tr");
      cells.forEach((value, i) => {
        const td = document.createElement("td");
        td.textContent = value === undefined || value === null ? "" : String(value);
        if (classes && classes[i]) { td.className = classes[i]; }
        tr.appendChild(td);
      });
      $(table).querySelector("tbody").appendChild(tr);
    }

    function clear(table) { $(table).querySelector("tbody").replaceChildren(); }

    async function refresh() {
      try {
        const status = await api("/v1/admin/status");
        $("login-panel").hidden = true; $("dashboard").hidden = false; $("logout").hidden = false;
        $("node").textContent = status.node_id + " · v" + status.version;
        const dl = $("status"); dl.replaceChildren();
        for (const key of ["node_id", "version", "uptime_seconds", "status", "data_dir"]) {
          if (status[key] === undefined) continue;
          const dt = document.createElement("dt"); dt.textContent = key;
          const dd = document.createElement("dd"); dd.textContent = String(status[key]);
          dl.append(dt, dd);
        }
        clear("checks");
        for (const [name, check] of Object.entries(status.checks || {})) { row("checks", [name, check.status, check.detail], [null, check.status, null]); }
        const models = await api("/v1/models");
        clear("models");
        for (const m of models.data) { row("models", [m.id, m.provider, (m.capabilities || []).join(", "), m.status]); }
        const users = await api("/v1/admin/users");
        clear("users");
        for (const u of users.users) { row("users", [u.email, u.tier, u.role, u.disabled ? "yes" : ""]); }
        const logs = await api("/v1/admin/logs?limit=200&level=" + encodeURIComponent($("level").value));
        $("logs").textContent = logs.lines.map((l) => new Date(l.timestamp * 1000).toISOString() + " " + l.level + " " + l.label + ": " + l.message).join("\\n");
        const audit = await api("/v1/admin/audit?limit=50");
        clear("audit");
        for (const a of audit.entries) { row("audit", [new Date(a.atMilliseconds).toISOString(), a.actor, a.action, a.target, a.outcome]); }
        $("dashboard").dataset.loaded = "true";
      } catch (error) {
        $("login-panel").hidden = false; $("dashboard").hidden = true;
        $("login-error").textContent = sessionStorage.getItem("token") ? String(error.message) : "";
      }
    }

    $("login").addEventListener("submit", async (event) => {
      event.preventDefault();
      $("login-error").textContent = "";
      const response = await fetch("/v1/client/login", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ email: $("email").value, password: $("password").value }) });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) { $("login-error").textContent = (body.error && body.error.message) || "login failed"; return; }
      sessionStorage.setItem("token", body.token);
      refresh();
    });
    $("logout").addEventListener("click", async () => {
      await fetch("/v1/client/logout", { method: "POST", headers: { Authorization: "Bearer " + sessionStorage.getItem("token") } });
      sessionStorage.removeItem("token");
      location.reload();
    });
    $("level").addEventListener("change", refresh);
    refresh();
    setInterval(refresh, 10000);
    """
}

extension HTTPField.Name {
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}
