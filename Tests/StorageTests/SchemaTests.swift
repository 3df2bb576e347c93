import Storage
import Testing

@Suite struct SchemaTests {
    static func matches(_ database: Database, _ term: String) async throws -> [Int64] {
        try await database.read { connection in
            try connection.query("SELECT rowid FROM memory_fts WHERE memory_fts MATCH ? ORDER BY rowid", term)
                .compactMap { $0.int("rowid") }
        }
    }

    @Test func memoryFTSFollowsInsertUpdateDelete() async throws {
        try await withDatabase { database, _ in
            let rowid = try await database.write { connection in
                try connection.run("""
                    INSERT INTO memory_notes(id, owner, type, content, tags, created_at, hlc, origin)
                    VALUES ('n1', 'shared', 'fact', 'The gateway listens on port 8080', 'network ports', 1, 1, 'node-a')
                    """)
                return connection.lastInsertRowID
            }
            try await database.write { connection in
                try connection.run("""
                    INSERT INTO memory_notes(id, owner, type, content, created_at, hlc, origin)
                    VALUES ('n2', 'shared', 'todo', 'Unrelated note about backups', 1, 1, 'node-a')
                    """)
            }
            #expect(try await Self.matches(database, "gateway") == [rowid])
            #expect(try await Self.matches(database, "listening") == [rowid])  // porter stemming
            #expect(try await Self.matches(database, "tags:network") == [rowid])

            try await database.write { try $0.run("UPDATE memory_notes SET content = 'The mesh hub uses TLS' WHERE id = 'n1'") }
            #expect(try await Self.matches(database, "gateway").isEmpty)
            #expect(try await Self.matches(database, "mesh") == [rowid])

            try await database.write { try $0.run("DELETE FROM memory_notes WHERE id = 'n1'") }
            #expect(try await Self.matches(database, "mesh").isEmpty)
            #expect(try await Self.matches(database, "backups").count == 1)
            // FTS5's own consistency check against the content table: throws if they diverged.
            try await database.write { try $0.run("INSERT INTO memory_fts(memory_fts) VALUES ('integrity-check')") }
        }
    }

    @Test func replicatedTablesCarryHLCOriginDeleted() async throws {
        try await withDatabase { database, _ in
            for table in Schema.replicatedTables {
                let columns = try await database.read { connection in
                    try connection.query("SELECT name, \"notnull\" AS nn FROM pragma_table_info(?)", table)
                        .reduce(into: [String: Bool]()) { $0[$1.string("name") ?? ""] = $1.bool("nn") }
                }
                #expect(columns["hlc"] == true, "\(table).hlc")
                #expect(columns["origin"] == true, "\(table).origin")
                #expect(columns["deleted"] == true, "\(table).deleted")
            }
        }
    }
}
