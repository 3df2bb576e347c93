import FoundationEssentials
import Glibc
import Net
import Storage
import Testing
import TestSupport

/// Issue 13's randomised property with real processes: three `triforce serve` nodes and a
/// late joiner take a seeded schedule of note writes, overwrites and tombstones (beside a
/// node with sqlite3, as the CLI writes, also into the file of a node that is down, and
/// through the MCP API), while members restart, are killed with SIGKILL (the joiner during
/// its snapshot), and are partitioned with SIGSTOP. After healing, every node's replicated
/// tables must be identical and its notes must equal the offline last-writer-wins merge of
/// every write made. `TRIFORCE_CHAOS_SEED` replays a run; every failure prints the seed.
@Suite("Replication chaos (real processes)", .serialized)
struct ReplicationChaosTests {
    @Test func randomScheduleConvergesToTheOfflineMerge() async throws {
        try #require(FileManager.default.fileExists(atPath: MeshProcess.binary), "build the triforce binary first")
        let seed = ProcessInfo.processInfo.environment["TRIFORCE_CHAOS_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...UInt64(UInt32.max))
        print("replication chaos seed \(seed) (TRIFORCE_CHAOS_SEED=\(seed) replays it)")
        var run = try await ChaosRun(seed: seed)
        defer { run.killAll() }
        let started = ContinuousClock.now
        try await run.play(steps: 110)
        try await run.heal()
        run.events["schedule s"] = Int(started.duration(to: .now).components.seconds)
        print("replication chaos seed \(seed): \(run.events.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
        #expect(run.events["api write", default: 0] > 0 && run.events["sqlite3 write", default: 0] > 0, "seed \(seed): \(run.events)")
        let healed = ContinuousClock.now
        let (converged, report) = await run.waitForConvergence(within: .seconds(60))
        print("replication chaos seed \(seed): converged \(converged) after \(healed.duration(to: .now))")
        #expect(converged, "seed \(seed): nodes did not converge to the offline merge: \(report)")
        await run.stopAll()
    }
}

/// One chaos run: the nodes, what each is doing, and every write made (the offline merge).
struct ChaosRun {
    enum Health { case running, stopped, killed }

    struct Node {
        let dir: String
        var process: MeshProcess?
        var health: Health
        var token: String?
        var db: String { dir + "/triforce.db" }
    }

    struct Write { let hlc: Int64; let origin: String; let content: String; let deleted: Bool }

    let seed: UInt64
    var random: SplitMix64
    var nodes: [Node]
    var hubDir: String
    var email = "", password = ""
    /// Per note id, every write made (by sqlite3 beside a node or read back after the API).
    var writes: [String: [Write]] = [:]
    /// The test's HLC for the writes it makes beside nodes: wall milliseconds << 16, never
    /// behind anything it made or read back (what the CLI's clock, seeded from the file, does).
    var lastStamp: Int64 = 0
    var joinToken = ""
    var joinerAdded = false
    /// What the schedule did, printed with the seed.
    var events: [String: Int] = [:]

    init(seed: UInt64) async throws {
        self.seed = seed
        random = SplitMix64(seed: seed)
        let cluster = try await MeshClusterTests.cluster(members: 2, settings: ReplicationClusterTests.settings)
        nodes = cluster.map { Node(dir: $0.dir, process: $0, health: .running) }
        hubDir = cluster[0].dir
        do {
            try await prepare(hub: cluster[0])
        } catch {
            for node in cluster { await node.stop() }
            throw error
        }
    }

    /// An admin user made by the CLI on the hub, logged in on every node, and a join token
    /// for the late joiner.
    mutating func prepare(hub: MeshProcess) async throws {
        (email, password) = try await ReplicationClusterTests.addUser(on: hub, admin: true)
        joinToken = try await MeshProcess.cli(["ca", "token", "create", "--uses", "1"], dir: hubDir).stdout.trimmed()
        // The user reaches every node before the schedule starts (failed logins back off).
        for index in nodes.indices {
            guard let process = nodes[index].process else { continue }
            let (email, password) = (self.email, self.password)
            nodes[index].token = await ReplicationClusterTests.eventuallyValue(within: .seconds(30)) {
                try await ReplicationClusterTests.login(process, email, password)
            }
            guard nodes[index].token != nil else { throw ChaosFailure(description: "seed \(seed): the user never reached n\(index)") }
        }
    }

    struct ChaosFailure: Error, CustomStringConvertible { let description: String }

    mutating func roll(_ below: Int) -> Int { Int(random.next() % UInt64(below)) }

    mutating func stamp() -> Int64 {
        let wall = Int64(Date().timeIntervalSince1970 * 1000) << 16
        lastStamp = max(wall, lastStamp + 1)
        return lastStamp
    }

    /// The schedule: mostly writes; now and then a restart, a kill -9, a partition, a
    /// reversed pair of commits, the late joiner (killed at a random moment of its start).
    /// Process events are capped (2 kills, 2 restarts, 3 partitions) to bound the run time.
    mutating func play(steps: Int) async throws {
        var pending: [(at: Int, node: Int, action: String)] = []
        for step in 0..<steps {
            for event in pending where event.at == step { try await resume(event.node, event.action) }
            pending.removeAll { $0.at <= step }
            switch roll(100) {
            case 0..<50: try await writeBeside(roll(nodes.count), deleted: roll(5) == 0)
            case 50..<62: try await reversedPair(roll(nodes.count))
            case 62..<80: try await writeThroughAPI(roll(nodes.count))
            case 80..<84 where events["kill -9", default: 0] < 2:
                let member = 1 + roll(nodes.count - 1)
                if await stop(member, SIGKILL, "kill -9", within: .seconds(10)) { pending.append((step + 5 + roll(15), member, "start")) }
            case 84..<88 where events["restart", default: 0] < 2:
                let member = 1 + roll(nodes.count - 1)
                if await stop(member, SIGTERM, "restart", within: .seconds(30)) { pending.append((step + 1, member, "start")) }
            case 88..<92 where events["SIGSTOP", default: 0] < 3:
                let node = roll(nodes.count)
                guard nodes[node].health == .running else { break }
                nodes[node].process?.process.signal(SIGSTOP)
                nodes[node].health = .stopped
                events["SIGSTOP", default: 0] += 1
                pending.append((step + 5 + roll(20), node, "continue"))
            case 92..<94 where !joinerAdded && step > steps / 4 && nodes[0].health == .running:
                try await addJoinerKilledDuringItsSnapshot()
            default:
                try await writeBeside(roll(nodes.count), deleted: false)
            }
        }
        if !joinerAdded {
            try await heal()
            try await addJoinerKilledDuringItsSnapshot()
        }
    }

    /// Stops a running member with `signal` and counts `event`; false when it was not running.
    mutating func stop(_ member: Int, _ signal: Int32, _ event: String, within limit: Duration) async -> Bool {
        guard nodes[member].health == .running else { return false }
        nodes[member].process?.process.signal(signal)
        _ = await nodes[member].process?.process.wait(until: .now + limit)
        nodes[member].health = .killed
        events[event, default: 0] += 1
        return true
    }

    mutating func resume(_ node: Int, _ action: String) async throws {
        if action == "continue" {
            nodes[node].process?.process.signal(SIGCONT)
            nodes[node].health = .running
        } else if nodes[node].health == .killed {
            nodes[node].process = try await MeshProcess.start("n\(node)", dir: nodes[node].dir)
            nodes[node].health = .running
            nodes[node].token = nil
        }
    }

    /// Every node running again.
    mutating func heal() async throws {
        for index in nodes.indices where nodes[index].health != .running {
            try await resume(index, nodes[index].health == .stopped ? "continue" : "start")
        }
    }

    /// A note written beside a node (never a stopped one: it may hold the write lock).
    mutating func writeBeside(_ index: Int, deleted: Bool) async throws {
        guard nodes[index].health != .stopped else { return }
        let id = pickNote()
        try await commit(on: index, [(id, stamp(), deleted)])
    }

    /// Two writes stamped in one order and committed in the other, as two writers beside one
    /// node do: HLC order is not commit order.
    mutating func reversedPair(_ index: Int) async throws {
        guard nodes[index].health != .stopped else { return }
        let first = pickNote(), second = "chaos-\(roll(40))"
        guard first != second else { return }
        let early = stamp(), late = stamp()
        events["reversed pair", default: 0] += 1
        try await commit(on: index, [(second, late, false)])
        try await commit(on: index, [(first, early, roll(4) == 0)])
    }

    mutating func pickNote() -> String {
        let apiNotes = writes.keys.filter { !$0.hasPrefix("chaos-") }
        if !apiNotes.isEmpty, roll(4) == 0 { return apiNotes.sorted()[roll(apiNotes.count)] }
        return "chaos-\(roll(40))"
    }

    mutating func commit(on index: Int, _ rows: [(id: String, hlc: Int64, deleted: Bool)]) async throws {
        let origin = try await nodeID(of: index)
        var sql = ".timeout 20000\n"
        for row in rows {
            let content = "v\(row.hlc)"
            sql += """
                INSERT INTO memory_notes(id, owner, type, content, created_at, hlc, origin, deleted)
                VALUES ('\(row.id)', 'shared', 'fact', '\(content)', 0, \(row.hlc), '\(origin)', \(row.deleted ? 1 : 0))
                ON CONFLICT(id) DO UPDATE SET content = excluded.content, hlc = excluded.hlc, origin = excluded.origin,
                    deleted = excluded.deleted;

                """
            writes[row.id, default: []].append(Write(hlc: row.hlc, origin: origin, content: content, deleted: row.deleted))
            events[nodes[index].health == .running ? "sqlite3 write" : "sqlite3 write while down", default: 0] += 1
        }
        let out = try await Subprocess.run(["sqlite3", nodes[index].db], input: sql, timeout: .seconds(60))
        guard out.status == 0 else { throw ChaosFailure(description: "seed \(seed): sqlite3 write failed: \(out.stderr)") }
    }

    /// `memory_store` on a running node; the row's stamp is read back from its file.
    mutating func writeThroughAPI(_ index: Int) async throws {
        guard nodes[index].health == .running, let process = nodes[index].process else { return }
        if nodes[index].token == nil {
            // Only once the user has reached it: failed logins back off.
            let known = try await Subprocess.run(["sqlite3", nodes[index].db, ".timeout 20000", "SELECT count(*) FROM users WHERE email = '\(email)' AND deleted = 0"])
            guard known.stdout.trimmed() == "1" else { return }
            nodes[index].token = try await ReplicationClusterTests.login(process, email, password)
        }
        guard let token = nodes[index].token else { return }   // the user has not reached it yet
        let content = "api note \(roll(1_000_000))"
        let result = try await ReplicationClusterTests.tool(process, token, "memory_store", ["content": .string(content), "scope": "shared"])
        guard let id = result?["structuredContent"]?["id"]?.stringValue else {
            throw ChaosFailure(description: "seed \(seed): memory_store on n\(index) failed: \(String(describing: result))")
        }
        let row = try await Subprocess.run(["sqlite3", "-separator", "|", nodes[index].db,
                                            "SELECT hlc, origin FROM memory_notes WHERE id = '\(id)'"])
        let fields = row.stdout.trimmed().split(separator: "|").map(String.init)
        guard fields.count == 2, let hlc = Int64(fields[0]) else {
            throw ChaosFailure(description: "seed \(seed): note \(id) not found beside n\(index): \(row.stdout)")
        }
        lastStamp = max(lastStamp, hlc)
        writes[id, default: []].append(Write(hlc: hlc, origin: fields[1], content: content, deleted: false))
        events["api write", default: 0] += 1
    }

    /// A fourth node joins and is killed at a random moment of its first 1.5 s (before,
    /// during or after its snapshot), then started again.
    mutating func addJoinerKilledDuringItsSnapshot() async throws {
        joinerAdded = true
        let dir = TemporaryDirectory.make()
        let joined = try await MeshProcess.cli(["join", "wss://127.0.0.1:\(try hubMeshPort())", "--token", joinToken], dir: dir)
        guard joined.status == 0 else { throw ChaosFailure(description: "seed \(seed): join failed: \(joined.stderr)") }
        for (key, value) in ReplicationClusterTests.settings { _ = try await MeshProcess.cli(["config", "set", key, value], dir: dir) }
        let first = try await MeshProcess.start("joiner", dir: dir)
        let delay = roll(1_500)
        events["joiner killed at ms", default: 0] = delay
        try await Task.sleep(for: .milliseconds(delay))
        first.process.signal(SIGKILL)
        _ = await first.process.wait(until: .now + .seconds(10))
        let check = try await Subprocess.run(["sqlite3", dir + "/triforce.db", "PRAGMA integrity_check"])
        guard check.stdout.trimmed() == "ok" else {
            throw ChaosFailure(description: "seed \(seed): joiner's database damaged by kill -9: \(check.stdout)")
        }
        nodes.append(Node(dir: dir, process: try await MeshProcess.start("joiner", dir: dir), health: .running))
    }

    func hubMeshPort() throws -> Int {
        guard let hub = nodes[0].process else { throw ChaosFailure(description: "the hub is not running") }
        return hub.meshPort
    }

    func nodeID(of index: Int) async throws -> String {
        if let id = nodes[index].process?.nodeID { return id }
        let out = try await Subprocess.run(["sqlite3", nodes[index].db, "SELECT node_id FROM node_identity"])
        return out.stdout.trimmed()
    }

    /// The offline last-writer-wins merge: per note, the write with the greatest (hlc, origin).
    var expectedNotes: [String: String] {
        writes.compactMapValues { list in
            list.max { a, b in HLC.wins((HLC(storageValue: b.hlc), b.origin), over: (HLC(storageValue: a.hlc), a.origin)) }
        }.mapValues { "\($0.content)|\($0.deleted ? 1 : 0)|\($0.hlc)|\($0.origin)" }
    }

    /// Every node's notes equal the merge and every node's replicated tables are identical.
    func waitForConvergence(within limit: Duration) async -> (Bool, String) {
        let expected = expectedNotes
        var report = ""
        let ok = await eventually(within: limit, every: .milliseconds(500)) {
            var dumps: [String] = []
            report = ""
            for (index, node) in nodes.enumerated() {
                let notes = (try? await Self.notes(node.db)) ?? [:]
                if notes != expected {
                    let wrong = expected.filter { notes[$0.key] != $0.value }.prefix(3).map { "\($0.key): want \($0.value), has \(notes[$0.key] ?? "nothing")" }
                    let extra = notes.keys.filter { expected[$0] == nil }.prefix(3)
                    report += "n\(index): \(wrong) extra \(Array(extra)); "
                }
                dumps.append((try? await Self.dump(node.db)) ?? "unreadable \(index)")
            }
            if Set(dumps).count != 1 { report += "replicated tables differ between nodes; " }
            return report.isEmpty
        }
        return (ok, report)
    }

    static func notes(_ db: String) async throws -> [String: String] {
        let out = try await Subprocess.run(["sqlite3", "-separator", "|", db, "SELECT id, content, deleted, hlc, origin FROM memory_notes"])
        var notes: [String: String] = [:]
        for line in out.stdout.split(separator: "\n") {
            guard let bar = line.firstIndex(of: "|") else { continue }
            notes[String(line[..<bar])] = String(line[line.index(after: bar)...])
        }
        return notes
    }

    /// Every replicated table, every column, in key order.
    static func dump(_ db: String) async throws -> String {
        let sql = Schema.replicatedKeys.sorted { $0.key < $1.key }.map { table, keys in
            "SELECT '\(table)', * FROM \(table) ORDER BY \(keys.joined(separator: ", "));"
        }.joined(separator: "\n")
        return try await Subprocess.run(["sqlite3", db], input: ".timeout 20000\n" + sql).stdout
    }

    func killAll() {
        for node in nodes { node.process?.process.signal(SIGCONT); node.process?.process.signal(SIGKILL) }
    }

    func stopAll() async {
        for node in nodes { await node.process?.stop() }
    }
}
