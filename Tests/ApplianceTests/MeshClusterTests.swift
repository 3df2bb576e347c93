import FoundationEssentials
import Glibc
import Mesh
import Net
import Testing
import TestSupport

/// Real `triforce` processes on loopback: a hub (`ca init`), members that `join` it, then
/// failure detection, leave and revocation as the running nodes report them. Deadlines are
/// generous (a loaded 2-core machine); the timing targets are measured by bench/mesh.sh.
@Suite("Mesh cluster (real processes)", .serialized)
struct MeshClusterTests {
    /// A hub and `members` joined nodes, all serving (each with `settings` stored first);
    /// stopped by the caller.
    static func cluster(members: Int, settings: [String: String] = [:]) async throws -> [MeshProcess] {
        let hubDir = TemporaryDirectory.make()
        let initialised = try await MeshProcess.cli(["ca", "init"], dir: hubDir)
        try #require(initialised.status == 0, "\(initialised.stderr)")
        func store(in dir: String) async throws {
            for (key, value) in settings.sorted(by: { $0.key < $1.key }) {
                let set = try await MeshProcess.cli(["config", "set", key, value], dir: dir)
                try #require(set.status == 0, "config set \(key): \(set.stderr)")
            }
        }
        try await store(in: hubDir)
        let hub = try await MeshProcess.start("hub", dir: hubDir)
        var nodes = [hub]
        do {
            let token = try await MeshProcess.cli(["ca", "token", "create", "--uses", String(members)], dir: hubDir).stdout.trimmed()
            for index in 0..<members {
                let dir = TemporaryDirectory.make()
                let joined = try await MeshProcess.cli(["join", hub.meshURL, "--token", token], dir: dir)
                try #require(joined.status == 0, "join: \(joined.stderr)")
                try await store(in: dir)
                nodes.append(try await MeshProcess.start("m\(index)", dir: dir))
            }
            let ids = Set(nodes.map(\.nodeID))
            let converged = try await eventually(within: .seconds(60), every: .milliseconds(300)) {
                for node in nodes {
                    let view = try await node.view()
                    guard Set(view.keys) == ids, view.values.allSatisfy({ $0 == "alive" }) else { return false }
                }
                return true
            }
            try #require(converged, "the mesh did not converge")
        } catch {
            for node in nodes { await node.stop() }
            throw error
        }
        return nodes
    }

    @Test func joinRefusalsSayWhyAndExitNonZero() async throws {
        try #require(FileManager.default.fileExists(atPath: MeshProcess.binary), "build the triforce binary first")
        let hubDir = TemporaryDirectory.make()
        #expect(try await MeshProcess.cli(["ca", "init"], dir: hubDir).status == 0)
        let hub = try await MeshProcess.start("hub", dir: hubDir)
        defer { hub.process.signal(SIGKILL) }
        let token = try await MeshProcess.cli(["ca", "token", "create", "--uses", "1"], dir: hubDir).stdout.trimmed()

        let first = TemporaryDirectory.make()
        let joined = try await MeshProcess.cli(["join", hub.meshURL, "--token", token], dir: first)
        #expect(joined.status == 0 && joined.stdout.contains("joined the mesh"), "\(joined.stderr)")
        #expect(FileManager.default.fileExists(atPath: first + "/node.crt") && !FileManager.default.fileExists(atPath: first + "/ca/ca.key"))
        let node = try Certificate(file: first + "/node.crt").info
        #expect(node.issuer == (try Certificate(file: hubDir + "/ca/ca.crt")).info.subject)

        let reused = try await MeshProcess.cli(["join", hub.meshURL, "--token", token], dir: TemporaryDirectory.make())
        #expect(reused.status != 0 && reused.stderr.contains("used up"), "\(reused.stderr)")
        let again = try await MeshProcess.cli(["join", hub.meshURL, "--token", token], dir: first)
        #expect(again.status != 0 && again.stderr.contains("already holds"), "\(again.stderr)")

        // Right pin, secret the hub never issued.
        let pin = try Certificate(file: hubDir + "/ca/ca.crt").spkiSHA256
        let forged = "tfjoin1." + Base64URL.encode(Array(JSONValue.object([
            "n": "x", "a": .string("127.0.0.1:\(hub.meshPort)"), "p": .string(pin), "s": "not-a-secret",
            "e": .int(Int64(Date().timeIntervalSince1970) + 600)]).jsonText.utf8))
        let unknown = try await MeshProcess.cli(["join", hub.meshURL, "--token", forged], dir: TemporaryDirectory.make())
        #expect(unknown.status != 0 && unknown.stderr.contains("unknown join token"), "\(unknown.stderr)")

        // A token from another CA: the hub's key does not match its pin; nothing is sent.
        let otherDir = TemporaryDirectory.make()
        #expect(try await MeshProcess.cli(["ca", "init"], dir: otherDir).status == 0)
        let otherToken = try await MeshProcess.cli(["ca", "token", "create"], dir: otherDir).stdout.trimmed()
        let mismatch = try await MeshProcess.cli(["join", hub.meshURL, "--token", otherToken], dir: TemporaryDirectory.make())
        #expect(mismatch.status != 0 && mismatch.stderr.contains("does not match the token's pin"), "\(mismatch.stderr)")

        let expiring = try await MeshProcess.cli(["ca", "token", "create", "--ttl", "1s"], dir: hubDir).stdout.trimmed()
        try await Task.sleep(for: .milliseconds(1100))
        let expired = try await MeshProcess.cli(["join", hub.meshURL, "--token", expiring], dir: TemporaryDirectory.make())
        #expect(expired.status != 0 && expired.stderr.contains("expired"), "\(expired.stderr)")

        let garbage = try await MeshProcess.cli(["join", hub.meshURL, "--token", "hello"], dir: TemporaryDirectory.make())
        #expect(garbage.status != 0 && garbage.stderr.contains("not a join token"))
        await hub.stop()
    }

    @Test func killStopLeaveAndRevocation() async throws {
        try #require(FileManager.default.fileExists(atPath: MeshProcess.binary), "build the triforce binary first")
        let nodes = try await Self.cluster(members: 4)
        defer { for node in nodes { node.process.signal(SIGKILL) } }
        let hub = nodes[0], stopped = nodes[1], killed = nodes[2], leaving = nodes[3], revoked = nodes[4]

        // SIGSTOP for 2 s, then SIGCONT: suspected perhaps, never dead.
        let pausedAt = ContinuousClock.now
        stopped.process.signal(SIGSTOP)
        try await Task.sleep(for: .seconds(2))
        stopped.process.signal(SIGCONT)
        try await Task.sleep(for: .seconds(6))
        for node in nodes where node !== stopped {
            #expect(node.saw(stopped.nodeID, "dead", after: pausedAt) == nil, "\(node.name) declared the stopped node dead")
        }

        // kill -9: dead at every other member.
        let killedAt = ContinuousClock.now
        killed.process.signal(SIGKILL)
        let survivors = nodes.filter { $0 !== killed }
        #expect(await eventually(within: .seconds(30)) { survivors.allSatisfy { $0.saw(killed.nodeID, "dead", after: killedAt) != nil } })

        // Graceful leave (SIGTERM): "left" everywhere, and the process exits cleanly.
        let leftAt = ContinuousClock.now
        leaving.process.signal(SIGTERM)
        #expect(await leaving.process.wait(until: .now + .seconds(30)) == 0)
        let remaining = survivors.filter { $0 !== leaving }
        #expect(await eventually(within: .seconds(10)) { remaining.allSatisfy { $0.saw(leaving.nodeID, "left", after: leftAt) != nil } })

        // Revocation on the CA node reaches every member, which drops the revoked node.
        let revokedAt = ContinuousClock.now
        let revoke = try await MeshProcess.cli(["ca", "revoke", revoked.nodeID], dir: hub.dir)
        #expect(revoke.status == 0, "\(revoke.stderr)")
        let others = remaining.filter { $0 !== revoked }
        #expect(await eventually(within: .seconds(30)) { others.allSatisfy { $0.saw(revoked.nodeID, "dead", after: revokedAt) != nil } })
        let view = try await hub.view()
        #expect(view[revoked.nodeID] == "dead" && view[killed.nodeID] == "dead" && view[leaving.nodeID] == "left")
        #expect(view[stopped.nodeID] == "alive")
        for node in nodes { await node.stop() }
    }
}

extension MeshClusterTests {
    /// A member with a valid certificate sends garbage, floods and lies: nobody crashes, the
    /// lies do not kill or move anyone. Then a member restarts with the same identity and is
    /// alive everywhere again.
    @Test func maliciousMemberThenRestartWithSameIdentity() async throws {
        try #require(FileManager.default.fileExists(atPath: MeshProcess.binary), "build the triforce binary first")
        let nodes = try await Self.cluster(members: 2)
        defer { for node in nodes { node.process.signal(SIGKILL) } }
        let hub = nodes[0], victim = nodes[1], other = nodes[2]
        let addressBefore = try await hub.status()?["members"]?.arrayValue?.first { $0["id"]?.stringValue == victim.nodeID }?["address"]

        // The attacker joins properly (a real certificate), then misbehaves on a raw link.
        let evilDir = TemporaryDirectory.make()
        let token = try await MeshProcess.cli(["ca", "token", "create"], dir: hub.dir).stdout.trimmed()
        #expect(try await MeshProcess.cli(["join", hub.meshURL, "--token", token], dir: evilDir).status == 0)
        let tls = try MbedTLSContext(configuration: .client(
            trustRoots: .file(evilDir + "/ca/ca.crt"), certificateChain: .file(evilDir + "/node.crt"), privateKey: .file(evilDir + "/node.key")))
        let connection = try await MeshClient(tls: tls).connect(to: PeerAddress(host: "127.0.0.1", port: hub.meshPort))
        let (outbound, writer) = AsyncStream.makeStream(of: WebSocketTransport.Item.self)
        let link = Task { try? await connection.run(outbound: outbound) { _ in } }
        func notify(_ method: String, _ params: JSONValue) {
            writer.yield(.text(JSONRPC.notification(method, params).jsonText))
        }
        // The false address is a loopback port nobody serves: a member that needs the victim
        // unlinked dials it once as an unverified candidate (tests stay on loopback).
        let lie: (String, Int64) -> JSONValue = { state, inc in
            ["id": .string(victim.nodeID), "state": .string(state), "inc": .int(inc),
             "meta": ["mesh": "127.0.0.1:1", "api": "127.0.0.1:2", "version": "evil", "started": 0]]
        }
        for round in 0..<300 {
            writer.yield(.text("garbage \(round) {{{"))
            writer.yield(.text(#"{"jsonrpc":"2.0","id":1e400,"method":"ping"}"#))
            notify("mesh/gossip", ["updates": [lie("dead", Int64(round)), lie("left", Int64(round)), lie("alive", Int64(round) + 1000),
                                               lie("alive", Int64.max)]])
            notify("mesh/ping-req", ["seq": .int(Int64(round)), "target": .string(victim.nodeID)])
            notify("mesh/sync", ["members": .array((0..<50).map { index in
                ["id": .string("ghost-\(round)-\(index)"), "state": "alive", "inc": 0,
                 "meta": ["mesh": "127.0.0.1:1", "api": "", "version": "", "started": 0]]
            })])
        }
        writer.yield(.text(JSONValue.object(["jsonrpc": "2.0", "id": 2, "method": "ping"]).jsonText))
        try await Task.sleep(for: .seconds(3))
        writer.yield(.close)
        writer.finish()
        _ = await link.value

        // Everyone still answers; the victim is alive at its real address in every view.
        for node in [hub, other] {
            let status = try #require(try await node.status(), "\(node.name) stopped answering")
            let seen = status["members"]?.arrayValue?.first { $0["id"]?.stringValue == victim.nodeID }
            #expect(seen?["state"] == "alive", "\(node.name): \(String(describing: seen))")
            #expect(seen?["address"] == addressBefore && seen?["address"] != "127.0.0.1:1")
            #expect((status["members"]?.arrayValue?.count ?? 0) <= 1024, "the member table stays bounded")
        }
        #expect(hub.saw(victim.nodeID, "dead", after: .now - .seconds(120)) == nil)

        // Renewal beside a running link: a new certificate for the same key and node; the
        // one-shot connection does not disturb the member's link.
        let serialBefore = try Certificate(file: other.dir + "/node.crt").info.serialHex
        let renewed = try await MeshProcess.cli(["mesh", "renew"], dir: other.dir)
        #expect(renewed.status == 0 && renewed.stdout.contains("renewed"), "\(renewed.stderr)")
        let after = try Certificate(file: other.dir + "/node.crt").info
        #expect(after.serialHex != serialBefore && after.nodeID == other.nodeID)
        #expect(try await hub.view()[other.nodeID] == "alive")
        #expect(hub.saw(other.nodeID, "suspect", after: .now - .seconds(5)) == nil,
                "hub:\n\(hub.log(since: .now - .seconds(8)))\nother:\n\(other.log(since: .now - .seconds(8)))")

        // Restart with the same data dir: same node id, alive again everywhere.
        let killedAt = ContinuousClock.now
        victim.process.signal(SIGKILL)
        _ = await victim.process.wait()
        #expect(await eventually(within: .seconds(30)) { [hub, other].allSatisfy { $0.saw(victim.nodeID, "dead", after: killedAt) != nil } })
        let restarted = try await MeshProcess.start("m0-again", dir: victim.dir)
        defer { restarted.process.signal(SIGKILL) }
        #expect(restarted.nodeID == victim.nodeID)
        let back = try await eventually(within: .seconds(60), every: .milliseconds(300)) {
            for node in [hub, other] where try await node.view()[victim.nodeID] != "alive" { return false }
            return try await restarted.view()[hub.nodeID] == "alive"
        }
        #expect(back, "the restarted member did not come back alive")
        let health = try await Curl.request("http://127.0.0.1:\(hub.apiPort)/health")
        #expect(health.json?["checks"]?["mesh"]?["detail"]?.stringValue?.contains("linked") == true, "\(health.body)")
        await restarted.stop()
        for node in nodes { await node.stop() }
    }
}

extension MeshClusterTests {
    /// The guardian watches the mesh members it was never told about: `triforce guardian
    /// --once` (asking the running node) and the server's own rounds (in `/health`) both
    /// probe the other member at the API address it advertises.
    @Test func guardianWatchesTheMeshMembers() async throws {
        try #require(FileManager.default.fileExists(atPath: MeshProcess.binary), "build the triforce binary first")
        let nodes = try await Self.cluster(members: 1, settings: ["guardian_interval_seconds": "5"])
        defer { for node in nodes { node.process.signal(SIGKILL) } }
        let hub = nodes[0], member = nodes[1]

        let out = try await MeshProcess.cli(["guardian", "--once", "--json", "--url", "http://127.0.0.1:\(hub.apiPort)",
                                             "--mesh-port", String(hub.meshPort)], dir: hub.dir)
        #expect(out.status == 0, "\(out.stdout) \(out.stderr)")
        let reported = JSONValue.parse(out.stdout)?["nodes"]?.arrayValue ?? []
        let seen = reported.first { $0["name"]?.stringValue == member.nodeID }
        #expect(seen?["node_id"]?.stringValue == member.nodeID, "\(out.stdout)")
        #expect(seen?["url"]?.stringValue == "http://127.0.0.1:\(member.apiPort)" && seen?["status"] != "fail", "\(out.stdout)")
        #expect(!reported.contains { $0["node_id"]?.stringValue == hub.nodeID && $0["name"]?.stringValue != "local" },
                "this node is not watched as its own peer: \(out.stdout)")

        // The server's guardian: a round after the mesh converged watches the member too.
        let watched = await eventually(within: .seconds(60), every: .milliseconds(500)) {
            let health = try? await Curl.request("http://127.0.0.1:\(hub.apiPort)/health")
            return health?.json?["checks"]?["guardian"]?["detail"]?.stringValue?.contains("1 peer(s)") == true
        }
        #expect(watched, "the server's guardian never watched the mesh member")
        for node in nodes { await node.stop() }
    }
}
