import Testing
import Gateway
import Storage
import FoundationEssentials
import TestSupport

/// Issue 9 item 15: memory note times are milliseconds; the offline responder compared
/// them with seconds, so every expired note was still quoted.
@Suite("Offline responder and memory note expiry")
struct OfflineResponderTests {
    @Test func expiredNotesAreNotQuotedAndLiveOnesAre() async throws {
        let database = try await Database(path: TemporaryDirectory.make() + "/triforce.db")
        let store = MemoryStore(database: database, origin: ReplicaOrigin(nodeID: "n", clock: HybridClock()))
        _ = try await store.store(owner: "alice", kind: .fact, content: "zebra live: the backup runs at noon", ttlSeconds: 3_600)
        _ = try await store.store(owner: MemoryStore.shared, kind: .fact, content: "zebra forever: the office is in Lyon")
        // Expired a minute ago, written as MemoryStore writes times (milliseconds).
        let expired = MemoryStore.nowMilliseconds() - 60_000
        try await database.write { connection in
            _ = try connection.run("""
                INSERT INTO memory_notes(id, owner, type, content, tags, confidence, created_at, expires_at, hlc, origin)
                VALUES ('old', 'alice', 'fact', 'zebra expired: the old password hint', '', 1.0, ?, ?, 1, 'n')
                """, expired - 3_600_000, expired)
        }
        let request = ChatRequest(model: "auto", messages: [ChatMessage(role: .user, text: "What about the zebra?")])
        let answer = await OfflineResponder(database: database).answer(request, subject: "alice", failures: ["openai: timeout"])
        #expect(answer.contains("zebra live"), "\(answer)")
        #expect(answer.contains("zebra forever"), "\(answer)")
        #expect(!answer.contains("zebra expired"), "\(answer)")
        #expect(answer.contains("- openai: timeout"))
        // The MCP search path agrees (one rule for expiry).
        let hits = try await store.search("zebra", owners: ["alice", MemoryStore.shared])
        #expect(Set(hits.map { String($0.note.content.prefix(11)) }) == ["zebra live:", "zebra forev"])
        await database.close()
    }
}
