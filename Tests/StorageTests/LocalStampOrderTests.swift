import Testing
import Storage
import FoundationEssentials

/// Two processes on one node (the server and the CLI beside it) write the same rows, each with
/// its own clock. Stamps are taken under the write lock after the node's high-water mark, so
/// the node keeps exactly the row a peer applying every write by (hlc, origin) keeps.
@Suite("Local writes stamp under the write lock: commit order is HLC order on a node")
struct LocalStampOrderTests {
    @Test func aWriteCommittedLastWinsEvenWhenItsProcessClockLagsBehind() async throws {
        try await withTemporaryDirectory { directory in
            // Far apart (30 s) so the lag survives any delay on a loaded machine; the skew limit
            // is raised to let such a peer in.
            let skew: Int64 = 60_000, lead: UInt64 = 30_000
            let serverClock = HybridClock()
            let server = try await Database(path: "\(directory)/a.db")
            let serverStore = try await ReplicationStore.open(database: server, nodeID: "a", clock: serverClock,
                                                              maxClockSkewMilliseconds: skew)
            // The CLI opens the same file with its own clock, seeded now (before the peer batch).
            let cli = try await Database(path: "\(directory)/a.db")
            let cliClock = HybridClock()
            let cliOrigin = ReplicaOrigin(nodeID: "a", clock: cliClock)
            let serverOrigin = ReplicaOrigin(nodeID: "a", clock: serverClock)

            // A peer whose wall clock runs ahead: its batch drags the server's clock along.
            let peerClock = HybridClock(wallClock: { HybridClock.systemMilliseconds() + lead })
            let peer = try await Database(path: "\(directory)/b.db")
            let peerStore = try await ReplicationStore.open(database: peer, nodeID: "b", clock: peerClock,
                                                            maxClockSkewMilliseconds: skew)
            _ = try await Self.put(peer, ReplicaOrigin(nodeID: "b", clock: peerClock), "from-b", "peer")
            try await serverStore.apply(try await peerStore.changes(after: 0), from: "b")
            #expect(serverClock.now() > cliClock.now())  // the CLI's clock now lags the server's

            // Same keys, written server first and CLI last: the last commit must hold the newest stamp.
            var batches: [ChangeBatch] = []
            var cursor = try await serverStore.head()
            func capture() async throws {
                let batch = try await serverStore.changes(after: cursor)
                cursor = batch.through
                batches.append(batch)
            }
            let serverN1 = try await Self.put(server, serverOrigin, "n1", "server")
            try await capture()
            let cliN1 = try await Self.put(cli, cliOrigin, "n1", "cli")
            try await capture()
            #expect(cliN1 > serverN1)
            let serverN2 = try await Self.put(server, serverOrigin, "n2", "server")
            try await capture()
            // A real store's tombstone from the CLI, on a row the server stamped ahead of the CLI's clock.
            #expect(try await MemoryStore(database: cli, origin: cliOrigin).delete(id: "n2"))
            try await capture()
            let n2 = try await Self.notes(server)["n2"]
            #expect(n2?.deleted == 1)
            #expect((n2?.hlc).map { $0 > serverN2 } == true)

            // Commit order (sync_log seq) is HLC order for every local write on this node.
            let stamps = batches.flatMap(\.rows).filter { $0.origin == "a" }.compactMap(\.hlc)
            #expect(stamps.count == 4)
            #expect(zip(stamps, stamps.dropFirst()).allSatisfy { $0 < $1 })

            // A peer applying every captured write, newest first, keeps what the node keeps.
            let other = try await Database(path: "\(directory)/c.db")
            let otherStore = try await ReplicationStore.open(database: other, nodeID: "c", clock: HybridClock(),
                                                             maxClockSkewMilliseconds: skew)
            for (index, batch) in batches.enumerated().reversed() {
                try await otherStore.apply(batch, from: "a-\(index)")
            }
            let kept = try await Self.notes(server)
            #expect(kept["n1"]?.content == "cli")
            #expect(try await Self.notes(other) == kept.filter { $0.key != "from-b" })

            for database in [server, cli, peer, other] { await database.close() }
        }
    }

    /// An upsert the way the stores write: stamped inside the transaction that writes it.
    static func put(_ database: Database, _ origin: ReplicaOrigin, _ id: String, _ content: String) async throws -> HLC {
        try await database.transaction { connection in
            let stamp = try origin.stamp(connection)
            try connection.run("""
                INSERT INTO memory_notes(id, owner, type, content, created_at, hlc, origin) VALUES (?, 'u1', 'fact', ?, 0, ?, ?)
                ON CONFLICT(id) DO UPDATE SET content = excluded.content, hlc = excluded.hlc, origin = excluded.origin, deleted = 0
                """, id, content, stamp, origin.nodeID)
            return HLC(storageValue: stamp)
        }
    }

    struct Note: Equatable, Sendable {
        let content: String, deleted: Int64, hlc: HLC, origin: String
    }

    static func notes(_ database: Database) async throws -> [String: Note] {
        try await database.read { connection in
            var result: [String: Note] = [:]
            for row in try connection.query("SELECT id, content, deleted, hlc, origin FROM memory_notes") {
                guard let id = row.string("id"), let hlc = row.hlc("hlc") else { continue }
                result[id] = Note(content: row.string("content") ?? "", deleted: row.int("deleted") ?? -1, hlc: hlc,
                                  origin: row.string("origin") ?? "")
            }
            return result
        }
    }
}
