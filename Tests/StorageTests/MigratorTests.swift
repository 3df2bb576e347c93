import Storage
import Testing

@Suite struct MigratorTests {
    static let base = [
        Migration(version: 1, name: "one", sql: "CREATE TABLE a (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"),
        Migration(version: 2, name: "two", sql: "ALTER TABLE a ADD COLUMN extra TEXT; CREATE TABLE b (x INTEGER);"),
    ]

    @Test func freshDatabaseReachesLatestSchema() async throws {
        try await withDatabase { database, _ in
            #expect(try await database.schemaVersion() == Schema.migrations.map(\.version).max())
            let tables = try await database.read { connection in
                try connection.query("SELECT name FROM sqlite_master WHERE type = 'table'").compactMap { $0.string("name") }
            }
            for table in Schema.replicatedTables + ["settings", "node_identity", "memory_fts"] {
                #expect(tables.contains(table), "missing table \(table)")
            }
        }
    }

    @Test func reopenIsIdempotentAndAppliesOnlyNewMigrations() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/m.db"
            let first = try await Database(path: path, migrations: [Self.base[0]])
            try await first.write { try $0.run("INSERT INTO a(name) VALUES ('kept')") }
            #expect(try await first.schemaVersion() == 1)
            await first.close()

            for _ in 0..<2 {  // the second pass must be a no-op
                let again = try await Database(path: path, migrations: Self.base)
                #expect(try await again.schemaVersion() == 2)
                let name = try await again.read { try $0.scalar("SELECT name FROM a")?.string }
                #expect(name == "kept")
                #expect(try await again.read { try $0.scalar("SELECT count(*) FROM b")?.int64 } == 0)
                await again.close()
            }
        }
    }

    @Test func newerSchemaIsRefusedWithClearMessage() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/new.db"
            let future = try await Database(path: path, migrations: Self.base + [
                Migration(version: 7, name: "future", sql: "CREATE TABLE c (x INTEGER);"),
            ])
            await future.close()
            let error = await storageError { _ = try await Database(path: path, migrations: Self.base) }
            #expect(error?.code == .schemaTooNew)
            #expect(error?.message.contains(path) == true)
            #expect(error?.message.contains("schema version 7") == true)
            #expect(error?.message.contains("upgrade triforce") == true)
        }
    }

    @Test func failingMigrationRollsBackAndKeepsVersion() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/fail.db"
            let first = try await Database(path: path, migrations: [Self.base[0]])
            await first.close()

            let broken = Migration(version: 2, name: "broken", sql: """
                CREATE TABLE half_done (x INTEGER);
                ALTER TABLE a ADD COLUMN extra TEXT;
                INSERT INTO no_such_table VALUES (1);
                """)
            let error = await storageError { _ = try await Database(path: path, migrations: [Self.base[0], broken]) }
            #expect(error?.code == .migration)
            #expect(error?.message.contains("broken") == true)
            #expect(error?.message.contains("no_such_table") == true)

            let after = try await Database(path: path, migrations: [Self.base[0]])
            #expect(try await after.schemaVersion() == 1)
            let leftovers = try await after.read { connection in
                try connection.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'")?.int64
            }
            #expect(leftovers == 0)
            let columns = try await after.read { try $0.query("PRAGMA table_info(a)").compactMap { $0.string("name") } }
            #expect(columns == ["id", "name"])
            await after.close()
        }
    }

    @Test func duplicateVersionsAreRejected() async throws {
        try await withTemporaryDirectory { directory in
            let error = await storageError {
                _ = try await Database(path: directory + "/dup.db", migrations: [Self.base[0], Self.base[0]])
            }
            #expect(error?.code == .migration)
        }
    }
}
