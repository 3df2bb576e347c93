import FoundationEssentials

extension Database {
    /// `PRAGMA integrity_check`: ["ok"] for a healthy file, otherwise SQLite's findings.
    public func integrityCheck() async throws -> [String] {
        try await read { connection in
            try connection.query("PRAGMA integrity_check").compactMap { $0.string("integrity_check") }
        }
    }

    /// Writes a consistent, compacted copy of the database to `path` with `VACUUM INTO`.
    /// Refuses to overwrite an existing file.
    public func backup(to path: String) async throws {
        // Readers are query_only, which VACUUM INTO refuses; a short-lived connection of its
        // own reads a consistent snapshot without holding up the writer.
        let source = self.path
        try await read { _ in
            let connection = try Connection(path: source)
            try connection.run("VACUUM INTO ?", path)
        }
    }

    /// The schema version this file is at.
    public func schemaVersion() async throws -> Int {
        try await read { try Migrator.version(of: $0) }
    }

    /// Proves the writer can commit: a write to `settings` inside a rolled-back savepoint
    /// would not exercise the disk, so this commits a tiny real write.
    public func probeWritable() async throws {
        try await write { connection in
            try connection.run(
                "INSERT INTO settings(key, value, updated_at) VALUES ('health.probe', ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                String(Int64(Date().timeIntervalSince1970)), Int64(Date().timeIntervalSince1970))
        }
    }
}
