import Storage
import Synchronization
import Testing

/// The in-memory snapshot machinery (generation, `PRAGMA data_version` polling) and the
/// write-behind queue, on real SQLite files.
@Suite struct SnapshotAndQueueTests {
    static let counters = [Migration(version: 1, name: "counters",
                                     sql: "CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);")]

    static func count(_ database: Database) async throws -> Int64 {
        try await database.read { try $0.scalar("SELECT coalesce(sum(value), 0) FROM counters")?.int64 ?? -1 }
    }

    @Test func localWritesBumpTheGenerationQuietOnesDoNot() async throws {
        try await withDatabase(migrations: Self.counters) { database, _ in
            let start = database.generation
            try await database.write(quiet: true) { _ = try $0.run("INSERT INTO counters VALUES ('a', 1)") }
            #expect(database.generation == start)
            try await database.write { _ = try $0.run("INSERT INTO counters VALUES ('b', 1)") }
            #expect(database.generation > start)
        }
    }

    @Test func snapshotRebuildsAfterALocalWriteAndNotBefore() async throws {
        try await withDatabase(migrations: Self.counters) { database, _ in
            let loads = LoadCounter()
            let snapshot = Snapshot(database: database) { database in
                loads.value.add(1, ordering: .relaxed)
                return try await Self.count(database)
            }
            #expect(try await snapshot.current() == 0)
            #expect(try await snapshot.current() == 0)
            let afterTwoReads = loads.value.load(ordering: .relaxed)
            #expect(afterTwoReads == 1, "an unchanged database must not be read again")
            try await database.write { _ = try $0.run("INSERT INTO counters VALUES ('a', 5)") }
            #expect(try await snapshot.current() == 5, "a local write swaps the snapshot at once")
            let afterWrite = loads.value.load(ordering: .relaxed)
            #expect(afterWrite == 2)
        }
    }

    /// Another process's commit is invisible to the writer's own bookkeeping; the
    /// `data_version` check notices it (a second connection stands in for the CLI).
    @Test func anotherConnectionsCommitIsNoticedByTheDataVersionCheck() async throws {
        try await withDatabase(migrations: Self.counters) { database, path in
            let snapshot = Snapshot(database: database) { try await Self.count($0) }
            try await database.checkExternalChanges()  // baseline
            #expect(try await snapshot.current() == 0)
            let other = try Connection(path: path)
            _ = try other.run("INSERT INTO counters VALUES ('cli', 7)")
            other.close()
            #expect(try await snapshot.current() == 0, "not yet noticed: still the old snapshot")
            #expect(try await database.checkExternalChanges())
            #expect(try await snapshot.current() == 7)
            #expect(try await database.checkExternalChanges() == false, "nothing new since")
        }
    }

    @Test func queuedRowsAreWrittenInBatchesAndAllArrive() async throws {
        try await withDatabase(migrations: Self.counters) { database, _ in
            let generation = database.generation
            await withTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        for _ in 0..<250 {
                            await database.enqueue("test") { connection in
                                _ = try connection.run("""
                                    INSERT INTO counters VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1
                                    """, "w\(worker)")
                            }
                        }
                    }
                }
            }
            await database.flushQueuedWrites()
            let total = try await Self.count(database)
            #expect(total == 2_000)
            #expect(database.generation == generation, "queued rows must not invalidate snapshots")
        }
    }

    @Test func aFailingRowIsSkippedAndTheOthersCommit() async throws {
        try await withDatabase(migrations: Self.counters) { database, _ in
            await database.enqueue("good") { _ = try $0.run("INSERT INTO counters VALUES ('a', 1)") }
            await database.enqueue("bad") { _ = try $0.run("INSERT INTO no_such_table VALUES (1)") }
            await database.enqueue("good") { _ = try $0.run("INSERT INTO counters VALUES ('b', 2)") }
            await database.flushQueuedWrites()
            let total = try await Self.count(database)
            #expect(total == 3)
        }
    }

    /// Rows still queued when the database closes (SIGTERM) are written, not lost.
    @Test func closeWritesWhatIsStillQueued() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/test.db"
            let database = try await Database(path: path, migrations: Self.counters)
            for index in 0..<300 {
                await database.enqueue("test") { _ = try $0.run("INSERT INTO counters VALUES (?, 1)", "r\(index)") }
            }
            await database.close()
            let reopened = try await Database(path: path, migrations: Self.counters)
            #expect(try await Self.count(reopened) == 300)
            await reopened.close()
        }
    }
}

/// Counts snapshot loads (Atomic is not copyable: it lives in a class).
final class LoadCounter: Sendable {
    let value = Atomic<Int>(0)
}
