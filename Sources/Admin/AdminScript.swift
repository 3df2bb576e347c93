/// The console's script, served as `/admin/app.js` (the CSP allows no inline script). Plain
/// ES2020, no build step. Rules it keeps: the bearer token lives in a variable only (no
/// storage, no cookie, so no CSRF); every value from the API is rendered with textContent
/// or as an SVG number attribute, never innerHTML; every failed call shows an error banner.
/// Over 300 lines: one script file is the price of no build step (no bundler to join modules).
enum AdminScript {
    static let source = #"""
    "use strict";
    const $ = (id) => document.getElementById(id);
    let token = null;
    let currentTab = "overview";
    let lastLog = 0;
    let tiers = [];

    // A token (#token=...) or setup link (#setup=...) arrives in the URL fragment, which never
    // reaches the server; it is taken into memory and the fragment cleared.
    const fragment = new URLSearchParams(location.hash.slice(1));
    const setupToken = fragment.get("setup");
    if (fragment.get("token")) { token = fragment.get("token"); }
    if (location.hash) { history.replaceState(null, "", location.pathname); }

    class APIError extends Error {
      constructor(message, status) { super(message); this.status = status; }
    }

    async function api(path, options = {}) {
      const init = { method: options.method || "GET", headers: {} };
      if (token) { init.headers.Authorization = "Bearer " + token; }
      if (options.body !== undefined) { init.headers["Content-Type"] = "application/json"; init.body = JSON.stringify(options.body); }
      let response;
      try { response = await fetch(path, init); } catch (error) { throw new APIError("cannot reach the node: " + error.message, 0); }
      const body = await response.json().catch(() => null);
      if (!response.ok) {
        const message = body && body.error && body.error.message ? body.error.message : response.status + " " + response.statusText;
        throw new APIError(message, response.status);
      }
      if (body === null) { throw new APIError("the node answered " + path + " with something that is not JSON", response.status); }
      return body;
    }

    function showError(error) {
      $("error").textContent = error instanceof Error ? error.message : String(error);
      $("error").hidden = false;
      if (error && error.status === 401) { showLogin(); }
    }
    function notice(text) { $("notice").textContent = text; $("notice").hidden = false; $("error").hidden = true; }
    function clearBanners() { $("error").hidden = true; $("notice").hidden = true; }

    // Runs an action; any failure lands in the banner, never a blank page.
    async function run(action) {
      try { await action(); } catch (error) { showError(error); }
    }

    function el(tag, text, className) {
      const node = document.createElement(tag);
      if (text !== undefined && text !== null) { node.textContent = String(text); }
      if (className) { node.className = className; }
      return node;
    }
    function button(label, onClick, testID) {
      const b = el("button", label);
      b.type = "button";
      if (testID) { b.dataset.testid = testID; }
      b.addEventListener("click", () => run(onClick));
      return b;
    }
    function row(table, cells) {
      const tr = document.createElement("tr");
      for (const cell of cells) {
        const td = document.createElement("td");
        if (cell instanceof Node) { td.appendChild(cell); }
        else if (cell && typeof cell === "object" && cell.text !== undefined) { td.textContent = String(cell.text); td.className = cell.className || ""; }
        else { td.textContent = cell === undefined || cell === null ? "" : String(cell); }
        tr.appendChild(td);
      }
      $(table).querySelector("tbody").appendChild(tr);
      return tr;
    }
    function clear(table) { $(table).querySelector("tbody").replaceChildren(); }
    function time(ms) { return ms ? new Date(ms).toISOString().replace("T", " ").slice(0, 19) : ""; }
    function bytes(n) { return n === undefined || n === null ? "unknown" : (n / 1048576).toFixed(1) + " MiB"; }
    function duration(seconds) {
      const s = Math.floor(seconds || 0);
      return Math.floor(s / 86400) + "d " + Math.floor(s % 86400 / 3600) + "h " + Math.floor(s % 3600 / 60) + "m " + s % 60 + "s";
    }
    function fixed(value, digits) { return value === null || value === undefined ? "–" : Number(value).toFixed(digits); }

    function showLogin() {
      token = null;
      $("login-panel").hidden = false; $("dashboard").hidden = true;
      $("logout").hidden = true; $("refresh").hidden = true;
    }
    function showDashboard() {
      $("login-panel").hidden = true; $("setup-panel").hidden = true; $("dashboard").hidden = false;
      $("logout").hidden = false; $("refresh").hidden = false;
    }

    // ---- charts: inline SVG built from numbers only ----
    const SVG = "http://www.w3.org/2000/svg";
    function svgNode(tag, attributes) {
      const node = document.createElementNS(SVG, tag);
      for (const [key, value] of Object.entries(attributes)) { node.setAttribute(key, String(value)); }
      return node;
    }
    function barChart(svg, values) {
      svg.replaceChildren();
      const max = Math.max(1, ...values);
      const width = 300 / values.length;
      values.forEach((value, i) => {
        const height = value / max * 88;
        svg.appendChild(svgNode("rect", { class: "bar", x: i * width + 1, y: 96 - height, width: Math.max(1, width - 2), height: height }));
      });
      const label = svgNode("text", { x: 2, y: 9 }); label.textContent = "max " + max; svg.appendChild(label);
    }
    function lineChart(svg, series) {
      svg.replaceChildren();
      const all = series.flatMap((s) => s.values.filter((v) => v !== null));
      const max = Math.max(1, ...all);
      for (const s of series) {
        const points = [];
        s.values.forEach((value, i) => {
          if (value === null) { return; }
          const x = (i * 300 / Math.max(1, s.values.length - 1)).toFixed(1);
          const y = (96 - value / max * 88).toFixed(1);
          points.push(x + "," + y);
          svg.appendChild(svgNode("circle", { class: s.className, cx: x, cy: y, r: 2 }));  // a lone minute still shows
        });
        if (points.length > 1) { svg.appendChild(svgNode("polyline", { class: s.className, points: points.join(" ") })); }
      }
      const label = svgNode("text", { x: 2, y: 9 }); label.textContent = "max " + max.toFixed(1) + " ms (green p50, red p99)"; svg.appendChild(label);
    }

    // ---- tabs ----
    const loaders = {
      overview: loadOverview, providers: loadProviders, routes: loadRoutes, users: loadUsers,
      memory: loadMemory, audit: loadAudit, logs: loadLogs, mesh: loadPanels,
    };
    function selectTab(name) {
      currentTab = name;
      for (const tab of document.querySelectorAll("[role=tab]")) {
        const selected = tab.dataset.tab === name;
        tab.setAttribute("aria-selected", String(selected));
        tab.tabIndex = selected ? 0 : -1;
      }
      for (const panel of document.querySelectorAll(".tab")) { panel.hidden = panel.id !== "tab-" + name; }
      return run(loaders[name]);
    }
    for (const tab of document.querySelectorAll("[role=tab]")) {
      tab.addEventListener("click", () => selectTab(tab.dataset.tab));
      tab.addEventListener("keydown", (event) => {
        const tabs = [...document.querySelectorAll("[role=tab]")];
        const index = tabs.indexOf(tab);
        let next = null;
        if (event.key === "ArrowRight") { next = tabs[(index + 1) % tabs.length]; }
        if (event.key === "ArrowLeft") { next = tabs[(index + tabs.length - 1) % tabs.length]; }
        if (next) { event.preventDefault(); next.focus(); selectTab(next.dataset.tab); }
      });
    }

    async function loadOverview() {
      const o = await api("/v1/admin/overview");
      const s = o.status || {};
      $("node").textContent = (s.node_id || "") + " · v" + (s.version || "?");
      const cards = [
        ["status", s.status], ["requests/s (15 min)", fixed(o.requests_per_second, 3)],
        ["p50 latency", fixed(o.p50_ms, 1) + " ms"], ["p99 latency", fixed(o.p99_ms, 1) + " ms"],
        ["tokens today", (o.tokens_today.prompt_tokens + o.tokens_today.completion_tokens) + " (" + o.tokens_today.requests + " requests)"],
        ["rate-limited (15 min)", o.rate_limited], ["memory (RSS)", bytes(s.rss_bytes)], ["uptime", duration(s.uptime_seconds)],
      ];
      $("cards").replaceChildren(...cards.map(([label, value]) => {
        const card = el("div", null, "card"); card.append(el("span", label), el("b", value)); return card;
      }));
      barChart($("chart-requests"), o.minutes.map((m) => m.requests));
      lineChart($("chart-latency"), [
        { className: "p50", values: o.minutes.map((m) => m.p50_ms === undefined ? null : m.p50_ms) },
        { className: "p99", values: o.minutes.map((m) => m.p99_ms === undefined ? null : m.p99_ms) },
      ]);
      const dl = $("status"); dl.replaceChildren();
      for (const key of ["node_id", "version", "data_dir"]) {
        if (s[key] === undefined) { continue; }
        dl.append(el("dt", key), el("dd", s[key]));
      }
      clear("checks");
      for (const [name, check] of Object.entries(s.checks || {})) {
        row("checks", [name, { text: check.status, className: check.status }, check.detail]);
      }
    }

    async function loadProviders() {
      const data = await api("/v1/admin/providers");
      const root = $("providers"); root.replaceChildren();
      if (data.providers.length === 0) { root.appendChild(el("p", "No providers configured: set a provider API key or run `triforce provider add`.")); }
      for (const p of data.providers) {
        const box = el("div", null, "provider");
        const title = el("h3", p.name + " — " + p.source + (p.local ? ", local" : ""));
        box.appendChild(title);
        if (p.misconfigured) { box.appendChild(el("p", "misconfigured: " + p.misconfigured, "fail")); }
        const weight = el("p");
        weight.append(el("span", "weight "));
        if (p.source === "table") {
          const input = el("input"); input.type = "number"; input.min = "0.01"; input.max = "1000"; input.step = "any";
          input.value = String(p.weight); input.setAttribute("aria-label", "weight of " + p.name);
          weight.append(input, button("Save weight", async () => {
            await api("/v1/admin/providers/" + encodeURIComponent(p.name) + "/weight", { method: "PUT", body: { weight: Number(input.value) } });
            notice("weight of " + p.name + " saved"); await loadProviders();
          }));
        } else { weight.append(el("span", String(p.weight) + " (from the environment)")); }
        box.appendChild(weight);
        const table = el("table");
        const head = el("thead"); const hr = el("tr");
        for (const h of ["model", "status", "circuit", "EWMA ms", "failures", "last error", ""]) { hr.appendChild(el("th", h)); }
        head.appendChild(hr); table.appendChild(head);
        const body = el("tbody"); table.appendChild(body);
        for (const m of p.models) {
          const tr = el("tr");
          const toggle = button(m.enabled ? "Disable" : "Enable", async () => {
            await api("/v1/admin/models/state", { method: "PUT", body: { id: m.id, enabled: !m.enabled } });
            notice(m.id + (m.enabled ? " disabled" : " enabled")); await loadProviders();
          }, "toggle-model");
          for (const cell of [m.id, m.status, m.circuit, fixed(m.ewma_ms, 1), m.consecutive_failures, m.last_error || "", toggle]) {
            const td = el("td"); if (cell instanceof Node) { td.appendChild(cell); } else { td.textContent = String(cell); } tr.appendChild(td);
          }
          body.appendChild(tr);
        }
        const scroll = el("div", null, "scroll"); scroll.appendChild(table); box.appendChild(scroll);
        root.appendChild(box);
      }
    }
    $("rediscover").addEventListener("click", () => run(async () => {
      await api("/v1/admin/discovery", { method: "POST" });
      notice("rediscovery started; the list refreshes when you reopen this tab");
    }));

    async function loadRoutes() {
      const data = await api("/v1/admin/routes");
      clear("routes");
      for (const r of data.routes) {
        const input = el("input", null, "route-input"); input.value = r.models.join(" ");
        input.setAttribute("aria-label", "models for " + r.task); input.dataset.task = r.task;
        const source = r.stored ? "set" : "default";
        const actions = el("div", null, "actions");
        actions.append(button("Save", async () => {
          const models = input.value.split(/\s+/).filter((m) => m.length > 0);
          const saved = await api("/v1/admin/routes/" + encodeURIComponent(r.task), { method: "PUT", body: { models } });
          notice("route " + r.task + " saved" + (saved.unknown_models.length ? "; not in the registry yet: " + saved.unknown_models.join(" ") : ""));
          await loadRoutes();
        }, "save-route"), button("Reset", async () => {
          await api("/v1/admin/routes/" + encodeURIComponent(r.task), { method: "DELETE" });
          notice("route " + r.task + " back to the default"); await loadRoutes();
        }, "reset-route"));
        const tr = row("routes", [r.task, input, source, actions]);
        tr.dataset.task = r.task;
      }
    }

    function showSecret(label, value) {
      $("secret-label").textContent = label; $("secret-value").textContent = value; $("secret").hidden = false;
    }
    $("secret-dismiss").addEventListener("click", () => { $("secret-value").textContent = ""; $("secret").hidden = true; });

    async function loadUsers() {
      const [users, keys, tierList] = await Promise.all([api("/v1/admin/users"), api("/v1/admin/keys"), api("/v1/admin/tiers")]);
      tiers = tierList.tiers.map((t) => t.name);
      const newTier = $("new-tier"); const chosen = newTier.value || "guest";
      newTier.replaceChildren(...tiers.map((t) => { const o = el("option", t); o.value = t; return o; }));
      newTier.value = tiers.includes(chosen) ? chosen : tiers[0];
      clear("users");
      for (const u of users.users) {
        const tier = el("select"); tier.setAttribute("aria-label", "tier of " + u.email); tier.dataset.testid = "user-tier";
        for (const t of tiers) { const o = el("option", t); o.value = t; tier.appendChild(o); }
        tier.value = u.tier;
        tier.addEventListener("change", () => run(async () => {
          await api("/v1/admin/users/" + encodeURIComponent(u.id), { method: "PATCH", body: { tier: tier.value } });
          notice(u.email + " is now on tier " + tier.value); await loadUsers();
        }));
        const actions = el("div", null, "actions");
        actions.append(
          button(u.disabled ? "Enable" : "Disable", async () => {
            await api("/v1/admin/users/" + encodeURIComponent(u.id), { method: "PATCH", body: { disabled: !u.disabled } });
            notice(u.email + (u.disabled ? " enabled" : " disabled")); await loadUsers();
          }, "toggle-user"),
          button("Reset password", async () => {
            const result = await api("/v1/admin/users/" + encodeURIComponent(u.id) + "/password", { method: "POST", body: {} });
            showSecret("New password for " + u.email + " (shown once):", result.password);
          }, "reset-password"),
          button("Create key", async () => {
            const result = await api("/v1/admin/keys", { method: "POST", body: { user_id: u.id, name: "console" } });
            await loadUsers();
            showSecret("API key for " + u.email + " (shown once, copy it now):", result.secret);
          }, "create-key"),
          button("Delete", async () => {
            if (!confirm("Delete " + u.email + " and their API keys?")) { return; }
            await api("/v1/admin/users/" + encodeURIComponent(u.id), { method: "DELETE" });
            notice(u.email + " deleted"); await loadUsers();
          }, "delete-user"));
        const tr = row("users", [u.email, tier, u.role, u.disabled ? { text: "disabled", className: "fail" } : "active", actions]);
        tr.dataset.email = u.email;
      }
      clear("keys");
      for (const k of keys.keys) {
        const revoke = k.revoked ? "" : button("Revoke", async () => {
          await api("/v1/admin/keys/" + encodeURIComponent(k.id), { method: "DELETE" });
          notice("key " + k.prefix + "… revoked"); await loadUsers();
        }, "revoke-key");
        const tr = row("keys", [k.prefix + "…", k.email, k.name, time(k.created_at * 1000), k.revoked ? { text: "revoked", className: "fail" } : "active", revoke]);
        tr.dataset.key = k.id;
      }
      clear("tiers");
      $("feature-list").textContent = tierList.features.join(", ");
      for (const t of tierList.tiers) {
        const limit = el("input"); limit.type = "number"; limit.min = "0"; limit.value = t.requests_per_hour === null ? "" : String(t.requests_per_hour);
        limit.setAttribute("aria-label", "requests per hour for " + t.name);
        const features = el("input", null, "route-input"); features.value = t.features.join(" ");
        features.setAttribute("aria-label", "features of " + t.name);
        const description = el("input"); description.value = t.description; description.setAttribute("aria-label", "description of " + t.name);
        const save = button("Save", async () => {
          const body = { description: description.value, requests_per_hour: limit.value === "" ? null : Number(limit.value),
                         features: features.value.split(/\s+/).filter((f) => f.length > 0), models_rule: t.models_rule };
          await api("/v1/admin/tiers/" + encodeURIComponent(t.name), { method: "PUT", body });
          notice("tier " + t.name + " saved"); await loadUsers();
        }, "save-tier");
        row("tiers", [t.name, limit, features, description, save]).dataset.tier = t.name;
      }
    }
    $("add-user").addEventListener("submit", (event) => {
      event.preventDefault();
      run(async () => {
        const body = { email: $("new-email").value, tier: $("new-tier").value, role: $("new-role").value };
        if ($("new-password").value) { body.password = $("new-password").value; }
        const created = await api("/v1/admin/users", { method: "POST", body });
        $("new-email").value = ""; $("new-password").value = "";
        await loadUsers();
        if (created.password) { showSecret("Password for " + created.user.email + " (shown once):", created.password); }
        else { notice(created.user.email + " added"); }
      });
    });

    async function loadMemory() {
      const q = $("memory-query").value.trim();
      const data = await api("/v1/admin/memory?limit=100" + (q ? "&q=" + encodeURIComponent(q) : ""));
      clear("memory"); $("memory-view").hidden = true;
      if (data.notes.length === 0) { row("memory", ["", "", q ? "no note matches" : "no notes", "", ""]); }
      for (const n of data.notes) {
        const actions = el("div", null, "actions");
        actions.append(button("View", async () => {
          const note = await api("/v1/admin/memory/" + encodeURIComponent(n.id));
          $("memory-view").textContent = JSON.stringify(note, null, 2); $("memory-view").hidden = false;
        }, "view-note"), button("Delete", async () => {
          await api("/v1/admin/memory/" + encodeURIComponent(n.id), { method: "DELETE" });
          notice("note deleted"); await loadMemory();
        }, "delete-note"));
        row("memory", [n.owner, n.kind, n.snippet || n.content, time(n.created_at), actions]).dataset.note = n.id;
      }
    }
    $("memory-search").addEventListener("submit", (event) => { event.preventDefault(); run(loadMemory); });

    async function loadAudit() {
      const params = new URLSearchParams({ limit: "200" });
      for (const [name, id] of [["user", "audit-user"], ["action", "audit-action"], ["tool", "audit-tool"], ["outcome", "audit-outcome"]]) {
        if ($(id).value.trim()) { params.set(name, $(id).value.trim()); }
      }
      for (const [name, id] of [["since", "audit-since"], ["until", "audit-until"]]) {
        if ($(id).value) { params.set(name, String(new Date($(id).value).getTime())); }
      }
      const data = await api("/v1/admin/audit?" + params.toString());
      clear("audit");
      for (const a of data.entries) {
        row("audit", [time(a.at), a.actor, a.action, a.target, { text: a.outcome, className: a.outcome === "ok" ? "ok" : (a.outcome.startsWith("fail") ? "fail" : "") }, a.detail]);
      }
    }
    $("audit-filter").addEventListener("submit", (event) => { event.preventDefault(); run(loadAudit); });

    async function loadLogs(append) {
      const level = encodeURIComponent($("level").value);
      const after = append ? "&after=" + lastLog : "";
      const data = await api("/v1/admin/logs?limit=500&level=" + level + after);
      const text = data.lines.map((l) => new Date(l.timestamp * 1000).toISOString() + " " + l.level + " " + l.label + ": " + l.message).join("\n");
      const pre = $("logs");
      if (!append) { pre.textContent = text; } else if (text) { pre.textContent += (pre.textContent ? "\n" : "") + text; }
      if (data.lines.length) { lastLog = data.lines[data.lines.length - 1].timestamp; }
      if ($("follow").checked) { pre.scrollTop = pre.scrollHeight; }
    }
    $("level").addEventListener("change", () => run(() => loadLogs(false)));

    async function loadPanels() {
      const data = await api("/v1/admin/panels");
      const root = $("panels"); root.replaceChildren();
      for (const name of ["mesh", "replication", "guardian"]) {
        const panel = data[name] || { configured: false };
        const box = el("div", null, "provider"); box.dataset.panel = name;
        box.appendChild(el("h3", name));
        if (!panel.configured) { box.appendChild(el("p", "not configured")); }
        else if (panel.error) { box.appendChild(el("p", "error: " + panel.error, "fail")); }
        else { box.appendChild(el("pre", JSON.stringify(panel.data, null, 2))); }
        root.appendChild(box);
      }
    }

    async function start() {
      await loadOverview();
      showDashboard();
      await selectTab(currentTab);
      $("dashboard").dataset.loaded = "true";
    }

    $("login").addEventListener("submit", (event) => {
      event.preventDefault();
      $("login-error").textContent = "";
      run(async () => {
        try {
          const body = await api("/v1/client/login", { method: "POST", body: { email: $("email").value, password: $("password").value } });
          token = body.token;
          $("password").value = "";
        } catch (error) { $("login-error").textContent = error.message; return; }
        clearBanners();
        await start();
      });
    });
    $("setup").addEventListener("submit", (event) => {
      event.preventDefault();
      $("setup-error").textContent = "";
      run(async () => {
        try {
          const body = await api("/v1/setup", { method: "POST", body: { token: setupToken, email: $("setup-email").value, password: $("setup-password").value } });
          token = body.token;
        } catch (error) { $("setup-error").textContent = error.message; return; }
        notice("admin " + $("setup-email").value + " created; you are logged in");
        await start();
      });
    });
    $("logout").addEventListener("click", () => run(async () => {
      await api("/v1/client/logout", { method: "POST" }).catch(() => null);
      showLogin(); clearBanners(); $("dashboard").dataset.loaded = "false";
    }));
    $("refresh").addEventListener("click", () => { clearBanners(); run(() => loaders[currentTab]()); });

    // The live parts: overview every 10 s, the log tail every 2 s while its tab is open.
    setInterval(() => { if (token && currentTab === "overview" && $("error").hidden) { run(loadOverview); } }, 10000);
    setInterval(() => { if (token && currentTab === "logs" && $("follow").checked && $("error").hidden) { run(() => loadLogs(true)); } }, 2000);

    if (setupToken) {
      $("login-panel").hidden = true; $("setup-panel").hidden = false;
    } else if (token) {
      run(start);
    }
    """#
}
