import FoundationEssentials
import Glibc
import Mesh
import Net
import Synchronization
import Testing
import TestSupport

/// Issue 11, with real processes: a member's address heard second-hand is only a candidate,
/// and the hub takes it once its own dial's certificate check proves it. The member `moved`
/// serves on a port the hub never heard from it (its only configured peer is a port nobody
/// serves, so it never dials the hub); a raw mTLS link holding a third member's certificate
/// (the relay) passes on news about it, first a wrong address, then a false one and the real one.
@Suite("Mesh address candidates (real processes)", .serialized)
struct MeshAddressTests {
    @Test func aSecondHandAddressIsTakenOnlyOnceADialProvesIt() async throws {
        try #require(FileManager.default.fileExists(atPath: MeshProcess.binary), "build the triforce binary first")
        let hubDir = TemporaryDirectory.make(), movedDir = TemporaryDirectory.make(), relayDir = TemporaryDirectory.make()
        let initialised = try await MeshProcess.cli(["ca", "init"], dir: hubDir)
        try #require(initialised.status == 0, "\(initialised.stderr)")
        let hub = try await MeshProcess.start("hub", dir: hubDir)
        var running = [hub]
        defer { for node in running { node.process.signal(SIGKILL) } }
        let token = try await MeshProcess.cli(["ca", "token", "create", "--uses", "2"], dir: hubDir).stdout.trimmed()
        for dir in [movedDir, relayDir] {
            let joined = try await MeshProcess.cli(["join", hub.meshURL, "--token", token], dir: dir)
            try #require(joined.status == 0, "join: \(joined.stderr)")
        }
        let configured = try await MeshProcess.cli(["config", "set", "peers", "127.0.0.1:1"], dir: movedDir)
        try #require(configured.status == 0, "\(configured.stderr)")
        let moved = try await MeshProcess.start("moved", dir: movedDir)
        running.append(moved)
        let real = "127.0.0.1:\(moved.meshPort)"

        let tls = try MbedTLSContext(configuration: .client(
            trustRoots: .file(relayDir + "/ca/ca.crt"), certificateChain: .file(relayDir + "/node.crt"),
            privateKey: .file(relayDir + "/node.key")))
        let connection = try await MeshClient(tls: tls).connect(to: PeerAddress(host: "127.0.0.1", port: hub.meshPort))
        let (outbound, writer) = AsyncStream.makeStream(of: WebSocketTransport.Item.self)
        let link = Task { try? await connection.run(outbound: outbound) { _ in } }
        func relay(_ claims: [(Int64, String)]) {
            let updates: [JSONValue] = claims.map { incarnation, address in
                ["id": .string(moved.nodeID), "state": "alive", "inc": .int(incarnation),
                 "meta": ["mesh": .string(address), "api": "", "version": "relayed", "started": 0]]
            }
            writer.yield(.text(JSONRPC.notification("mesh/gossip", ["updates": .array(updates)]).jsonText))
        }
        func seen() async throws -> JSONValue? {
            try await hub.status()?["members"]?.arrayValue?.first { $0["id"]?.stringValue == moved.nodeID }
        }

        // A member the hub never saw is learned from the relay's word, wrong address and all
        // (a dial proves or disproves it: nothing listens there).
        relay([(0, "127.0.0.1:9")])
        #expect(try await eventually(within: .seconds(30), every: .milliseconds(200)) {
            try await seen()?["address"]?.stringValue == "127.0.0.1:9"
        }, "the hub never learned \(moved.name) from the relay")
        // Then news of two addresses, a false one (nobody serves it) and the real one: both
        // are candidates, dialed beside the known address; the certificate proves the real one.
        relay([(1, "127.0.0.1:2"), (2, real)])
        let proven = try await eventually(within: .seconds(60), every: .milliseconds(300)) {
            let member = try await seen()
            return member?["address"]?.stringValue == real && member?["state"]?.stringValue == "alive"
                && member?["linked"]?.boolValue == true
        }
        let last = try await seen()
        #expect(proven, "the hub's view: \(String(describing: last))")
        #expect(hub.lines.withLock { lines in
            lines.contains { $0.line.contains("new address verified") && $0.line.contains("member=\(moved.nodeID)")
                && $0.line.contains("address=\(real)") }
        }, "the hub did not log the proof")
        // The member is in the mesh now (the hub's dial made the link): it sees the hub alive.
        #expect(try await eventually(within: .seconds(30), every: .milliseconds(300)) {
            try await moved.view()[hub.nodeID] == "alive"
        })

        writer.yield(.close)
        writer.finish()
        _ = await link.value
        await moved.stop()
        await hub.stop()
    }
}
