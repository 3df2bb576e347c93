import Hummingbird
import HTTPTypes
import NIOCore

/// The console's page and style sheet, embedded. The script is its own route
/// (`AdminScript`), so the CSP allows no inline script; it renders data with textContent
/// only, never innerHTML.
enum AdminPage {
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        .xContentTypeOptions: "nosniff",
        .cacheControl: "no-store",
        .referrerPolicy: "no-referrer",
    ]

    static func file(_ text: String, type: String) -> Response {
        var headers = securityHeaders
        headers[.contentType] = type
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>TriForce admin</title>
    <link rel="stylesheet" href="/admin/app.css">
    </head>
    <body>
    <header>
      <h1>TriForce</h1><span id="node"></span>
      <button id="refresh" type="button" hidden>Refresh</button>
      <button id="logout" type="button" hidden>Log out</button>
    </header>
    <p id="error" class="banner" role="alert" hidden></p>
    <p id="notice" class="banner notice" role="status" hidden></p>
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
      <section id="setup-panel" hidden>
        <h2>Create the first admin</h2>
        <p>This one-time link creates the node's first admin account.</p>
        <form id="setup">
          <label>Email <input id="setup-email" type="email" autocomplete="username" required></label>
          <label>Password (8 characters or more) <input id="setup-password" type="password" autocomplete="new-password" minlength="8" required></label>
          <button type="submit">Create admin</button>
        </form>
        <p id="setup-error" class="error" role="alert"></p>
      </section>
      <div id="dashboard" hidden>
        <nav id="tabs" role="tablist" aria-label="Console sections">
          <button type="button" role="tab" data-tab="overview" aria-selected="true">Overview</button>
          <button type="button" role="tab" data-tab="providers" aria-selected="false">Providers</button>
          <button type="button" role="tab" data-tab="routes" aria-selected="false">Routes</button>
          <button type="button" role="tab" data-tab="users" aria-selected="false">Users</button>
          <button type="button" role="tab" data-tab="memory" aria-selected="false">Memory</button>
          <button type="button" role="tab" data-tab="audit" aria-selected="false">Audit</button>
          <button type="button" role="tab" data-tab="logs" aria-selected="false">Logs</button>
          <button type="button" role="tab" data-tab="mesh" aria-selected="false">Mesh</button>
        </nav>

        <section id="tab-overview" class="tab" role="tabpanel">
          <h2>Overview</h2>
          <div class="cards" id="cards"></div>
          <div class="charts">
            <figure><figcaption>Requests per minute (15 min)</figcaption><svg id="chart-requests" viewBox="0 0 300 100" role="img" aria-label="requests per minute"></svg></figure>
            <figure><figcaption>Latency p50 / p99, ms (15 min)</figcaption><svg id="chart-latency" viewBox="0 0 300 100" role="img" aria-label="latency p50 and p99"></svg></figure>
          </div>
          <dl id="status"></dl>
          <h3>Health checks</h3>
          <div class="scroll"><table id="checks"><thead><tr><th>check</th><th>status</th><th>detail</th></tr></thead><tbody></tbody></table></div>
        </section>

        <section id="tab-providers" class="tab" role="tabpanel" hidden>
          <h2>Providers and models</h2>
          <button id="rediscover" type="button">Rediscover models</button>
          <div id="providers"></div>
        </section>

        <section id="tab-routes" class="tab" role="tabpanel" hidden>
          <h2>Task routes</h2>
          <p>Models in order, separated by spaces; the first available one answers.</p>
          <div class="scroll"><table id="routes"><thead><tr><th>task</th><th>models</th><th>source</th><th></th></tr></thead><tbody></tbody></table></div>
        </section>

        <section id="tab-users" class="tab" role="tabpanel" hidden>
          <h2>Users</h2>
          <form id="add-user" class="inline">
            <label>Email <input id="new-email" type="email" required></label>
            <label>Password <input id="new-password" type="password" autocomplete="new-password" aria-describedby="new-password-hint"> <small id="new-password-hint" class="hint">generated when empty</small></label>
            <label>Tier <select id="new-tier"></select></label>
            <label>Role <select id="new-role"><option>user</option><option>admin</option></select></label>
            <button type="submit">Add user</button>
          </form>
          <p id="secret" class="secret" hidden><span id="secret-label"></span> <code id="secret-value"></code> <button id="secret-dismiss" type="button">Done</button></p>
          <div class="scroll"><table id="users"><thead><tr><th>email</th><th>tier</th><th>role</th><th>state</th><th>actions</th></tr></thead><tbody></tbody></table></div>
          <h3>API keys</h3>
          <div class="scroll"><table id="keys"><thead><tr><th>prefix</th><th>user</th><th>name</th><th>created</th><th>state</th><th></th></tr></thead><tbody></tbody></table></div>
          <h3>Tiers</h3>
          <div class="scroll"><table id="tiers"><thead><tr><th>name</th><th>requests/hour</th><th>features</th><th>description</th><th></th></tr></thead><tbody></tbody></table></div>
          <p>Features: <span id="feature-list"></span>. Leave requests/hour empty for no limit.</p>
        </section>

        <section id="tab-memory" class="tab" role="tabpanel" hidden>
          <h2>Memory</h2>
          <form id="memory-search" class="inline">
            <label>Search <input id="memory-query" type="search" aria-describedby="memory-query-hint"> <small id="memory-query-hint" class="hint">words (empty: newest)</small></label>
            <button type="submit">Search</button>
          </form>
          <div class="scroll"><table id="memory"><thead><tr><th>owner</th><th>kind</th><th>note</th><th>created</th><th></th></tr></thead><tbody></tbody></table></div>
          <pre id="memory-view" hidden></pre>
        </section>

        <section id="tab-audit" class="tab" role="tabpanel" hidden>
          <h2>Audit log</h2>
          <form id="audit-filter" class="inline">
            <label>User <input id="audit-user" aria-describedby="audit-user-hint"> <small id="audit-user-hint" class="hint">email</small></label>
            <label>Action <input id="audit-action" aria-describedby="audit-action-hint"> <small id="audit-action-hint" class="hint">admin.* or client.login</small></label>
            <label>Tool <input id="audit-tool" aria-describedby="audit-tool-hint"> <small id="audit-tool-hint" class="hint">memory_store</small></label>
            <label>Outcome <input id="audit-outcome" aria-describedby="audit-outcome-hint"> <small id="audit-outcome-hint" class="hint">ok, failed</small></label>
            <label>Since <input id="audit-since" type="datetime-local"></label>
            <label>Until <input id="audit-until" type="datetime-local"></label>
            <button type="submit">Filter</button>
          </form>
          <div class="scroll"><table id="audit"><thead><tr><th>time</th><th>actor</th><th>action</th><th>target</th><th>outcome</th><th>detail</th></tr></thead><tbody></tbody></table></div>
        </section>

        <section id="tab-logs" class="tab" role="tabpanel" hidden>
          <h2>Live log</h2>
          <label>Level <select id="level"><option>debug</option><option selected>info</option><option>notice</option><option>warning</option><option>error</option></select></label>
          <label><input id="follow" type="checkbox" checked> Follow</label>
          <pre id="logs"></pre>
        </section>

        <section id="tab-mesh" class="tab" role="tabpanel" hidden>
          <h2>Mesh, replication, guardian</h2>
          <div id="panels"></div>
        </section>
      </div>
    </main>
    <script src="/admin/app.js"></script>
    </body>
    </html>
    """#

    static let css = #"""
    * { box-sizing: border-box; }
    body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f5f6f8; }
    header { display: flex; flex-wrap: wrap; gap: .6rem; align-items: center; padding: .6rem 1rem; background: #1d2330; color: #fff; }
    header h1 { font-size: 1.1rem; margin: 0; }
    header #node { font-size: .85rem; opacity: .8; overflow-wrap: anywhere; }
    header #refresh { margin-left: auto; }
    header button { color: #1d2330; }
    main { padding: .8rem; display: grid; gap: .8rem; max-width: 1400px; margin: 0 auto; }
    section { background: #fff; border-radius: 6px; padding: .8rem 1rem; box-shadow: 0 1px 2px rgba(0,0,0,.08); min-width: 0; }
    #dashboard { display: grid; gap: .8rem; min-width: 0; }
    #dashboard[hidden], [hidden] { display: none !important; }
    nav { display: flex; flex-wrap: wrap; gap: .3rem; }
    nav button[aria-selected="true"] { background: #1d2330; color: #fff; }
    h2 { font-size: 1.05rem; margin: 0 0 .6rem; }
    h3 { font-size: .95rem; margin: 1rem 0 .4rem; }
    .scroll { overflow-x: auto; }
    .scroll table { min-width: 560px; }
    th { overflow-wrap: normal; white-space: nowrap; }
    table { border-collapse: collapse; width: 100%; }
    th, td { text-align: left; padding: .25rem .4rem; border-bottom: 1px solid #e4e6ea; vertical-align: top; overflow-wrap: anywhere; }
    td input, td select { max-width: 100%; }
    pre { max-height: 360px; overflow: auto; background: #0f131a; color: #d6dbe4; padding: .5rem; font-size: 12px; white-space: pre-wrap; overflow-wrap: anywhere; }
    dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem .8rem; margin: .6rem 0; }
    dt { color: #5b6375; } dd { margin: 0; overflow-wrap: anywhere; }
    button, input, select, textarea { font: inherit; padding: .3rem .5rem; border: 1px solid #b8bec9; border-radius: 4px; background: #fff; color: inherit; }
    button { cursor: pointer; background: #eef0f4; }
    button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible { outline: 2px solid #2f6fde; outline-offset: 1px; }
    .ok { color: #137333; } .warn { color: #a56300; } .fail, .error { color: #b3261e; }
    form { display: grid; gap: .5rem; max-width: 360px; }
    form.inline { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; max-width: none; margin-bottom: .6rem; }
    form.inline label { display: grid; gap: .15rem; }
    .banner { margin: .6rem .8rem 0; padding: .5rem .8rem; border-radius: 4px; background: #fde7e6; color: #8c1d18; }
    .notice { background: #e6f4ea; color: #0d652d; }
    .secret { background: #fff8e1; padding: .5rem; border-radius: 4px; overflow-wrap: anywhere; }
    .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: .5rem; }
    .card { background: #f5f6f8; border-radius: 4px; padding: .5rem; }
    .card b { display: block; font-size: 1.2rem; }
    .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: .8rem; margin: .8rem 0; }
    figure { margin: 0; } figcaption { font-size: .85rem; color: #5b6375; }
    /* Hints beside the fields, not inside them: text inside a field disappears as soon as one types. */
    .hint { font-size: .85rem; color: #5b6375; }
    svg { width: 100%; height: 120px; background: #fafbfc; border: 1px solid #e4e6ea; }
    svg .bar { fill: #2f6fde; } svg .p50 { stroke: #137333; fill: none; stroke-width: 1.5; } svg .p99 { stroke: #b3261e; fill: none; stroke-width: 1.5; }
    svg circle.p50 { fill: #137333; } svg circle.p99 { fill: #b3261e; }
    svg text { font-size: 8px; fill: #5b6375; }
    .provider { border-top: 1px solid #e4e6ea; padding-top: .5rem; margin-top: .5rem; }
    .route-input { width: 100%; min-width: 12rem; }
    .actions { display: flex; flex-wrap: wrap; gap: .25rem; }
    @media (max-width: 600px) { main { padding: .4rem; } section { padding: .6rem; } th, td { font-size: 13px; } }
    """#
}

extension HTTPField.Name {
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}
