import Storage
import Testing

@Suite struct NodeIdentityTests {
    @Test func stableAcrossReopen() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/id.db"
            let first = try await Database(path: path)
            let created = try await NodeIdentity.loadOrCreate(in: first)
            let again = try await NodeIdentity.loadOrCreate(in: first)
            await first.close()
            #expect(created.isNew)
            #expect(!again.isNew)
            #expect(again.nodeID == created.nodeID)
            #expect(created.nodeID.hasPrefix("node-") && created.nodeID.count == 17)

            let reopened = try await Database(path: path)
            let loaded = try await NodeIdentity.loadOrCreate(in: reopened)
            await reopened.close()
            #expect(!loaded.isNew)
            #expect(loaded.nodeID == created.nodeID)
            #expect(loaded.createdAt == created.createdAt)
        }
    }

    @Test func concurrentFirstStartCreatesOneIdentity() async throws {
        try await withDatabase { database, _ in
            let ids = try await withThrowingTaskGroup(of: NodeIdentity.self) { group in
                for _ in 0..<10 { group.addTask { try await NodeIdentity.loadOrCreate(in: database) } }
                return try await group.reduce(into: [NodeIdentity]()) { $0.append($1) }
            }
            #expect(Set(ids.map(\.nodeID)).count == 1)
            #expect(ids.filter(\.isNew).count == 1)
        }
    }
}
