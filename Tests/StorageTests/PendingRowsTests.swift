import Storage
import Testing

/// Write-behind coalescing: one waiting value per key, merged until a queued row takes it.
@Suite struct PendingRowsTests {
    @Test func recordsForAWaitingKeyMergeAndOnlyTheFirstQueuesARow() async throws {
        let pending = PendingRows<String, Int>()
        let queued = await withTaskGroup(of: Bool.self) { group in
            for value in 1...100 { group.addTask { pending.add("a", value, merge: { $0 += $1 }) } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(queued == 1)
        #expect(pending.add("b", 7, merge: { $0 += $1 }))
        #expect(pending.count == 2)
        #expect(pending.take("a") == 5050)
        // Taken: the next record queues a new row, and a second take finds nothing.
        #expect(pending.take("a") == nil)
        #expect(pending.add("a", 1, merge: { $0 += $1 }))
        #expect(pending.take("a") == 1)
        #expect(pending.take("b") == 7)
        #expect(pending.count == 0)
    }
}
