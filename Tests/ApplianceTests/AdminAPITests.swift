import Testing
import TestSupport
import Admin
import Auth
import Core
import Gateway
import Net
import Storage
import FoundationEssentials
@testable import Appliance

/// The admin API on a live node through curl: who may call it, what each change does to the
/// stores, that every change is audited, and the first-run setup link.
@Suite struct AdminAPITests {
    /// Every admin route, as (method, path, body).
    static let routes: [(String, String, String?)] = [
        ("GET", "/v1/admin/status", nil), ("GET", "/v1/admin/overview", nil), ("GET", "/v1/admin/panels", nil),
        ("GET", "/v1/admin/mesh", nil), ("GET", "/v1/admin/guardian", nil), ("GET", "/v1/admin/providers", nil),
        ("PUT", "/v1/admin/providers/local/weight", #"{"weight":2}"#), ("PUT", "/v1/admin/models/state", #"{"id":"x/y","enabled":false}"#),
        ("POST", "/v1/admin/discovery", nil), ("GET", "/v1/admin/routes", nil),
        ("PUT", "/v1/admin/routes/code", #"{"models":["a/b"]}"#), ("DELETE", "/v1/admin/routes/code", nil),
        ("GET", "/v1/admin/users", nil), ("POST", "/v1/admin/users", #"{"email":"x@example.com"}"#),
        ("PATCH", "/v1/admin/users/usr_00", #"{"tier":"pro"}"#), ("DELETE", "/v1/admin/users/usr_00", nil),
        ("POST", "/v1/admin/users/usr_00/password", "{}"), ("GET", "/v1/admin/keys", nil),
        ("POST", "/v1/admin/keys", #"{"user_id":"usr_00"}"#), ("DELETE", "/v1/admin/keys/key_00", nil),
        ("GET", "/v1/admin/tiers", nil), ("PUT", "/v1/admin/tiers/guest", #"{"features":["chat"]}"#),
        ("GET", "/v1/admin/memory", nil), ("GET", "/v1/admin/memory/n1", nil), ("DELETE", "/v1/admin/memory/n1", nil),
        ("GET", "/v1/admin/audit", nil), ("GET", "/v1/admin/logs", nil),
    ]

    static func login(_ node: TestNode, _ email: String, _ password: String) async throws -> String {
        let login = try await Curl.request("\(node.baseURL)/v1/client/login", method: "POST", headers: ["Content-Type": "application/json"],
                                           body: #"{"email":"\#(email)","password":"\#(password)"}"#)
        return try #require(login.json?["token"]?.stringValue, "login failed: \(login.body)")
    }

    @Test func nonAdminsAreRefusedOnEveryRoute() async throws {
        try await TestNode.run { node in
            try await node.node.auth.users.add(email: "pro@example.com", password: "pro password 1", tier: "unlimited")
            let token = try await Self.login(node, "pro@example.com", "pro password 1")
            for (method, path, body) in Self.routes {
                var headers = ["Authorization": "Bearer \(token)"]
                if body != nil { headers["Content-Type"] = "application/json" }
                let user = try await Curl.request(node.baseURL + path, method: method, headers: headers, body: body)
                #expect(user.status == 403, "\(method) \(path) as a non-admin: \(user.status) \(user.body)")
                #expect(user.json?["error"]?["code"] != nil)
                let guest = try await Curl.request(node.baseURL + path, method: method,
                                                   headers: body == nil ? [:] : ["Content-Type": "application/json"], body: body)
                #expect(guest.status == 401, "\(method) \(path) without credentials: \(guest.status)")
            }
            // Nothing the refused calls asked for happened.
            #expect(try await node.node.auth.users.find(email: "x@example.com") == nil)
            #expect(try await node.gateway.routes.route(for: .code).stored == false)
        }
    }

    @Test func adminManagesUsersKeysTiersRoutesAndMemoryWithAudit() async throws {
        try await TestNode.run { node in
            let admin = try #require(try await node.node.auth.ensureFirstAdmin())
            let token = try await Self.login(node, admin.email, admin.password)
            func call(_ method: String, _ path: String, _ body: String? = nil) async throws -> CurlResponse {
                var headers = ["Authorization": "Bearer \(token)"]
                if body != nil { headers["Content-Type"] = "application/json" }
                return try await Curl.request(node.baseURL + path, method: method, headers: headers, body: body)
            }

            // Users: add (generated password shown once), change tier, disable.
            let added = try await call("POST", "/v1/admin/users", #"{"email":"Carol@Example.com","tier":"guest"}"#)
            #expect(added.status == 201)
            let carolID = try #require(added.json?["user"]?["id"]?.stringValue)
            let carolPassword = try #require(added.json?["password"]?.stringValue)
            #expect(try await Self.login(node, "carol@example.com", carolPassword).isEmpty == false)
            #expect(try await call("POST", "/v1/admin/users", #"{"email":"carol@example.com","password":"long enough"}"#).status == 409)
            #expect(try await call("POST", "/v1/admin/users", #"{"email":"dan@example.com","tier":"nope"}"#).status == 400)
            let patched = try await call("PATCH", "/v1/admin/users/\(carolID)", #"{"tier":"pro"}"#)
            #expect(patched.status == 200 && patched.json?["tier"] == "pro")
            #expect(try await node.node.auth.users.find(id: carolID)?.tier == "pro")
            #expect(try await call("PATCH", "/v1/admin/users/usr_missing", #"{"tier":"pro"}"#).status == 404)
            let adminID = try #require(try await node.node.auth.users.find(email: admin.email)?.id)
            #expect(try await call("PATCH", "/v1/admin/users/\(adminID)", #"{"disabled":true}"#).status == 409)
            let reset = try await call("POST", "/v1/admin/users/\(carolID)/password", "{}")
            let newPassword = try #require(reset.json?["password"]?.stringValue)
            #expect(try await Self.login(node, "carol@example.com", newPassword).isEmpty == false)

            // Keys: created (secret once) authenticate; revoked ones do not.
            let key = try await call("POST", "/v1/admin/keys", #"{"user_id":"\#(carolID)","name":"ci"}"#)
            #expect(key.status == 201)
            let secret = try #require(key.json?["secret"]?.stringValue)
            let keyID = try #require(key.json?["key"]?["id"]?.stringValue)
            #expect(try await Curl.request("\(node.baseURL)/v1/client/me", headers: ["Authorization": "Bearer \(secret)"]).status == 200)
            let listed = try await call("GET", "/v1/admin/keys")
            #expect(listed.body.contains(keyID) && !listed.body.contains(secret))
            #expect(try await call("DELETE", "/v1/admin/keys/\(keyID)").status == 200)
            #expect(try await Curl.request("\(node.baseURL)/v1/client/me", headers: ["Authorization": "Bearer \(secret)"]).status == 401)

            // Tiers: limits and features, validated.
            let tier = try await call("PUT", "/v1/admin/tiers/team", #"{"requests_per_hour":500,"features":["chat","memory"]}"#)
            #expect(tier.status == 200 && tier.json?["requests_per_hour"] == 500)
            #expect(try await node.node.auth.tiers.get("team")?.features == [.chat, .memory])
            #expect(try await call("PUT", "/v1/admin/tiers/team", #"{"features":["flying"]}"#).status == 400)
            #expect(try await call("PUT", "/v1/admin/tiers/team", #"{"requests_per_hour":-1,"features":[]}"#).status == 400)
            #expect(try await call("PUT", "/v1/admin/tiers/team", #"{"requests_per_hour":99999999999999999999999,"features":[]}"#).status == 400)

            // Routes: validated, stored, reset.
            #expect(try await call("PUT", "/v1/admin/routes/code", #"{"models":[]}"#).status == 400)
            #expect(try await call("PUT", "/v1/admin/routes/code", #"{"models":["a/b","a/b"]}"#).status == 400)
            #expect(try await call("PUT", "/v1/admin/routes/cooking", #"{"models":["a/b"]}"#).status == 404)
            let route = try await call("PUT", "/v1/admin/routes/code", #"{"models":["local/m1","local/m2"]}"#)
            #expect(route.status == 200 && route.json?["stored"] == true)
            #expect(try await node.gateway.routes.route(for: .code).models == ["local/m1", "local/m2"])
            #expect(try await call("DELETE", "/v1/admin/routes/code").json?["stored"] == false)

            // Memory: search, view, delete.
            let memory = MemoryStore(database: node.node.database, origin: node.node.origin)
            let note = try await memory.store(owner: carolID, kind: .fact, content: "the staging database lives on port 5433")
            let found = try await call("GET", "/v1/admin/memory?q=staging%20database")
            #expect(found.json?["notes"]?[0]?["id"]?.stringValue == note.id)
            #expect(try await call("GET", "/v1/admin/memory/\(note.id)").json?["content"]?.stringValue == note.content)
            #expect(try await call("DELETE", "/v1/admin/memory/\(note.id)").status == 200)
            #expect(try await memory.note(id: note.id) == nil)
            #expect(try await call("DELETE", "/v1/admin/memory/\(note.id)").status == 404)
            #expect(try await call("GET", "/v1/admin/memory?limit=0").status == 400)

            // Models: a discovered model can be switched off (routing skips it) and on again.
            try await node.gateway.models.replace(provider: "ollama", with: [DiscoveredModel(upstreamID: "tiny:1b", capabilities: ["chat"])])
            #expect(try await call("PUT", "/v1/admin/models/state", #"{"id":"ollama/tiny:1b","enabled":false}"#).status == 200)
            #expect(try await node.gateway.listModels().first { $0.id == "ollama/tiny:1b" }?.status == "disabled")
            let providers = try await call("GET", "/v1/admin/providers")
            let ollama = providers.json?["providers"]?.arrayValue?.first { $0["name"] == "ollama" }
            #expect(ollama?["models"]?[0]?["enabled"] == false && ollama?["models"]?[0]?["circuit"] == "closed")
            #expect(try await call("PUT", "/v1/admin/models/state", #"{"id":"ollama/tiny:1b","enabled":true}"#).status == 200)
            #expect(try await node.gateway.listModels().first { $0.id == "ollama/tiny:1b" }?.status == "available")
            #expect(try await call("PUT", "/v1/admin/models/state", #"{"id":"nobody/none","enabled":false}"#).status == 404)
            #expect(try await call("PUT", "/v1/admin/providers/ollama/weight", #"{"weight":2}"#).status == 404)  // environment provider
            #expect(try await call("POST", "/v1/admin/discovery").status == 202)

            // Every change is in the audit log with its outcome; filters narrow it.
            let audit = try await call("GET", "/v1/admin/audit?action=admin.*&limit=1000")
            let entries = try #require(audit.json?["entries"]?.arrayValue)
            let actions = Set(entries.compactMap { $0["action"]?.stringValue })
            for action in ["admin.model.state", "admin.discovery", "admin.user.add", "admin.user.update", "admin.user.password", "admin.key.create", "admin.key.revoke",
                           "admin.tier.set", "admin.route.set", "admin.route.reset", "admin.memory.delete"] {
                #expect(actions.contains(action), "\(action) not audited")
            }
            #expect(entries.allSatisfy { $0["actor"]?.stringValue == admin.email })
            let failed = try await call("GET", "/v1/admin/audit?outcome=failed&action=admin.user.update")
            #expect(failed.json?["entries"]?.arrayValue?.first?["outcome"]?.stringValue?.hasPrefix("failed: ") == true)
            #expect(try await call("GET", "/v1/admin/audit?since=abc").status == 400)

            // Overview: 15 minutes of traffic counters, this test's requests among them.
            let overview = try await call("GET", "/v1/admin/overview")
            let minutes = try #require(overview.json?["minutes"]?.arrayValue)
            #expect(minutes.count == 15)
            #expect(minutes.compactMap { $0["requests"]?.intValue }.reduce(0, +) > 20)
            #expect(overview.json?["status"]?["rss_bytes"]?.intValue ?? 0 > 1_000_000)
            let panels = try await call("GET", "/v1/admin/panels")
            #expect(panels.json?["replication"]?["configured"] == false)
            #expect(panels.json?["guardian"]?["configured"] == true)
        }
    }

    @Test func firstRunSetupLinkCreatesOneAdminOnce() async throws {
        try await TestNode.run { node in
            #expect(try await Curl.request("\(node.baseURL)/v1/setup").json?["open"] == true)
            let token = try node.setupLink.issue()
            let wrong = try await Curl.request("\(node.baseURL)/v1/setup", method: "POST", headers: ["Content-Type": "application/json"],
                                               body: #"{"token":"not-it","email":"root@example.com","password":"root password"}"#)
            #expect(wrong.status == 403)
            let weak = try await Curl.request("\(node.baseURL)/v1/setup", method: "POST", headers: ["Content-Type": "application/json"],
                                              body: #"{"token":"\#(token)","email":"root@example.com","password":"short"}"#)
            #expect(weak.status == 400)
            let created = try await Curl.request("\(node.baseURL)/v1/setup", method: "POST", headers: ["Content-Type": "application/json"],
                                                 body: #"{"token":"\#(token)","email":"root@example.com","password":"root password"}"#)
            #expect(created.status == 201)
            let login = try #require(created.json?["token"]?.stringValue)
            #expect(try await Curl.request("\(node.baseURL)/v1/admin/users", headers: ["Authorization": "Bearer \(login)"]).status == 200)
            let again = try await Curl.request("\(node.baseURL)/v1/setup", method: "POST", headers: ["Content-Type": "application/json"],
                                               body: #"{"token":"\#(token)","email":"eve@example.com","password":"eve password"}"#)
            #expect(again.status == 409)
            #expect(try await Curl.request("\(node.baseURL)/v1/setup").json?["open"] == false)
            #expect(try await node.node.auth.users.find(email: "eve@example.com") == nil)
        }
    }

    @Test func setupLinkExpiresAndWorksOnce() throws {
        let link = SetupLink()
        let start = ContinuousClock.now
        let token = try link.issue(now: start)
        #expect(link.claim("wrong", now: start) == nil)
        #expect(link.claim(token, now: start + .seconds(3601)) == nil)
        let claim = try #require(link.claim(token, now: start + .seconds(10)))
        #expect(link.claim(token, now: start + .seconds(11)) == nil)
        link.giveBack(claim)
        #expect(link.claim(token, now: start + .seconds(12)) != nil)
    }

    @Test func requestStatsBucketsMinutesAndPercentiles() {
        let stats = RequestStats(minutes: 15)
        let now: Int64 = 1_800_000_000
        for _ in 0..<99 { stats.record(status: 200, latency: .milliseconds(2), unixSeconds: now) }
        stats.record(status: 429, latency: .milliseconds(900), unixSeconds: now)
        stats.record(status: 200, latency: .milliseconds(1), unixSeconds: now - 16 * 60)  // outside the window
        let minutes = stats.recent(unixSeconds: now)
        #expect(minutes.count == 15)
        #expect(minutes.last?.requests == 100 && minutes.last?.rateLimited == 1)
        #expect(minutes.dropLast().allSatisfy { $0.requests == 0 })
        let p50 = minutes.last?.p50Milliseconds
        #expect(p50.map { $0 >= 2 && $0 <= 3 } == true)
        let p99 = minutes.last?.p99Milliseconds ?? 0
        #expect(p99 >= 2 && p99 <= 3)
        let window = stats.windowPercentiles(unixSeconds: now)
        #expect(window.p50 == p50)
        // A minute later the same slot count is still there; 15 minutes later it is gone.
        #expect(stats.recent(unixSeconds: now + 60).dropLast().last?.requests == 100)
        #expect(stats.recent(unixSeconds: now + 15 * 60).allSatisfy { $0.requests == 0 })
    }
}
