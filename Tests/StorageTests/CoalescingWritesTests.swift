import Storage
import Synchronization
import Testing

/// Write-behind rows that merge while they wait (`CoalescingWrites`), on real SQLite files:
/// every add arrives, merged into far fewer writes, and flush and close still see them all.
@Suite struct CoalescingWritesTests {
    static let counters = SnapshotAndQueueTests.counters

    /// Adds `value` per name; counts how many merged sets were written.
    static func adder(capacity: Int = 4_096, writes: LoadCounter) -> CoalescingWrites<String, Int64> {
        CoalescingWrites(label: "test", capacity: capacity, merge: { $0 + $1 }) { connection, merged in
            writes.value.add(1, ordering: .relaxed)
            for (name, value) in merged {
                _ = try connection.run("INSERT INTO counters VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value",
                                       name, value)
            }
        }
    }

    static func value(_ name: String, _ database: Database) async throws -> Int64? {
        try await database.read { try $0.scalar("SELECT value FROM counters WHERE name = ?", name)?.int64 }
    }

    @Test func concurrentAddsAllArriveInFewWrites() async throws {
        try await withDatabase(migrations: Self.counters) { database, _ in
            let writes = LoadCounter()
            let adder = Self.adder(writes: writes)
            await withTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        for index in 0..<250 { await adder.add("k\((worker + index) % 3)", 2, database: database) }
                    }
                }
            }
            await database.flushQueuedWrites()
            let value1 = try await SnapshotAndQueueTests.count(database)
            #expect(value1 == 4_000)
            let value2 = try await Self.value("k0", database)
            #expect(value2 == 1_334)
            // One write per 50 ms batch window at most: 2,000 adds unmerged would be 2,000.
            let written = writes.value.load(ordering: .relaxed)
            #expect(written >= 1 && written <= 1_000, "\(written) writes for 2,000 adds")
        }
    }

    @Test func flushSeesAnAddMadeJustBefore() async throws {
        try await withDatabase(migrations: Self.counters) { database, _ in
            let adder = Self.adder(writes: LoadCounter())
            for round in 1...3 {
                await adder.add("a", 5, database: database)
                await database.flushQueuedWrites()
                let value3 = try await Self.value("a", database)
                #expect(value3 == Int64(5 * round))
            }
        }
    }

    @Test func keysPastTheCapacityAreQueuedAloneNotDropped() async throws {
        try await withDatabase(migrations: Self.counters) { database, _ in
            let writes = LoadCounter()
            let adder = Self.adder(capacity: 4, writes: writes)
            for index in 0..<10 { await adder.add("n\(index)", 1, database: database) }
            await adder.add("n0", 1, database: database)  // merged into the waiting set
            await database.flushQueuedWrites()
            let value4 = try await SnapshotAndQueueTests.count(database)
            #expect(value4 == 11)
            let value5 = try await Self.value("n0", database)
            #expect(value5 == 2)
            // How many went alone depends on when the flusher took the merged set; none is lost.
            #expect(writes.value.load(ordering: .relaxed) >= 2)
        }
    }

    /// Adds still merged when the database closes (SIGTERM) are written, not lost.
    @Test func closeWritesWhatIsStillMerged() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/test.db"
            let database = try await Database(path: path, migrations: Self.counters)
            let adder = Self.adder(writes: LoadCounter())
            for _ in 0..<100 { await adder.add("x", 3, database: database) }
            await database.close()
            let reopened = try await Database(path: path, migrations: Self.counters)
            let value6 = try await Self.value("x", reopened)
            #expect(value6 == 300)
            await reopened.close()
        }
    }
}
