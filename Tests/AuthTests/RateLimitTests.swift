import Core
import Testing
import Auth
import Net
import Storage
import FoundationEssentials
import TestSupport
import Synchronization

/// GCRA quotas: exact under 64 racing clients, kept across restarts, headers on every
/// limited response.
@Suite struct RateLimitTests {
    @Test func exactlyTheQuotaPassesWith64ConcurrentClients() async throws {
        let directory = TemporaryDirectory.make()
        try await AuthHarness.run(directory: directory) { h in
            try await h.services.tiers.set(Tier(name: "ten", requestsPerHour: 10, features: [.chat], modelsRule: .everything))
            let token = try await h.userToken("racer@example.com", tier: "ten")
            // One curl process opening 64 connections at once (64 curl processes would starve
            // the test's 2-core cooperative pool): status and rate headers per response.
            var argv = ["curl", "-s", "--parallel", "--parallel-immediate", "--parallel-max", "64", "-X", "POST",
                        "-H", "Authorization: Bearer \(token)", "-H", "Content-Type: application/json", "-d", "{}"]
            for _ in 0..<64 {
                argv += ["-o", "/dev/null", "-w", "%{http_code} %header{x-ratelimit-limit} %header{x-ratelimit-remaining} %header{x-ratelimit-reset} %header{retry-after}\\n",
                         h.baseURL + "/v1/chat/completions"]
            }
            let output = try await Subprocess.run(argv)
            let lines = output.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: false).map(String.init) }
            #expect(lines.count == 64)
            #expect(lines.filter { $0.first == "200" }.count == 10)
            #expect(lines.filter { $0.first == "429" }.count == 54)
            for fields in lines where fields.count == 5 {
                #expect(fields[1] == "10")
                #expect(!fields[2].isEmpty && !fields[3].isEmpty)
                if fields[0] == "429" { #expect(Int(fields[4]) ?? 0 >= 1) }
            }
            let remaining = Set(lines.filter { $0.first == "200" }.map { $0[2] })
            #expect(remaining == Set((0..<10).map(String.init)))
        }
        // Reopen the same database: the quota is still spent.
        try await AuthHarness.run(directory: directory) { h in
            let login = try await h.login("racer@example.com", "password-racer@example.com")
            let token = try #require(login.json?["token"]?.stringValue)
            #expect(try await h.request("/v1/chat", token: token).status == 429)
            let me = try await h.request("/v1/client/me", method: "GET", token: token)
            #expect(me.json?["quota"]?["remaining"] == 0)
        }
    }

    @Test func limiterIsExactWhenCalledConcurrently() async throws {
        let database = try await Database(path: TemporaryDirectory.make() + "/t.db")
        let limiter = RateLimiter(database: database)
        let allowed = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<64 { group.addTask { try await limiter.consume(subject: "guest:10.0.0.1", limitPerHour: 7).allowed } }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(allowed == 7)
        #expect(try await limiter.peek(subject: "guest:10.0.0.1", limitPerHour: 7).remaining == 0)
        #expect(try await limiter.consume(subject: "guest:10.0.0.2", limitPerHour: 7).remaining == 6)
        await database.close()
    }

    @Test func extremeTierLimitsNeitherTrapNorMisbehave() async throws {
        let database = try await Database(path: TemporaryDirectory.make() + "/t.db")
        let limiter = RateLimiter(database: database)
        for limit in [Int.min, -5, 0] {
            #expect(try await limiter.peek(subject: "x\(limit)", limitPerHour: limit).remaining == 0)
            #expect(!(try await limiter.consume(subject: "x\(limit)", limitPerHour: limit).allowed))
        }
        for _ in 0..<3 { #expect(try await limiter.consume(subject: "max", limitPerHour: Int.max).allowed) }
        #expect(try await limiter.peek(subject: "max", limitPerHour: Int.max).remaining > 1_000_000)
        await database.close()
    }

    @Test func gcraRefillsOneRequestPerInterval() async throws {
        let database = try await Database(path: TemporaryDirectory.make() + "/t.db")
        let clock = MillisecondClock()
        let limiter = RateLimiter(database: database, now: { clock.now })
        for _ in 0..<2 { #expect(try await limiter.consume(subject: "s", limitPerHour: 2).allowed) }
        let denied = try await limiter.consume(subject: "s", limitPerHour: 2)
        #expect(!denied.allowed && denied.retryAfterSeconds == 1_800)
        clock.advance(1_800_000)
        #expect(try await limiter.consume(subject: "s", limitPerHour: 2).allowed)
        #expect(!(try await limiter.consume(subject: "s", limitPerHour: 2).allowed))
        await database.close()
    }

    @Test func guestsAreLimitedByClientAddressAndUnlimitedTierHasNoHeaders() async throws {
        try await AuthHarness.run { h in
            var responses: [CurlResponse] = []
            for _ in 0..<11 { responses.append(try await h.request("/v1/chat")) }
            #expect(responses.prefix(10).allSatisfy { $0.status == 200 })
            #expect(responses.last?.status == 429)
            #expect(responses.first?.json?["subject"] == "guest:127.0.0.1")
            let root = try await h.userToken("root@example.com", tier: "unlimited", role: .admin)
            let response = try await h.request("/v1/chat", token: root)
            #expect(response.status == 200)
            #expect(response.headers["x-ratelimit-limit"] == nil)
        }
    }

    @Test func forwardedForIsTrustedOnlyFromConfiguredProxies() {
        #expect(ClientAddress.resolve(peer: "203.0.113.9", forwardedFor: "1.2.3.4", trusted: []) == "203.0.113.9")
        #expect(ClientAddress.resolve(peer: "10.0.0.1", forwardedFor: "1.2.3.4, 10.0.0.2", trusted: ["10.0.0.1", "10.0.0.2"]) == "1.2.3.4")
        #expect(ClientAddress.resolve(peer: "10.0.0.1", forwardedFor: "6.6.6.6, 1.2.3.4", trusted: ["10.0.0.1"]) == "1.2.3.4")
        #expect(ClientAddress.resolve(peer: "10.0.0.1", forwardedFor: "evil text", trusted: ["10.0.0.1"]) == "10.0.0.1")
    }
}

/// A settable millisecond clock for GCRA tests.
final class MillisecondClock: Sendable {
    private let value = Mutex<Int64>(1_700_000_000_000)
    var now: Int64 { value.withLock { $0 } }
    func advance(_ milliseconds: Int64) { value.withLock { $0 += milliseconds } }
}

/// The hourly limit across the mesh: other nodes' replicated window counts for this hour
/// (rows of `rate_windows` a peer's batch brought) leave only the rest of the quota here.
@Suite struct MeshRateLimitTests {
    @Test func otherNodesCountsForThisHourShareTheQuota() async throws {
        let database = try await Database(path: TemporaryDirectory.make() + "/t.db")
        let clock = MillisecondClock()
        let origin = ReplicaOrigin(nodeID: "node-a", clock: HybridClock())
        let limiter = RateLimiter(database: database, origin: origin, now: { clock.now })
        let window = (clock.now / 3_600_000) * 3_600
        // Alone: GCRA as before.
        #expect(try await limiter.consume(subject: "s", limitPerHour: 5).allowed)
        // Two other nodes allowed 1 and 2 requests this hour (as a replicated batch would write).
        try await database.write { connection in
            try connection.run("INSERT INTO rate_windows(node, subject, window_start, requests, hlc, origin) VALUES ('node-b', 's', ?, 1, 1, 'node-b')", window)
            try connection.run("INSERT INTO rate_windows(node, subject, window_start, requests, hlc, origin) VALUES ('node-c', 's', ?, 2, 1, 'node-c')", window)
            // Last hour's counts do not count.
            try connection.run("INSERT INTO rate_windows(node, subject, window_start, requests, hlc, origin) VALUES ('node-b', 's', ?, 50, 1, 'node-b')", window - 3_600)
        }
        #expect(try await limiter.consume(subject: "s", limitPerHour: 5).allowed)      // own 1 + others 3 < 5
        let denied = try await limiter.consume(subject: "s", limitPerHour: 5)
        #expect(!denied.allowed && denied.retryAfterSeconds > 0)
        await database.flushQueuedWrites()
        let own = try await database.read {
            try $0.scalar("SELECT requests FROM rate_windows WHERE node = 'node-a' AND subject = 's' AND window_start = ?", window)
        }
        #expect(own == .integer(2))
        await database.close()
    }
}

/// The mesh-wide guarantee, with two real nodes whose `rate_windows` rows travel as
/// replication batches: a node that holds the others' counts for the subject's clock hour
/// admits only while its count plus theirs is below the limit. What nodes admit before they
/// hold each other's counts (the replication delay) is the only overshoot; a node that has
/// seen no other node's count this hour decides by GCRA alone, as without a mesh.
@Suite struct MeshRateLimitGuaranteeTests {
    struct Node {
        let id: String
        let database: Database
        let store: ReplicationStore
        let limiter: RateLimiter

        static func open(_ id: String, clock: MillisecondClock) async throws -> Node {
            let database = try await Database(path: TemporaryDirectory.make() + "/\(id).db")
            let hybrid = HybridClock()
            let store = try await ReplicationStore.open(database: database, nodeID: id, clock: hybrid)
            let limiter = RateLimiter(database: database, origin: ReplicaOrigin(nodeID: id, clock: hybrid), now: { clock.now })
            return Node(id: id, database: database, store: store, limiter: limiter)
        }

        func allowed(_ limit: Int) async throws -> Bool {
            try await limiter.consume(subject: "user-1", limitPerHour: limit).allowed
        }

        /// Everything `other` logged that this node has not pulled (its counts written first).
        func pull(from other: Node) async throws {
            await other.database.flushQueuedWrites()
            while true {
                let cursor = try await store.cursor(for: other.id, epoch: other.store.epoch)
                let batch = try await other.store.changes(after: cursor)
                try await store.apply(batch, from: other.id)
                if !batch.more { return }
            }
        }
    }

    @Test func countsThatHaveArrivedHoldTheLimitAcrossNodes() async throws {
        let clock = MillisecondClock()
        let a = try await Node.open("node-a", clock: clock), b = try await Node.open("node-b", clock: clock)
        // Replicated after every request: exactly the limit passes, whichever node serves.
        var admitted = 0
        for request in 0..<20 {
            let (serving, other) = request % 2 == 0 ? (a, b) : (b, a)
            if try await serving.allowed(6) { admitted += 1 }
            try await other.pull(from: serving)
        }
        #expect(admitted == 6)
        // Half an hour later GCRA alone would admit 3 more on each node; the shared hour is full.
        clock.advance(1_800_000)
        #expect(try await a.allowed(6) == false)
        #expect(try await b.allowed(6) == false)
        await a.database.close()
        await b.database.close()
    }

    @Test func theOvershootIsWhatNodesAdmitBeforeTheCountsArrive() async throws {
        let clock = MillisecondClock()
        clock.advance(3_600_000 - clock.now % 3_600_000)          // the start of a clock hour
        let a = try await Node.open("node-a", clock: clock), b = try await Node.open("node-b", clock: clock)
        // Partitioned: each node admits a full burst (it holds no other node's count).
        var admitted = 0
        for _ in 0..<8 { if try await a.allowed(4) { admitted += 1 } }
        for _ in 0..<8 { if try await b.allowed(4) { admitted += 1 } }
        #expect(admitted == 8)
        // Healed: neither admits anything more this hour, although GCRA has refilled.
        try await a.pull(from: b)
        try await b.pull(from: a)
        clock.advance(1_800_000)
        #expect(try await a.allowed(4) == false)
        #expect(try await b.allowed(4) == false)
        // The next clock hour starts from zero across the mesh.
        clock.advance(1_800_000)
        #expect(try await a.allowed(4))
        await a.database.close()
        await b.database.close()
    }
}
