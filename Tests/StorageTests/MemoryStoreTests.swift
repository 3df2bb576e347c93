import Testing
import Storage
import FoundationEssentials
import TestSupport

@Suite("MemoryStore: FTS5 search, ownership, tombstones")
struct MemoryStoreTests {
    @Test func rankedSearchFiltersAndTombstones() async throws {
        let database = try await Database(path: TemporaryDirectory.make() + "/m.db")
        let store = MemoryStore(database: database, origin: ReplicaOrigin(nodeID: "node-a", clock: HybridClock()))
        _ = try await store.store(owner: "u1", kind: .fact, content: "sqlite sqlite sqlite is the database", tags: ["db"])
        _ = try await store.store(owner: "u1", kind: .code, content: "a note that mentions sqlite once", tags: ["db", "code"])
        _ = try await store.store(owner: "u2", kind: .fact, content: "sqlite belongs to another user")
        // FTS syntax in user text is taken literally, not as operators.
        #expect(try await store.search("sqlite\" OR x:*", owners: ["u1"]).count == 2)
        let hits = try await store.search("sqlite", owners: ["u1"])
        #expect(hits.count == 2)
        #expect(hits[0].note.content.hasPrefix("sqlite sqlite"))   // bm25: more matches rank first
        #expect(hits[0].snippet.contains("[sqlite]"))
        #expect(try await store.search("sqlite", owners: ["u1"], kinds: [.code]).count == 1)
        #expect(try await store.search("sqlite", owners: ["u1"], tags: ["code"]).count == 1)
        // Tags match literally: `_` and `%` are not LIKE wildcards.
        _ = try await store.store(owner: "u1", kind: .fact, content: "sqlite tagged oddly", tags: ["a_b", "50%"])
        #expect(try await store.search("sqlite", owners: ["u1"], tags: ["a_b"]).count == 1)
        #expect(try await store.search("sqlite", owners: ["u1"], tags: ["axb"]).isEmpty)
        #expect(try await store.search("sqlite", owners: ["u1"], tags: ["_b"]).isEmpty)
        #expect(try await store.search("sqlite", owners: ["u1"], tags: ["%"]).isEmpty)
        #expect(try await store.search("sqlite", owners: ["u1"], tags: ["50%"]).count == 1)
        #expect(try await store.clear(owner: "u1", kinds: [.fact]) == 2)
        #expect(try await store.search("sqlite", owners: ["u1"]).count == 1)
        // The tombstone is replicated state: row kept, deleted = 1, origin stamped.
        let tombstones = try await database.read { try $0.scalar("SELECT count(*) FROM memory_notes WHERE deleted = 1 AND origin = 'node-a'") }
        #expect(tombstones == .integer(2))
        #expect(try await store.clear(owner: "u1", olderThanSeconds: 3_600) == 0)
        #expect(try await store.recent(owner: "u2").count == 1)
        await database.close()
    }

    /// Ages and lifetimes from tool arguments saturate instead of trapping (issue 9 item 2:
    /// `older_than_seconds: 9223372036854775807` crashed the server).
    @Test func extremeAgesAndLifetimesSaturate() async throws {
        let database = try await Database(path: TemporaryDirectory.make() + "/m.db")
        let store = MemoryStore(database: database, origin: ReplicaOrigin(nodeID: "node-a", clock: HybridClock()))
        let forever = try await store.store(owner: "u1", kind: .fact, content: "kept for ever", ttlSeconds: .max)
        #expect(forever.expiresAt == .max)
        _ = try await store.store(owner: "u1", kind: .fact, content: "no ttl")
        #expect(try await store.recent(owner: "u1").count == 2)
        #expect(try await store.clear(owner: "u1", olderThanSeconds: .max) == 0)
        #expect(try await store.clear(owner: "u1", olderThanSeconds: Int(Int64.max / 1000)) == 0)
        #expect(try await store.recent(owner: "u1").count == 2)
        // A negative age is read as 0 (no trap negating Int.min).
        #expect(try await store.clear(owner: "nobody", olderThanSeconds: .min) == 0)
        await database.close()
    }
}
