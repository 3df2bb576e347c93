import Testing
import Storage
import FoundationEssentials
import TestSupport

/// One node for replication tests: a real SQLite file, its clock and its store.
private struct TestNode {
    let id: String
    let database: Database
    let clock: HybridClock
    let store: ReplicationStore

    static func open(_ id: String, in directory: String, offset: Int64 = 0, skew: Int64 = 1_000) async throws -> TestNode {
        let database = try await Database(path: "\(directory)/\(id).db")
        let clock = HybridClock(wallClock: { UInt64(Int64(HybridClock.systemMilliseconds()) + offset) })
        let store = try await ReplicationStore.open(database: database, nodeID: id, clock: clock, maxClockSkewMilliseconds: skew)
        return TestNode(id: id, database: database, clock: clock, store: store)
    }

    /// Writes (or overwrites, or tombstones) a note the way MemoryStore does: a fresh stamp.
    @discardableResult
    func putNote(_ noteID: String, _ content: String, deleted: Bool = false) async throws -> (HLC, String) {
        let stamp = clock.now()
        let nodeID = id
        try await database.write { connection in
            try connection.run("""
                INSERT INTO memory_notes(id, owner, type, content, created_at, hlc, origin, deleted) VALUES (?, 'u1', 'fact', ?, 0, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET content = excluded.content, hlc = excluded.hlc, origin = excluded.origin, deleted = excluded.deleted
                """, noteID, content, stamp, nodeID, deleted)
        }
        return (stamp, nodeID)
    }

    /// Pulls everything `from` has that this node has not, page by page.
    func pull(from other: TestNode, limit: Int = 7) async throws {
        while true {
            let cursor = try await store.cursor(for: other.id, epoch: other.store.epoch)
            let batch = try await other.store.changes(after: cursor, limit: limit)
            try await store.apply(batch, from: other.id)
            if !batch.more { return }
        }
    }

    func notes() async throws -> [String: String] {
        try await database.read { connection in
            var result: [String: String] = [:]
            for row in try connection.query("SELECT id, content, deleted, hlc, origin FROM memory_notes") {
                result[row.string("id") ?? ""] = "\(row.string("content") ?? "")|\(row.int("deleted") ?? 0)|\(row.int("hlc") ?? 0)|\(row.string("origin") ?? "")"
            }
            return result
        }
    }

    func search(_ word: String) async throws -> Int64 {
        try await database.read { connection in
            try connection.scalar("""
                SELECT count(*) FROM memory_fts JOIN memory_notes n ON n.rowid = memory_fts.rowid
                WHERE memory_fts MATCH ? AND n.deleted = 0
                """, word)?.int64 ?? -1
        }
    }
}

@Suite("ReplicationStore: change log, LWW batches, clock skew, tombstones, snapshots")
struct ReplicationStoreTests {
    @Test func logCapturesWritesFromEveryConnection() async throws {
        try await withTemporaryDirectory { directory in
            let node = try await TestNode.open("a", in: directory)
            // A second Database on the same file stands in for the CLI running beside the server.
            let cli = try await Database(path: "\(directory)/a.db")
            try await cli.write { connection in
                try connection.run("INSERT INTO users(id, email, password_hash, created_at, updated_at, hlc, origin) VALUES ('u1', 'a@x', 'h', 0, 0, 5, 'a')")
            }
            await cli.close()
            let batch = try await node.store.changes(after: 0)
            #expect(batch.rows.map(\.table) == ["users"])
            #expect(batch.rows.first?.value("email") == .text("a@x"))
            #expect(try await node.store.head() == batch.through)
            // An update moves the row to the end of the log, once.
            try await node.putNote("n1", "one")
            try await node.database.write { try $0.run("UPDATE users SET tier = 'pro', hlc = 9 WHERE id = 'u1'") }
            let again = try await node.store.changes(after: 0)
            #expect(again.rows.map(\.table) == ["memory_notes", "users"])
            let newestOfA = try await node.store.vector()["a"] ?? HLC(rawValue: 0)
            #expect(newestOfA > HLC(storageValue: 9))       // the note's clock stamp
            await node.database.close()
        }
    }

    @Test func batchesApplyIdempotentlyInAnyOrderByLastWriterWins() async throws {
        try await withTemporaryDirectory { directory in
            let a = try await TestNode.open("a", in: directory)
            let b = try await TestNode.open("b", in: directory)
            try await a.putNote("n1", "first")
            let early = try await a.store.changes(after: 0)
            try await a.putNote("n1", "second")
            let late = try await a.store.changes(after: early.through)
            // Newer first, then the older one and duplicates: the newer content stays.
            let outcome = try await b.store.apply(late, from: "a")
            #expect(outcome.cursor == 0)            // a gap: the cursor waits for the pull
            try await b.store.apply(early, from: "a")
            try await b.store.apply(late, from: "a")
            try await b.store.apply(early, from: "a")
            #expect(try await b.notes()["n1"]?.hasPrefix("second|0") == true)
            #expect(try await b.store.cursor(for: "a", epoch: a.store.epoch) == late.through)
            #expect(try await b.search("second") == 1)
            #expect(try await b.search("first") == 0)
            // Rows applied from a peer keep their hlc and origin, in the log too.
            #expect(try await b.notes() == a.notes())
            #expect(try await b.store.vector() == a.store.vector())
            // A tombstone replicates as a row; the FTS index follows.
            try await a.putNote("n1", "second", deleted: true)
            try await b.pull(from: a)
            #expect(try await b.search("second") == 0)
            await a.database.close()
            await b.database.close()
        }
    }

    @Test func clockSkewedPeerIsRefusedAndRecorded() async throws {
        try await withTemporaryDirectory { directory in
            let skewed = try await TestNode.open("fast", in: directory, offset: 600_000)
            let b = try await TestNode.open("b", in: directory)
            try await skewed.putNote("n1", "from the future")
            let batch = try await skewed.store.changes(after: 0)
            await #expect(throws: Refusal.self) { try await b.store.apply(batch, from: "fast") }
            // Rows stamped ahead are refused even when the sender lies about its clock.
            var lying = batch
            lying.senderMilliseconds = Int64(HybridClock.systemMilliseconds())
            await #expect(throws: Refusal.self) { try await b.store.apply(lying, from: "fast") }
            var overflow = batch
            overflow.senderMilliseconds = .min
            await #expect(throws: Refusal.self) { try await b.store.apply(overflow, from: "fast") }
            #expect(try await b.notes().isEmpty)
            let state = try await b.store.peerStates().first { $0.peer == "fast" }
            #expect(state?.refused == 3)
            #expect(state?.lastRefusal.hasPrefix("clock_skew") == true)
            // Our own clock never goes backwards, even when the wall clock does.
            let before = b.clock.now()
            b.clock.advance(past: HLC(milliseconds: before.milliseconds + 50_000, counter: 0))
            #expect(b.clock.now() > before)
            await skewed.database.close()
            await b.database.close()
        }
    }

    /// A peer's reported head and the cursor it moved are its numbers: the lag read by
    /// `/health` saturates instead of trapping (a head of Int64.min crashed every restart).
    @Test func lagOfPeerNumbersSaturates() async throws {
        try await withTemporaryDirectory { directory in
            let node = try await TestNode.open("a", in: directory)
            try await node.store.recordDigest(from: "low", epoch: "e", head: .min, vector: VersionVector())
            try await node.store.recordDigest(from: "high", epoch: "e", head: .max, vector: VersionVector())
            try await node.database.write { connection in
                try connection.run("UPDATE sync_peers SET cursor = CASE peer WHEN 'low' THEN 5 ELSE -9223372036854775807 END")
            }
            let lags = Dictionary(uniqueKeysWithValues: try await node.store.peerStates().map { ($0.peer, $0.lagRows) })
            #expect(lags == ["low": 0, "high": .max])
            await node.database.close()
        }
    }

    @Test func malformedBatchesAreRefusedWhole() async throws {
        try await withTemporaryDirectory { directory in
            let a = try await TestNode.open("a", in: directory)
            let b = try await TestNode.open("b", in: directory)
            try await a.putNote("n1", "ok")
            var batch = try await a.store.changes(after: 0)
            batch.rows.append(ReplicatedRow(table: "settings", columns: ["key"], values: [.text("x")]))
            await #expect(throws: Refusal.self) { try await b.store.apply(batch, from: "a") }
            var other = try await a.store.changes(after: 0)
            other.schemaVersion += 1
            await #expect(throws: Refusal.self) { try await b.store.apply(other, from: "a") }
            #expect(try await b.notes().isEmpty)
            await a.database.close()
            await b.database.close()
        }
    }

    @Test func sameEmailOnTwoNodesSettlesTheSameWayEverywhere() async throws {
        try await withTemporaryDirectory { directory in
            let a = try await TestNode.open("a", in: directory)
            let b = try await TestNode.open("b", in: directory)
            for node in [a, b] {
                let stamp = node.clock.now()
                let id = node.id
                try await node.database.write { connection in
                    try connection.run("INSERT INTO users(id, email, password_hash, created_at, updated_at, hlc, origin) VALUES (?, 'same@x', 'h', 0, 0, ?, ?)",
                                       "user-\(id)", stamp, id)
                }
            }
            try await a.pull(from: b)
            try await b.pull(from: a)
            let live: @Sendable (Connection) throws -> [String] = { connection in
                try connection.query("SELECT id FROM users WHERE deleted = 0").compactMap { $0.string("id") }
            }
            let onA = try await a.database.read(live)
            #expect(onA.count == 1)
            #expect(try await b.database.read(live) == onA)
            await a.database.close()
            await b.database.close()
        }
    }

    @Test func tombstonesGoOnlyWhenAcknowledgedAndOld() async throws {
        try await withTemporaryDirectory { directory in
            let a = try await TestNode.open("a", in: directory)
            try await a.putNote("n1", "gone", deleted: true)
            try await a.putNote("n2", "kept")
            let vector = try await a.store.vector()
            // Acknowledged but young: kept.
            #expect(try await a.store.collectTombstones(acknowledged: vector) == 0)
            // Old enough but not acknowledged by every member: kept.
            #expect(try await a.store.collectTombstones(acknowledged: VersionVector.minimum(of: [vector, VersionVector()]),
                                                         horizonMilliseconds: -60_000) == 0)
            #expect(try await a.store.collectTombstones(acknowledged: vector, horizonMilliseconds: -60_000) == 1)
            #expect(try await a.notes().keys.sorted() == ["n2"])
            await a.database.close()
        }
    }

    @Test func snapshotInstallsReplicatedTablesAndKeepsLocalOnes() async throws {
        try await withTemporaryDirectory { directory in
            let a = try await TestNode.open("a", in: directory)
            let b = try await TestNode.open("b", in: directory)
            for index in 0..<300 { try await a.putNote("a\(index)", "alpha note \(index)") }
            try await a.database.write { try $0.run("INSERT INTO settings(key, value, updated_at) VALUES ('secret', 'sk-do-not-ship', 0)") }
            try await b.putNote("b1", "beta written before the snapshot arrived")
            let localID = try await b.database.read { try $0.scalar("SELECT node_id FROM node_identity") }
            let path = directory + "/snap.db"
            let manifest = try await a.store.makeSnapshot(at: path)
            #expect(manifest.seq == (try await a.store.head()))
            // Node-local rows never travel.
            let file = try Connection(path: path, readOnly: true)
            #expect(try file.scalar("SELECT count(*) FROM settings") == .integer(0))
            #expect(try file.scalar("SELECT count(*) FROM node_identity") == .integer(0))
            file.close()
            #expect(try String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self).contains("sk-do-not-ship") == false)
            let outcome = try await b.store.installSnapshot(at: path, manifest: manifest, from: "a")
            #expect(outcome.rows == 300)
            #expect(try await b.search("alpha") == 300)
            #expect(try await b.search("beta") == 1)
            #expect(try await b.database.read { try $0.scalar("SELECT node_id FROM node_identity") } == localID)
            #expect(try await b.store.cursor(for: "a", epoch: a.store.epoch) == manifest.seq)
            // Then deltas since the snapshot's position.
            try await a.putNote("a0", "changed after")
            try await b.pull(from: a)
            #expect(try await b.notes()["a0"]?.hasPrefix("changed after|0") == true)
            await a.database.close()
            await b.database.close()
        }
    }

    @Test func snapshotRemovesRowsTheSenderCollectedAndRefusesDamagedFiles() async throws {
        try await withTemporaryDirectory { directory in
            let a = try await TestNode.open("a", in: directory)
            let b = try await TestNode.open("b", in: directory)
            try await a.putNote("n1", "will be deleted")
            try await b.pull(from: a)
            try await a.putNote("n1", "will be deleted", deleted: true)
            try await a.store.collectTombstones(acknowledged: try await a.store.vector(), horizonMilliseconds: -60_000)
            let path = directory + "/snap.db"
            let manifest = try await a.store.makeSnapshot(at: path)
            let outcome = try await b.store.installSnapshot(at: path, manifest: manifest, from: "a")
            #expect(outcome.removed == 1)
            #expect(try await b.notes().isEmpty)
            // A damaged file fails verification and the live database stays as it was.
            try await b.putNote("b1", "still here")
            var bytes = try #require(FileManager.default.contents(atPath: path))
            for index in stride(from: 4096, to: min(bytes.count, 12_288), by: 7) { bytes[index] ^= 0x5a }
            try bytes.write(to: URL(fileURLWithPath: path))
            await #expect(throws: StorageError.self) { try await b.store.installSnapshot(at: path, manifest: manifest, from: "a") }
            #expect(try await b.notes().keys.sorted() == ["b1"])
            await a.database.close()
            await b.database.close()
        }
    }

    /// Issue 13's suspected race: origin X stamps r1 before r2 but commits r2 first (two
    /// writers beside one file). The sender S has r2 only (its vector for X is r2's hlc); the
    /// receiver N already holds r1 from X. Installing S's snapshot must not remove r1: it is
    /// missing from the copy because S has not seen it yet, not because S collected it. It
    /// does remove a row whose tombstone S collected.
    @Test func snapshotKeepsARowCommittedOutOfHLCOrder() async throws {
        try await withTemporaryDirectory { directory in
            let x = try await TestNode.open("x", in: directory)
            let s = try await TestNode.open("s", in: directory)
            let n = try await TestNode.open("n", in: directory)
            try await x.putNote("gone", "deleted long ago")
            try await n.pull(from: x)
            try await s.pull(from: x)
            try await x.putNote("gone", "deleted long ago", deleted: true)
            try await s.pull(from: x)
            try await s.store.collectTombstones(acknowledged: try await s.store.vector(), horizonMilliseconds: -60_000)
            let early = x.clock.now(), late = x.clock.now()
            for (id, stamp) in [("r2", late), ("r1", early)] {
                try await x.database.write { connection in
                    try connection.run("INSERT INTO memory_notes(id, owner, type, content, created_at, hlc, origin) VALUES (?, 'u1', 'fact', ?, 0, ?, 'x')",
                                       id, "note \(id)", stamp)
                }
            }
            // S receives the page holding r2 only; N pulls everything.
            let head = try await x.store.head()
            let page = try await x.store.changes(after: head - 2, limit: 1)
            #expect(page.rows.map { $0.value("id") } == [.text("r2")])
            try await s.store.apply(page, from: "x")
            try await n.pull(from: x)
            #expect(try await s.store.vector()["x"] == late)

            let path = directory + "/snap.db"
            let manifest = try await s.store.makeSnapshot(at: path)
            let outcome = try await n.store.installSnapshot(at: path, manifest: manifest, from: "s")
            let notes = try await n.notes()
            #expect(notes["r1"]?.hasPrefix("note r1|0|") == true, "the out-of-order row was dropped: \(notes)")
            #expect(notes["r2"] != nil && notes["gone"] == nil, "\(notes)")
            #expect(outcome.removed == 1)
            for node in [x, s, n] { await node.database.close() }
        }
    }

    /// Random writes, overwrites and tombstones on three nodes, exchanged as random pages in
    /// random order with duplicates; after a final full exchange every node equals the
    /// offline last-writer-wins merge of every write made.
    @Test(arguments: [1, 2, 3, 4])
    func randomExchangesConvergeToTheOfflineMerge(seed: UInt64) async throws {
        try await withTemporaryDirectory { directory in
            var random = SplitMix64(seed: seed)
            let nodes = [try await TestNode.open("a", in: directory), try await TestNode.open("b", in: directory),
                         try await TestNode.open("c", in: directory)]
            var expected: [String: (hlc: HLC, origin: String, content: String, deleted: Bool)] = [:]
            var pending: [(ChangeBatch, from: String, to: Int)] = []
            for step in 0..<240 {
                let writer = nodes[Int(random.next() % 3)]
                let note = "n\(random.next() % 25)"
                let deleted = random.next() % 5 == 0
                let content = "v\(step)"
                let (hlc, origin) = try await writer.putNote(note, content, deleted: deleted)
                if let known = expected[note], !HLC.wins((hlc, origin), over: (known.hlc, known.origin)) {} else {
                    expected[note] = (hlc, origin, content, deleted)
                }
                if random.next() % 4 == 0 {
                    let from = nodes[Int(random.next() % 3)]
                    let after = Int64(random.next() % 40)
                    let batch = try await from.store.changes(after: max(0, try await from.store.head() - after), limit: 5)
                    pending.append((batch, from.id, Int(random.next() % 3)))
                }
                if random.next() % 6 == 0, !pending.isEmpty {
                    let pick = Int(random.next() % UInt64(pending.count))
                    let (batch, from, to) = pending[pick]
                    if random.next() % 3 != 0 { pending.remove(at: pick) }      // sometimes delivered twice
                    if nodes[to].id != from { try await nodes[to].store.apply(batch, from: from) }
                }
            }
            for _ in 0..<2 {
                for receiver in nodes { for sender in nodes where sender.id != receiver.id { try await receiver.pull(from: sender) } }
            }
            let merged = expected.mapValues { "\($0.content)|\($0.deleted ? 1 : 0)|\($0.hlc.storageValue)|\($0.origin)" }
            for node in nodes {
                #expect(try await node.notes() == merged, "node \(node.id) differs from the offline merge (seed \(seed))")
                let live = merged.values.filter { $0.contains("|0|") }.count
                #expect(try await node.search("v*") == Int64(live))
                await node.database.close()
            }
        }
    }
}
