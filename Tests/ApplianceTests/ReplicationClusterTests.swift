import FoundationEssentials
import Glibc
import Synchronization
import Net
import Testing
import TestSupport

/// Replication with real processes (issue 13): writes made by the CLI or the API on one node
/// reach the others, a late joiner bootstraps from a snapshot, kill -9 during the snapshot
/// leaves its database intact, and a node whose clock runs 10 minutes ahead is refused and
/// reported. Anti-entropy runs every second here; the latency targets are bench/sync.sh's.
@Suite("Replication cluster (real processes)", .serialized)
struct ReplicationClusterTests {
    static let settings = ["sync.anti_entropy_ms": "1000"]

    @Test func cliUserMemoryNoteAndLateJoiner() async throws {
        try #require(FileManager.default.fileExists(atPath: MeshProcess.binary), "build the triforce binary first")
        var nodes = try await MeshClusterTests.cluster(members: 2, settings: Self.settings)
        defer { for node in nodes { node.process.signal(SIGKILL) } }
        let a = nodes[0], b = nodes[1], c = nodes[2]

        // A user added by the CLI beside the server on A logs in on C.
        let (email, password) = try await Self.addUser(on: a, admin: true)
        let tokenOnC = await Self.eventuallyValue(within: .seconds(30)) { try await Self.login(c, email, password) }
        try #require(tokenOnC != nil, "the user made on A never logged in on C")

        // A memory note stored on B is found by memory_search on C.
        let tokenOnB = try #require(try await Self.login(b, email, password))
        let stored = try await Self.tool(b, tokenOnB, "memory_store", ["content": "replicated zebra fact", "scope": "shared"])
        #expect(stored?["isError"] != true, "\(String(describing: stored))")
        let found = await eventually(within: .seconds(30)) {
            let result = try? await Self.tool(c, tokenOnC ?? "", "memory_search", ["query": "zebra"])
            return result?["structuredContent"]?["count"]?.intValue == 1
        }
        #expect(found, "the note stored on B was not found on C")

        // The admin API and the CLI report the peers (login tokens are signed per node).
        let tokenOnA = try #require(try await Self.login(a, email, password))
        let view = try await Curl.request("http://127.0.0.1:\(a.apiPort)/v1/admin/sync", headers: ["Authorization": "Bearer \(tokenOnA)"])
        #expect(view.status == 200 && view.json?["config_commit"] == .null, "\(view.body)")
        let peers = Set(view.json?["peers"]?.arrayValue?.compactMap { $0["peer"]?.stringValue } ?? [])
        #expect(peers.isSuperset(of: [b.nodeID, c.nodeID]), "\(view.body)")
        let cli = try await MeshProcess.cli(["sync", "status", "--mesh-port", String(a.meshPort)], dir: a.dir)
        #expect(cli.status == 0 && cli.stdout.contains(b.nodeID) && cli.stdout.contains("LAG_ROWS"), "\(cli.stdout)\(cli.stderr)")

        // A node that joins late receives a snapshot and serves the user and the note.
        let token = try await MeshProcess.cli(["ca", "token", "create"], dir: a.dir).stdout.trimmed()
        let lateDir = TemporaryDirectory.make()
        #expect(try await MeshProcess.cli(["join", a.meshURL, "--token", token], dir: lateDir).status == 0)
        for (key, value) in Self.settings { _ = try await MeshProcess.cli(["config", "set", key, value], dir: lateDir) }
        let late = try await MeshProcess.start("late", dir: lateDir)
        nodes.append(late)
        let tokenOnLate = await Self.eventuallyValue(within: .seconds(30)) { try await Self.login(late, email, password) }
        #expect(tokenOnLate != nil, "the late joiner does not know the user")
        let status = try await Self.syncStatus(late)
        #expect(status?["last_snapshot"]?["rows"]?.intValue ?? 0 > 0, "\(String(describing: status)) \(late.lines.withLock { $0.map(\.line).filter { $0.contains("sync") } })")
        // The founder (`ca init`) holds the mesh's first state: it never bootstraps from a
        // snapshot of a member that joined after it.
        let founder = try await Self.syncStatus(a)
        #expect(founder != nil && founder?["last_snapshot"] == .null, "the founder installed a snapshot: \(String(describing: founder))")
        let search = try await Self.tool(late, tokenOnLate ?? "", "memory_search", ["query": "zebra"])
        #expect(search?["structuredContent"]?["count"]?.intValue == 1)
        // Join-token uses are replicated per signing node: the hub's three uses reach C.
        let uses = await eventually(within: .seconds(30)) {
            let out = try? await Subprocess.run(["sqlite3", c.dir + "/triforce.db", "SELECT coalesce(sum(uses), 0) FROM join_token_uses"])
            return out?.stdout.trimmed() == "3"
        }
        #expect(uses, "join-token uses did not replicate")
        for node in nodes { await node.stop() }
    }

    @Test func clockSkewedNodeIsRefusedAndReported() async throws {
        try #require(FileManager.default.fileExists(atPath: MeshProcess.binary), "build the triforce binary first")
        var nodes = try await MeshClusterTests.cluster(members: 1, settings: Self.settings)
        defer { for node in nodes { node.process.signal(SIGKILL) } }
        let hub = nodes[0]
        let token = try await MeshProcess.cli(["ca", "token", "create"], dir: hub.dir).stdout.trimmed()
        let dir = TemporaryDirectory.make()
        #expect(try await MeshProcess.cli(["join", hub.meshURL, "--token", token], dir: dir).status == 0)
        for (key, value) in Self.settings.merging(["sync.clock_offset_ms": "600000"], uniquingKeysWith: { $1 }) {
            _ = try await MeshProcess.cli(["config", "set", key, value], dir: dir)
        }
        let skewed = try await MeshProcess.start("skewed", dir: dir)
        nodes.append(skewed)
        // Its writes are stamped 10 minutes ahead (the CLI beside it uses the same clock).
        let (email, password) = try await Self.addUser(on: skewed, admin: false)
        let reported = await eventually(within: .seconds(30)) {
            let health = try? await Curl.request("http://127.0.0.1:\(hub.apiPort)/health")
            return health?.json?["checks"]?["sync"]?["detail"]?.stringValue?.contains(skewed.nodeID) == true
        }
        #expect(reported, "the hub's /health never named the skewed node")
        let status = try await Self.syncStatus(hub)
        let peer = status?["peers"]?.arrayValue?.first { $0["peer"]?.stringValue == skewed.nodeID }
        #expect(peer?["clock_skewed"] == true, "\(String(describing: status))")
        #expect(try await Self.login(hub, email, password) == nil, "a row from the skewed node was applied")
        for node in nodes { await node.stop() }
    }

    @Test func killNineDuringSnapshotLeavesTheDatabaseIntact() async throws {
        try #require(FileManager.default.fileExists(atPath: MeshProcess.binary), "build the triforce binary first")
        // 20,000 notes on the hub, written beside the server with sqlite3 (the triggers log them).
        var nodes = try await MeshClusterTests.cluster(members: 0, settings: Self.settings)
        defer { for node in nodes { node.process.signal(SIGKILL) } }
        let hub = nodes[0]
        let fill = """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
            INSERT INTO memory_notes(id, owner, type, content, created_at, hlc, origin)
            SELECT 'bulk-' || i, 'shared', 'fact', 'bulk note number ' || i || ' ' || hex(randomblob(40)), 0,
                   (CAST(strftime('%s','now') AS INTEGER) * 1000) * 65536 + i, '\(hub.nodeID)' FROM n;
            """
        let filled = try await Subprocess.run(["sqlite3", hub.dir + "/triforce.db"], input: fill)
        try #require(filled.status == 0, "\(filled.stderr)")
        let token = try await MeshProcess.cli(["ca", "token", "create"], dir: hub.dir).stdout.trimmed()
        let dir = TemporaryDirectory.make()
        #expect(try await MeshProcess.cli(["join", hub.meshURL, "--token", token], dir: dir).status == 0)
        for (key, value) in Self.settings { _ = try await MeshProcess.cli(["config", "set", key, value], dir: dir) }
        // Kill the receiver at growing moments of its first seconds: mid-download, mid-install.
        for delay in [0, 150, 300, 600, 900, 1_300] {
            let node = try await MeshProcess.start("joiner", dir: dir)
            try await Task.sleep(for: .milliseconds(delay))
            node.process.signal(SIGKILL)
            _ = await node.process.wait(until: .now + .seconds(10))
            let check = try await Subprocess.run(["sqlite3", dir + "/triforce.db", "PRAGMA integrity_check; SELECT count(*) FROM memory_notes;"])
            let lines = check.stdout.split(separator: "\n")
            #expect(lines.first == "ok", "integrity after kill at \(delay) ms: \(check.stdout)\(check.stderr)")
            // All or nothing: the install is one transaction.
            #expect(lines.last == "0" || lines.last == "20000", "partial install after kill at \(delay) ms: \(check.stdout)")
        }
        let joiner = try await MeshProcess.start("joiner", dir: dir)
        nodes.append(joiner)
        let complete = await eventually(within: .seconds(60), every: .milliseconds(300)) {
            let count = try? await Subprocess.run(["sqlite3", dir + "/triforce.db", "SELECT count(*) FROM memory_notes; SELECT count(*) FROM memory_fts WHERE memory_fts MATCH 'bulk';"])
            return count?.stdout.split(separator: "\n") == ["20000", "20000"]
        }
        #expect(complete, "the restarted node never held all 20,000 notes with their search index")
        for node in nodes { await node.stop() }
    }
}

extension ReplicationClusterTests {
    /// `triforce user add` beside the running node; returns the email and generated password.
    static func addUser(on node: MeshProcess, admin: Bool) async throws -> (String, String) {
        let email = "u\(UInt32.random(in: 0...UInt32.max))@example.com"
        let added = try await MeshProcess.cli(["user", "add", email, "--tier", "unlimited"] + (admin ? ["--admin"] : []), dir: node.dir)
        try #require(added.status == 0, "\(added.stderr)")
        let line = try #require(added.stdout.split(separator: "\n").first { $0.hasPrefix("password: ") })
        return (email, String(line.dropFirst("password: ".count)))
    }

    static func login(_ node: MeshProcess, _ email: String, _ password: String) async throws -> String? {
        let response = try await Curl.request("http://127.0.0.1:\(node.apiPort)/v1/client/login", method: "POST",
                                              headers: ["Content-Type": "application/json"],
                                              body: JSONValue.object(["email": .string(email), "password": .string(password)]).jsonText)
        return response.status == 200 ? response.json?["token"]?.stringValue : nil
    }

    static func tool(_ node: MeshProcess, _ token: String, _ name: String, _ arguments: JSONValue) async throws -> JSONValue? {
        let body = JSONValue.object(["jsonrpc": "2.0", "id": 1, "method": "tools/call",
                                     "params": ["name": .string(name), "arguments": arguments]]).jsonText
        let response = try await Curl.request("http://127.0.0.1:\(node.apiPort)/v1/mcp", method: "POST",
                                              headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json",
                                                        "Accept": "application/json, text/event-stream"], body: body)
        return response.json?["result"]
    }

    static func syncStatus(_ node: MeshProcess) async throws -> JSONValue? {
        let out = try await MeshProcess.cli(["sync", "status", "--json", "--mesh-port", String(node.meshPort)], dir: node.dir)
        return out.status == 0 ? JSONValue.parse(out.stdout) : nil
    }

    static func eventuallyValue<T: Sendable>(within limit: Duration, _ body: () async throws -> T?) async -> T? {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let value = try? await body() { return value }
            try? await Task.sleep(for: .milliseconds(300))
        }
        return nil
    }
}
