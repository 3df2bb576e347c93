import Testing
import Gateway
import Storage
import FoundationEssentials

/// Usage and cache rows behind the response are merged per key before the flush writes them
/// (issue 10: fewer writes on the core the requests run on), with exact sums.
@Suite struct WriteCoalescingTests {
    @Test func concurrentUsesOfOneKeyAreSummedExactly() async throws {
        let database = try await Fixtures.database()
        let usage = UsageStore(database: database, origin: Fixtures.origin)
        let date = Date(timeIntervalSince1970: 1_764_460_800)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<300 {
                group.addTask {
                    try await usage.record(subject: "alice", model: index % 3 == 0 ? "m/b" : "m/a",
                                           usage: Usage(promptTokens: 2, completionTokens: index), at: date)
                }
            }
            try await group.waitForAll()
        }
        await database.flushQueuedWrites()
        for (table, filter) in [("usage_daily", ""), ("usage_node_daily", " AND node = 'test-node'")] {
            let rows = try await database.read { connection in
                try connection.query("SELECT model, requests, prompt_tokens, completion_tokens FROM \(table) WHERE subject = 'alice'\(filter) ORDER BY model")
            }
            #expect(rows.count == 2)
            let b = (0..<300).filter { $0 % 3 == 0 }, a = (0..<300).filter { $0 % 3 != 0 }
            #expect(rows.first?.string("model") == "m/a")
            #expect(rows.first?.int("requests") == Int64(a.count))
            #expect(rows.first?.int("prompt_tokens") == Int64(2 * a.count))
            #expect(rows.first?.int("completion_tokens") == Int64(a.reduce(0, +)))
            #expect(rows.last?.int("requests") == Int64(b.count))
            #expect(rows.last?.int("completion_tokens") == Int64(b.reduce(0, +)))
        }
        // After a flush the counters keep adding up.
        try await usage.record(subject: "alice", model: "m/b", usage: Usage(promptTokens: 1, completionTokens: 1), at: date)
        await database.flushQueuedWrites()
        let requests = try await database.read { try $0.scalar("SELECT requests FROM usage_daily WHERE subject = 'alice' AND model = 'm/b'")?.int64 }
        #expect(requests == 101)
    }

    @Test func theLatestAnswerPerKeyIsTheOneStored() async throws {
        let database = try await Fixtures.database()
        let cache = ResponseCache(database: database)
        for index in 0..<50 { try await cache.store(key: "k", model: "m/a", text: "answer \(index)") }
        try await cache.store(key: "other", model: "m/b", text: "else")
        let hit = try await cache.lookup(key: "k")
        #expect(hit?.text == "answer 49")
        #expect(try await cache.lookup(key: "other")?.model == "m/b")
        let rows = try await database.read { try $0.scalar("SELECT count(*) FROM response_cache")?.int64 }
        #expect(rows == 2)
    }
}
