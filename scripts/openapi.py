"""Writes Sources/Admin/OpenAPIDocument.swift, the OpenAPI 3.1 document served at /openapi.json.
Edit the description here and rerun `python3 scripts/openapi.py`; tests/python/test_openapi.py
runs schemathesis against a live node to keep it true."""
import os
import json
def ref(n): return {"$ref": "#/components/schemas/" + n}
def obj(props, required=None, extra=True):
    o = {"type": "object", "properties": props}
    if required is not None: o["required"] = required
    else: o["required"] = list(props.keys())
    return o
S = {"type": "string"}; I = {"type": "integer"}; N = {"type": "number"}; B = {"type": "boolean"}
def arr(x): return {"type": "array", "items": x}
def nullable(t): return {"type": [t["type"], "null"]} if "type" in t and isinstance(t["type"], str) else {"anyOf": [t, {"type": "null"}]}
def json_resp(desc, schema): return {"description": desc, "content": {"application/json": {"schema": schema}}}
ERR = {"default": json_resp("Error: {\"error\": {message, type, code}} with the status it names", ref("Error"))}
def op(summary, responses, tag, body=None, params=None, public=False, op_id=None):
    o = {"summary": summary, "tags": [tag], "operationId": op_id, "responses": dict(responses, **ERR)}
    if body is not None: o["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if params: o["parameters"] = params
    if public: o["security"] = [{}]
    return o
def q(name, schema, desc): return {"name": name, "in": "query", "required": False, "schema": schema, "description": desc}
def p(name, schema, desc): return {"name": name, "in": "path", "required": True, "schema": schema, "description": desc}

schemas = {
 "Error": obj({"error": obj({"message": S, "type": S, "code": S})}),
 "Health": obj({"status": {"type": "string", "enum": ["ok", "degraded", "fail"]}, "version": S, "node_id": S, "uptime_seconds": N,
                "certificate_expires_at": dict(I, description="Unix seconds when the mesh certificate expires (absent without one)"),
                "sync_lag": dict(obj({"rows": I, "seconds": N}), description="Replication lag behind the peers (absent without a mesh): the most rows of any peer's log not yet pulled, the most write time behind"),
                "guardian": {"type": "object", "description": "The guardian's last round (as GET /v1/admin/guardian) without the problem texts; absent before the first round"},
                "checks": {"type": "object", "additionalProperties": obj({"status": {"type": "string", "enum": ["ok", "warn", "fail"]}, "detail": S}, ["status"])}},
               ["status", "version", "node_id", "checks"]),
 "Model": obj({"id": S, "object": {"const": "model"}, "created": I, "owned_by": S, "provider": S, "upstream_id": S,
               "capabilities": arr(S), "status": S, "context_window": {"type": ["integer", "null"]}}, ["id", "object", "provider", "status"]),
 "ModelList": obj({"object": {"const": "list"}, "data": arr(ref("Model"))}),
 "ChatMessage": obj({"role": {"type": "string", "enum": ["system", "user", "assistant", "tool"]}, "content": {"type": ["string", "array", "null"]}}, ["role"]),
 "ChatRequest": obj({"model": S, "messages": {"type": "array", "items": ref("ChatMessage"), "minItems": 1}, "stream": B,
                     "max_tokens": {"type": "integer", "minimum": 1}, "temperature": {"type": "number", "minimum": 0, "maximum": 2}}, ["model", "messages"]),
 "AnthropicRequest": obj({"model": S, "max_tokens": {"type": "integer", "minimum": 1}, "messages": {"type": "array", "items": ref("ChatMessage"), "minItems": 1},
                          "system": {"type": ["string", "array"]}, "stream": B}, ["model", "max_tokens", "messages"]),
 "User": obj({"id": S, "email": S, "tier": S, "role": {"type": "string", "enum": ["user", "admin"]}, "disabled": B, "created_at": I, "updated_at": I}),
 "UserSummary": obj({"id": S, "email": S, "tier": S, "role": S, "disabled": B}),
 "Login": obj({"token": S, "token_type": S, "expires_in": I, "tier": S, "user": ref("UserSummary")}, ["token", "expires_in", "tier", "user"]),
 "Key": obj({"id": S, "user_id": S, "email": S, "name": S, "prefix": S, "created_at": I, "revoked": B}),
 "ModelsRule": {"type": "object", "properties": {"all": B, "allow": arr(S), "classes": arr(S), "deny": arr(S), "max": {"type": "integer", "minimum": 0}}},
 "Tier": obj({"name": S, "description": S, "requests_per_hour": {"type": ["integer", "null"]}, "features": arr(S), "models_rule": ref("ModelsRule")}),
 "Route": obj({"task": {"type": "string", "enum": ["code", "creative", "research", "math", "general"]}, "models": arr(S), "stored": B, "unknown_models": arr(S)}),
 "Note": obj({"id": S, "owner": S, "kind": {"type": "string", "enum": ["fact", "decision", "code", "summary", "todo"]}, "content": S, "tags": arr(S),
              "confidence": N, "created_at": I, "expires_at": I, "snippet": S}, ["id", "owner", "kind", "content", "tags", "confidence", "created_at"]),
 "AuditEntry": obj({"id": I, "at": I, "actor": S, "action": S, "target": S, "detail": S, "outcome": S, "duration_ms": I},
                   ["id", "at", "actor", "action", "target", "detail", "outcome"]),
 "LogLine": obj({"timestamp": N, "level": S, "label": S, "message": S, "metadata": {"type": "object", "additionalProperties": S}}),
 "Minute": obj({"start": I, "requests": I, "rate_limited": I, "p50_ms": N, "p99_ms": N}, ["start", "requests", "rate_limited"]),
 "Overview": obj({"status": {"type": "object"}, "minutes": arr(ref("Minute")), "requests_per_second": N, "p50_ms": N, "p99_ms": N,
                  "rate_limited": I, "tokens_today": obj({"day": S, "requests": I, "prompt_tokens": I, "completion_tokens": I})},
                 ["status", "minutes", "requests_per_second", "rate_limited", "tokens_today"]),
 "ModelState": obj({"id": {"type": "string", "minLength": 1, "maxLength": 512}, "enabled": B}),
 "ProviderModel": obj({"id": S, "status": S, "enabled": B, "capabilities": arr(S), "circuit": {"type": "string", "enum": ["closed", "open", "half_open"]},
                       "ewma_ms": N, "consecutive_failures": I, "in_flight": I, "last_error": S},
                      ["id", "status", "enabled", "capabilities", "circuit", "consecutive_failures", "in_flight"]),
 "Provider": obj({"name": S, "local": B, "weight": N, "source": {"type": "string", "enum": ["environment", "table", "unconfigured"]},
                  "misconfigured": S, "models": arr(ref("ProviderModel"))}, ["name", "local", "weight", "source", "models"]),
 "Panel": {"type": "object", "required": ["configured"], "properties": {"configured": B, "detail": S, "error": S, "data": {}}},
 "JSONRPC": {"type": ["object", "array"], "description": "A JSON-RPC 2.0 response (or batch); errors are JSON-RPC error objects"},
}
A = "admin"
paths = {
 "/health": {"get": op("Readiness: every check (database, migrations, providers, certificate, guardian, mesh)",
                      {"200": json_resp("ready", ref("Health")), "503": json_resp("a check failed", ref("Health"))}, "node", public=True, op_id="health")},
 "/healthz": {"get": op("Liveness", {"200": json_resp("running", obj({"status": {"const": "ok"}}))}, "node", public=True, op_id="healthz")},
 "/metrics": {"get": op("Prometheus text (format 0.0.4); the bearer token is the node's metrics_token or an admin's login token or API key",
      {"200": {"description": "metrics", "content": {"text/plain": {"schema": S}}}}, "node", op_id="metrics")},
 "/openapi.json": {"get": op("This document", {"200": json_resp("OpenAPI 3.1", {"type": "object", "required": ["openapi", "paths"]})}, "node", public=True, op_id="openapi")},
 "/v1/models": {"get": op("Models in the registry (OpenAI list shape, plus provider, capabilities, status)", {"200": json_resp("models", ref("ModelList"))}, "client", public=True, op_id="listModels")},
 "/v1/chat/completions": {"post": op("OpenAI chat completions; `stream: true` answers with server-sent events",
      {"200": {"description": "completion (JSON) or SSE stream", "headers": {"X-TriForce-Route": {"schema": S, "description": "which route served it"}},
               "content": {"application/json": {"schema": {"type": "object", "required": ["choices"]}}, "text/event-stream": {"schema": {}}}}},
      "chat", body=ref("ChatRequest"), op_id="chatCompletions")},
 "/v1/chat": {"post": op("The simple chat shape {model, messages, stream?}",
      {"200": {"description": "answer (JSON) or SSE stream", "content": {"application/json": {"schema": {"type": "object"}}, "text/event-stream": {"schema": {}}}}},
      "chat", body=ref("ChatRequest"), op_id="simpleChat")},
 "/v1/messages": {"post": op("Anthropic Messages shape in, any provider out",
      {"200": {"description": "message (JSON) or SSE stream", "content": {"application/json": {"schema": {"type": "object", "required": ["content"]}}, "text/event-stream": {"schema": {}}}}},
      "chat", body=ref("AnthropicRequest"), op_id="messages")},
 "/v1/client/login": {"post": op("Log in: a bearer token for the other calls", {"200": json_resp("logged in", ref("Login"))}, "client",
      body=obj({"email": {"type": "string", "format": "email", "maxLength": 320}, "password": {"type": "string", "maxLength": 1024}}), public=True, op_id="login")},
 "/v1/client/logout": {"post": op("Revoke the login token sent", {"200": json_resp("logged out", obj({"status": {"const": "logged_out"}}))}, "client", op_id="logout")},
 "/v1/client/me": {"get": op("The caller: user, tier, quota", {"200": json_resp("caller", {"type": "object", "required": ["tier"]})}, "client", op_id="me")},
 "/v1/client/models": {"get": op("Models the caller's tier may use", {"200": json_resp("models", {"type": "object"})}, "client", op_id="clientModels")},
 "/v1/setup": {
   "get": op("Whether a first-run setup link is open", {"200": json_resp("state", obj({"open": B}))}, "setup", public=True, op_id="setupState"),
   "post": op("Create the first admin with the one-time token printed at start; answers with a login token",
              {"201": json_resp("admin created", obj({"user": ref("User"), "token": S, "expires_in": I}))}, "setup",
              body=obj({"token": {"type": "string", "maxLength": 128}, "email": {"type": "string", "format": "email", "maxLength": 320}, "password": {"type": "string", "minLength": 8, "maxLength": 1024}}),
              public=True, op_id="setup")},
}
for mcp in ["/v1/mcp", "/mcp"]:
    suffix = "" if mcp == "/v1/mcp" else "Alias"
    anyjson = {"description": "JSON-RPC error object", "content": {"application/json": {"schema": ref("JSONRPC")}}}
    paths[mcp] = {
     "post": {"summary": "MCP Streamable HTTP: one JSON-RPC message or a batch", "tags": ["mcp"], "operationId": "mcpPost" + suffix,
              "parameters": [{"name": "Accept", "in": "header", "required": True, "schema": {"const": "application/json, text/event-stream"}}],
              "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": ["object", "array"]}}}},
              "responses": {"200": {"description": "JSON-RPC response(s)", "content": {"application/json": {"schema": ref("JSONRPC")}, "text/event-stream": {"schema": {}}}},
                            "202": {"description": "notifications only: accepted"}, "default": anyjson}},
     "delete": {"summary": "End an MCP session (Mcp-Session-Id header)", "tags": ["mcp"], "operationId": "mcpDelete" + suffix,
                "responses": {"200": {"description": "session ended"}, "default": anyjson}},
     "get": {"summary": "Not offered: answers 405 with a JSON-RPC error", "tags": ["mcp"], "operationId": "mcpGet" + suffix,
             "responses": {"405": anyjson, "default": anyjson}},
    }
def admin(path, method, summary, responses, body=None, params=None, op_id=None):
    paths.setdefault("/v1/admin" + path, {})[method] = op(summary, responses, A, body=body, params=params, op_id=op_id)
admin("/status", "get", "Health report plus data dir and RSS", {"200": json_resp("status", {"type": "object"})}, op_id="adminStatus")
admin("/overview", "get", "Status, requests/s and p50/p99 per minute over 15 minutes, tokens today, rate-limited requests", {"200": json_resp("overview", ref("Overview"))}, op_id="adminOverview")
admin("/panels", "get", "Mesh, replication and guardian panels: data, or configured=false", {"200": json_resp("panels", obj({"mesh": ref("Panel"), "replication": ref("Panel"), "guardian": ref("Panel")}))}, op_id="adminPanels")
admin("/mesh", "get", "Mesh members as this node sees them", {"200": json_resp("members", {"type": "object"})}, op_id="adminMesh")
admin("/sync", "get", "Replication per peer (vector, lag in rows and seconds, last batch, refusals), last snapshot, config_commit", {"200": json_resp("replication", {"type": "object"})}, op_id="adminSync")
admin("/guardian", "get", "The guardian's last report", {"200": json_resp("report", {"type": "object"})}, op_id="adminGuardian")
admin("/sync/config", "get", "Config from git: source, applied commit, managed objects, last refusal; release: target, rollout step, unconfirmed trial, deploy/failed (halt) with its reason, the rollout service's last decision", {"200": json_resp("report ({\"enabled\": false, ...} when sync.git_url is unset)", {"type": "object"})}, op_id="adminSyncConfig")
admin("/providers", "get", "Providers with their models' state, circuit, EWMA latency, last error", {"200": json_resp("providers", obj({"providers": arr(ref("Provider"))}))}, op_id="adminProviders")
admin("/providers/{name}/weight", "put", "Set a table provider's balancing weight", {"200": json_resp("saved", obj({"name": S, "weight": N}))},
      body=obj({"weight": {"type": "number", "exclusiveMinimum": 0, "maximum": 1000}}), params=[p("name", {"type": "string", "maxLength": 64}, "provider name")], op_id="adminProviderWeight")
admin("/models/state", "put", "Enable or disable a model (routing skips a disabled one)", {"200": json_resp("saved", ref("ModelState"))}, body=ref("ModelState"), op_id="adminModelState")
admin("/discovery", "post", "Start a model rediscovery in the background", {"202": json_resp("started, or one was already running", obj({"status": {"type": "string", "enum": ["started", "already_running"]}}))}, op_id="adminDiscovery")
TASK = p("task", {"type": "string", "enum": ["code", "creative", "research", "math", "general"]}, "task")
admin("/routes", "get", "Every task's route (stored or default)", {"200": json_resp("routes", obj({"routes": arr(ref("Route"))}))}, op_id="adminRoutes")
admin("/routes/{task}", "put", "Replace a task's route: 1-32 distinct model ids, in order", {"200": json_resp("saved", ref("Route"))},
      body=obj({"models": {"type": "array", "minItems": 1, "maxItems": 32, "items": {"type": "string", "minLength": 1, "maxLength": 256}}}), params=[TASK], op_id="adminRouteSet")
admin("/routes/{task}", "delete", "Return a task to its default route", {"200": json_resp("default route", ref("Route"))}, params=[TASK], op_id="adminRouteReset")
UID = p("id", {"type": "string", "maxLength": 64}, "user id (usr_...)")
admin("/users", "get", "Users (never a password hash)", {"200": json_resp("users", obj({"users": arr(ref("User"))}))}, op_id="adminUsers")
admin("/users", "post", "Add a user; without a password one is generated and returned once", {"201": json_resp("created", obj({"user": ref("User"), "password": S}, ["user"]))},
      body=obj({"email": {"type": "string", "format": "email", "maxLength": 320}, "password": {"type": "string", "minLength": 8, "maxLength": 1024}, "tier": S, "role": {"type": "string", "enum": ["user", "admin"]}}, ["email"]), op_id="adminUserAdd")
admin("/users/{id}", "patch", "Change tier, role or disabled", {"200": json_resp("updated", ref("User"))},
      body={"type": "object", "minProperties": 1, "properties": {"tier": S, "role": {"type": "string", "enum": ["user", "admin"]}, "disabled": B}}, params=[UID], op_id="adminUserUpdate")
admin("/users/{id}", "delete", "Delete a user and their API keys", {"200": json_resp("deleted", obj({"deleted": S}))}, params=[UID], op_id="adminUserDelete")
admin("/users/{id}/password", "post", "Reset a password; without one, one is generated and returned once", {"200": json_resp("reset", {"type": "object", "properties": {"password": S}})},
      body={"type": "object", "properties": {"password": {"type": "string", "minLength": 8, "maxLength": 1024}}}, params=[UID], op_id="adminUserPassword")
admin("/keys", "get", "API keys (prefixes only)", {"200": json_resp("keys", obj({"keys": arr(ref("Key"))}))}, params=[q("email", {"type": "string", "format": "email", "maxLength": 320}, "only this user's keys")], op_id="adminKeys")
admin("/keys", "post", "Create an API key; the secret is in this response only", {"201": json_resp("created", obj({"key": ref("Key"), "secret": S}))},
      body=obj({"user_id": {"type": "string", "maxLength": 64}, "name": {"type": "string", "maxLength": 100}}, ["user_id"]), op_id="adminKeyCreate")
admin("/keys/{id}", "delete", "Revoke an API key", {"200": json_resp("revoked", obj({"revoked": S}))}, params=[p("id", {"type": "string", "maxLength": 64}, "key id (key_...)")], op_id="adminKeyRevoke")
admin("/tiers", "get", "Tiers and the known features", {"200": json_resp("tiers", obj({"tiers": arr(ref("Tier")), "features": arr(S)}))}, op_id="adminTiers")
FEATURES = ["chat", "memory", "agents", "code", "code_write", "web", "shell", "mesh", "admin"]
admin("/tiers/{name}", "put", "Create or replace a tier (requests_per_hour null: no limit)", {"200": json_resp("saved", ref("Tier"))},
      body=obj({"description": {"type": "string", "maxLength": 500}, "requests_per_hour": {"type": ["integer", "null"], "minimum": 0, "maximum": 100000000},
                "features": {"type": "array", "items": {"type": "string", "enum": FEATURES}}, "models_rule": ref("ModelsRule")}, ["features"]),
      params=[p("name", {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}, "tier name")], op_id="adminTierSet")
admin("/memory", "get", "Memory notes of every owner: FTS search with q, newest first without", {"200": json_resp("notes", obj({"notes": arr(ref("Note"))}))},
      params=[q("q", {"type": "string", "maxLength": 500}, "words to search for"), q("limit", {"type": "integer", "minimum": 1, "maximum": 500}, "at most this many")], op_id="adminMemory")
NID = p("id", {"type": "string", "maxLength": 64}, "note id")
admin("/memory/{id}", "get", "One note", {"200": json_resp("note", ref("Note"))}, params=[NID], op_id="adminNote")
admin("/memory/{id}", "delete", "Delete a note", {"200": json_resp("deleted", obj({"deleted": S}))}, params=[NID], op_id="adminNoteDelete")
admin("/audit", "get", "Audit log, newest first; user (email or id) and action end in * for a prefix, outcome matches by prefix, times are Unix ms",
      {"200": json_resp("entries", obj({"entries": arr(ref("AuditEntry"))}))},
      params=[q("user", {"type": "string", "maxLength": 256}, "actor"), q("action", {"type": "string", "maxLength": 256}, "action, e.g. admin.*"),
              q("tool", {"type": "string", "maxLength": 256}, "MCP tool name (action mcp.tool)"),
              q("outcome", {"type": "string", "maxLength": 256}, "outcome prefix, e.g. failed"), q("since", {"type": "integer", "format": "int64"}, "from (Unix ms)"),
              q("until", {"type": "integer", "format": "int64"}, "to (Unix ms)"), q("limit", {"type": "integer", "minimum": 1, "maximum": 1000}, "at most this many")], op_id="adminAudit")
admin("/logs", "get", "Recent log lines, oldest first; poll with after=<newest timestamp> for a live tail",
      {"200": json_resp("lines", obj({"lines": arr(ref("LogLine"))}))},
      params=[q("level", {"type": "string", "enum": ["trace", "debug", "info", "notice", "warning", "error", "critical"]}, "minimum level"),
              q("category", {"type": "string", "maxLength": 256}, "logger label prefix"), q("after", {"type": "number"}, "only lines after this Unix time (seconds)"),
              q("limit", {"type": "integer", "minimum": 1, "maximum": 2000}, "at most this many")], op_id="adminLogs")
for path in ["/admin", "/admin/app.js", "/admin/app.css"]:
    mime = {"/admin": "text/html", "/admin/app.js": "text/javascript", "/admin/app.css": "text/css"}[path]
    paths[path] = {"get": {"summary": "The admin console (static, embedded)", "tags": ["console"], "security": [{}], "operationId": "console" + path.replace("/", "_").replace(".", "_"),
                           "responses": {"200": {"description": "static file", "content": {mime: {"schema": S}}}}}}
doc = {"openapi": "3.1.0",
       "info": {"title": "TriForce", "version": "1", "description": "One node's HTTP API: the OpenAI/Anthropic-compatible gateway, MCP over Streamable HTTP, client login, and the admin API behind the console at /admin. Errors are JSON {\"error\": {message, type, code}} (MCP: JSON-RPC error objects). Send Authorization: Bearer <login token or API key>."},
       "servers": [{"url": "/"}],
       "security": [{"bearer": []}, {}],
       "tags": [{"name": t} for t in ["node", "client", "chat", "mcp", "setup", "admin", "console"]],
       "paths": paths,
       "components": {"schemas": schemas, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}}}
text = json.dumps(doc, indent=1, sort_keys=False)
assert '"""#' not in text
out = '''/// `GET /openapi.json`: OpenAPI 3.1 description of this node's HTTP API (client, chat,
/// models, MCP transport, setup, admin), static and embedded. Generated by
/// `scripts/openapi.py` (edit that, not this file). `tests/python/test_openapi.py`
/// keeps it true: schemathesis drives the live server from it and checks every response
/// against it. Over 500 lines because it is one JSON document, not code.
enum OpenAPIDocument {
    static let json = #"""
''' + text + '''
"""#
}
'''
open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Sources", "Admin", "OpenAPIDocument.swift"), "w").write(out)
print(len(text))
