import Testing
import Storage

/// Replicated writes order by (hlc, origin): stamps from one origin must strictly increase.
@Suite struct ReplicaOriginTests {
    @Test func stampsIncreaseEvenWithinOneMillisecond() async throws {
        try await withDatabase { database, _ in
            let origin = ReplicaOrigin(nodeID: "node-test", clock: HybridClock(wallClock: { 1_000 }))
            let stamps = try await database.transaction { connection in
                try (0..<100).map { _ in try origin.stamp(connection) }
            }
            #expect(zip(stamps, stamps.dropFirst()).allSatisfy { $0 < $1 })
            #expect(origin.nodeID == "node-test")
        }
    }

    /// Outside the write lock another process could commit a newer stamp between ours and our
    /// write, so a stamp taken there is refused, not handed out.
    @Test func stampingOutsideAWriteTransactionThrows() async throws {
        try await withDatabase { database, _ in
            let origin = ReplicaOrigin(nodeID: "node-test", clock: HybridClock())
            await #expect(throws: StorageError.self) {
                try await database.write { connection in try origin.stamp(connection) }
            }
            await #expect(throws: StorageError.self) {
                try await database.read { connection in try connection.readTransaction { try origin.stamp(connection) } }
            }
        }
    }
}
