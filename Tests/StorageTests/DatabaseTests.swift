import FoundationEssentials
import Glibc
import Storage
import Synchronization
import Testing

/// Shared between the held write and the reads (Atomic is not copyable, so it lives in a class).
final class HeldWriteProgress: Sendable {
    let transactionOpen = Atomic<Bool>(false)
    let readsDone = Atomic<Int>(0)
}

@Suite struct DatabaseTests {
    static let notes = [Migration(version: 1, name: "notes", sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);")]

    // MARK: opening bad paths

    @Test func missingDirectoryFailsWithOpenError() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/does/not/exist/triforce.db"
            let error = await storageError { _ = try await Database(path: path) }
            #expect(error?.code == .open)
            #expect(error?.message.contains(path) == true)
            #expect(error?.message.contains("writable") == true)
        }
    }

    @Test func parentIsAFileFailsWithOpenError() async throws {
        try await withTemporaryDirectory { directory in
            let file = directory + "/plain"
            #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
            let error = await storageError { _ = try await Database(path: file + "/triforce.db") }
            #expect(error?.code == .open)
        }
    }

    @Test(.enabled(if: getuid() != 0, "root ignores directory permissions"))
    func unwritableDirectoryFailsWithOpenError() async throws {
        try await withTemporaryDirectory { directory in
            let locked = directory + "/locked"
            #expect(mkdir(locked, 0o500) == 0)
            defer { chmod(locked, 0o700) }
            let error = await storageError { _ = try await Database(path: locked + "/triforce.db") }
            #expect(error?.code == .open)
            #expect(error?.message.contains(locked) == true)
        }
    }

    @Test func randomBytesFailAtOpenAsCorrupt() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/garbage.db"
            var generator = SystemRandomNumberGenerator()
            let bytes = (0..<65_536).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
            let error = await storageError { _ = try await Database(path: path) }
            #expect(error?.code == .corrupt)
            #expect(error?.message.contains(path) == true)
            #expect(error?.message.contains("backup") == true)
        }
    }

    @Test func damagedSchemaPageFailsAtOpenAsCorrupt() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/damaged.db"
            let database = try await Database(path: path, migrations: Self.notes)
            await database.close()
            // Keep the 100-byte header, scribble over the rest of page 1 (the schema table).
            let fd = open(path, O_WRONLY)
            #expect(fd >= 0)
            let junk = [UInt8](repeating: 0xA5, count: 3_000)
            #expect(pwrite(fd, junk, junk.count, 100) == junk.count)
            close(fd)
            let error = await storageError { _ = try await Database(path: path, migrations: Self.notes) }
            #expect(error?.code == .corrupt)
        }
    }

    // MARK: concurrency

    @Test func concurrentWritesAllLand() async throws {
        try await withDatabase(migrations: Self.notes) { database, _ in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<200 {
                    group.addTask { _ = try await database.write { try $0.run("INSERT INTO notes(body) VALUES (?)", "n\(i)") } }
                }
                try await group.waitForAll()
            }
            let count = try await database.read { try $0.scalar("SELECT count(DISTINCT body) FROM notes")?.int64 }
            #expect(count == 200)
        }
    }

    /// Readers run while a write transaction is held open: the writer does not commit until all
    /// 100 reads have finished (or a generous deadline passes, which then fails the test), and
    /// holds for at least 1 s. No tight timing: only ordering is asserted.
    @Test func readsProceedWhileWriteTransactionIsOpen() async throws {
        try await withDatabase(migrations: Self.notes) { database, _ in
            try await database.write { try $0.run("INSERT INTO notes(body) VALUES ('committed')") }
            let progress = HeldWriteProgress()
            let writer = Task {
                try await database.transaction { connection in
                    try connection.run("INSERT INTO notes(body) VALUES ('pending')")
                    progress.transactionOpen.store(true, ordering: .releasing)
                    let start = ContinuousClock.now
                    while progress.readsDone.load(ordering: .acquiring) < 100 || ContinuousClock.now - start < .seconds(1) {
                        if ContinuousClock.now - start > .seconds(30) { break }
                        usleep(2_000)
                    }
                    return progress.readsDone.load(ordering: .acquiring)
                }
            }
            while !progress.transactionOpen.load(ordering: .acquiring) { try await Task.sleep(for: .milliseconds(2)) }
            let seen = try await withThrowingTaskGroup(of: Int64.self) { group in
                for _ in 0..<100 {
                    group.addTask {
                        let count = try await database.read { try $0.scalar("SELECT count(*) FROM notes")?.int64 ?? -1 }
                        progress.readsDone.add(1, ordering: .releasing)
                        return count
                    }
                }
                return try await group.reduce(into: [Int64]()) { $0.append($1) }
            }
            let readsBeforeCommit = try await writer.value
            #expect(readsBeforeCommit == 100, "the write committed before the reads finished")
            #expect(seen.allSatisfy { $0 == 1 }, "a read saw uncommitted data")
            #expect(try await database.read { try $0.scalar("SELECT count(*) FROM notes")?.int64 } == 2)
        }
    }

    @Test func readSeesEveryCommittedWrite() async throws {
        try await withDatabase(migrations: Self.notes) { database, _ in
            for i in 1...20 {
                try await database.write { try $0.run("INSERT INTO notes(body) VALUES ('x')") }
                #expect(try await database.read { try $0.scalar("SELECT count(*) FROM notes")?.int64 } == Int64(i))
            }
        }
    }

    @Test func readersCannotWrite() async throws {
        try await withDatabase(migrations: Self.notes) { database, _ in
            let error = await storageError { try await database.read { _ = try $0.run("INSERT INTO notes(body) VALUES ('no')") } }
            #expect(error != nil)
        }
    }

    @Test func transactionLeftOpenByAJobIsRolledBack() async throws {
        try await withDatabase(migrations: Self.notes) { database, _ in
            let error = await storageError {
                try await database.write { connection in
                    try connection.execute("BEGIN")
                    try connection.run("INSERT INTO notes(body) VALUES ('orphan')")
                }
            }
            #expect(error?.message.contains("left a transaction open") == true)
            // The next write is its own committed transaction, not part of the orphan.
            try await database.write { try $0.run("INSERT INTO notes(body) VALUES ('next')") }
            let bodies = try await database.read { try $0.query("SELECT body FROM notes").compactMap { $0.string("body") } }
            #expect(bodies == ["next"])
        }
    }

    // MARK: close

    @Test func everyCallAfterCloseThrowsClosed() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/closed.db"
            let database = try await Database(path: path, migrations: Self.notes)
            // Work queued just before close() either completes or reports .closed, never hangs.
            let inFlight = (0..<20).map { i in
                Task { try await database.write { try $0.run("INSERT INTO notes(body) VALUES (?)", "q\(i)") } }
            }
            await database.close()
            await database.close()  // idempotent
            for task in inFlight {
                if case .failure(let error) = await task.result {
                    #expect((error as? StorageError)?.code == .closed)
                }
            }
            #expect(database.isClosed)
            let calls: [@Sendable () async throws -> Void] = [
                { try await database.write { _ in } },
                { try await database.read { _ in } },
                { try await database.transaction { _ in } },
                { _ = try await database.integrityCheck() },
                { try await database.backup(to: directory + "/b.db") },
                { _ = try await database.schemaVersion() },
            ]
            for call in calls {
                #expect(await storageError(call)?.code == .closed)
            }
            // Closed means closed: the WAL was checkpointed and the file reopens cleanly.
            let again = try await Database(path: path, migrations: Self.notes)
            #expect(try await again.integrityCheck() == ["ok"])
            await again.close()
        }
    }
}
