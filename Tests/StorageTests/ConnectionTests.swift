import FoundationEssentials
import Glibc
@testable import Storage
import Testing

/// Connection directly: transactions, statement cache, open failures.
@Suite struct ConnectionTests {
    static func open(_ directory: String) throws -> Connection {
        let connection = try Connection(path: directory + "/c.db")
        try connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)")
        return connection
    }

    static func count(_ connection: Connection) throws -> Int64? {
        try connection.scalar("SELECT count(*) FROM t")?.int64
    }

    struct Boom: Error {}

    @Test func transactionCommitsAndRollsBackOnThrow() async throws {
        try await withTemporaryDirectory { directory in
            let connection = try Self.open(directory)
            try connection.transaction { try connection.run("INSERT INTO t(v) VALUES ('a')") }
            #expect(try Self.count(connection) == 1)
            #expect(throws: Boom.self) {
                try connection.transaction {
                    try connection.run("INSERT INTO t(v) VALUES ('b')")
                    throw Boom()
                }
            }
            #expect(try Self.count(connection) == 1)
            #expect(!connection.isInTransaction)
            // The depth bookkeeping survived the throw: a new transaction is a real BEGIN.
            try connection.transaction { try connection.run("INSERT INTO t(v) VALUES ('c')") }
            #expect(try Self.count(connection) == 2)
        }
    }

    @Test func nestedSavepointRollsBackOnlyInnerWork() async throws {
        try await withTemporaryDirectory { directory in
            let connection = try Self.open(directory)
            try connection.transaction {
                try connection.run("INSERT INTO t(v) VALUES ('outer')")
                #expect(throws: Boom.self) {
                    try connection.transaction {
                        try connection.run("INSERT INTO t(v) VALUES ('inner')")
                        throw Boom()
                    }
                }
                try connection.transaction { try connection.run("INSERT INTO t(v) VALUES ('inner-ok')") }
            }
            let values = try connection.query("SELECT v FROM t ORDER BY id").compactMap { $0.string("v") }
            #expect(values == ["outer", "inner-ok"])
            #expect(!connection.isInTransaction)
        }
    }

    @Test func constraintErrorIsTypedAndStatementIsReset() async throws {
        try await withTemporaryDirectory { directory in
            let connection = try Self.open(directory)
            try connection.run("INSERT INTO t(v) VALUES (?)", "dup")
            #expect(throws: StorageError.self) { try connection.run("INSERT INTO t(v) VALUES (?)", "dup") }
            do {
                try connection.run("INSERT INTO t(v) VALUES (?)", "dup")
            } catch let error as StorageError {
                #expect(error.code == .constraint)
                #expect(error.sql == "INSERT INTO t(v) VALUES (?)")
            }
            // The same cached statement works again after the failure.
            try connection.run("INSERT INTO t(v) VALUES (?)", "other")
            #expect(try Self.count(connection) == 2)
            #expect(!connection.hasBusyStatement)
        }
    }

    @Test func statementCacheReusesAndStaysBounded() async throws {
        try await withTemporaryDirectory { directory in
            let connection = try Self.open(directory)
            let before = connection.cachedStatementCount
            for i in 0..<50 { try connection.run("INSERT INTO t(v) VALUES (?)", "v\(i)") }
            #expect(connection.cachedStatementCount == before + 1)
            _ = try connection.query("SELECT * FROM t")
            #expect(!connection.hasBusyStatement)  // a read leaves no statement mid-step
            // A schema change re-prepares cached statements transparently.
            try connection.execute("ALTER TABLE t ADD COLUMN w INTEGER NOT NULL DEFAULT 7")
            let row = try connection.queryOne("SELECT * FROM t LIMIT 1")
            #expect(row?.int("w") == 7)
            for i in 0..<(Connection.cacheLimit + 10) { _ = try connection.scalar("SELECT \(i)") }
            #expect(connection.cachedStatementCount <= Connection.cacheLimit)
            #expect(try connection.scalar("SELECT 3")?.int64 == 3)
        }
    }

    @Test func wrongParameterCountAndMultipleStatementsAreRejected() async throws {
        try await withTemporaryDirectory { directory in
            let connection = try Self.open(directory)
            do {
                try connection.run("INSERT INTO t(v) VALUES (?)")
                Issue.record("expected a bind error")
            } catch let error as StorageError { #expect(error.code == .bind) }
            do {
                try connection.run("INSERT INTO t(v) VALUES ('a'); INSERT INTO t(v) VALUES ('b')")
                Issue.record("expected a prepare error")
            } catch let error as StorageError { #expect(error.code == .prepare) }
            #expect(try Self.count(connection) == 0)
            try connection.run("INSERT INTO t(v) VALUES ('a'); -- trailing comment is fine")
            #expect(try Self.count(connection) == 1)
        }
    }

    @Test func openSetsWALAndFullSync() async throws {
        try await withTemporaryDirectory { directory in
            let connection = try Self.open(directory)
            #expect(try connection.scalar("PRAGMA journal_mode")?.string == "wal")
            #expect(try connection.scalar("PRAGMA synchronous")?.int64 == 1)  // NORMAL (WAL)
            #expect(try connection.scalar("PRAGMA foreign_keys")?.int64 == 1)
        }
    }

    @Test func closedConnectionThrowsClosed() async throws {
        try await withTemporaryDirectory { directory in
            let connection = try Self.open(directory)
            connection.close()
            connection.close()  // idempotent
            do {
                _ = try connection.query("SELECT 1")
                Issue.record("expected .closed")
            } catch let error as StorageError { #expect(error.code == .closed) }
        }
    }
}
