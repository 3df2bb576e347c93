import FoundationEssentials
import Glibc

extension Database {
    /// `PRAGMA integrity_check`: ["ok"] for a healthy file, otherwise SQLite's findings.
    public func integrityCheck() async throws -> [String] {
        try await read { connection in
            try connection.query("PRAGMA integrity_check").compactMap { $0.string("integrity_check") }
        }
    }

    /// Writes a consistent, compacted copy of the database to `path` with `VACUUM INTO`, then
    /// fsyncs it (SQLite does not sync the output). Runs on a reader, so writes continue.
    /// Refuses to overwrite an existing file; the copy is owner-only (0600).
    public func backup(to path: String) async throws {
        try Self.createOwnerOnlyEmptyFile(path)
        do {
            try await read { connection in
                // VACUUM INTO writes only the new file, but query_only forbids it all the same.
                try connection.execute("PRAGMA query_only = OFF")
                defer { try? connection.execute("PRAGMA query_only = ON") }
                try connection.run("VACUUM INTO ?", path)
                try Self.sync(path)
            }
        } catch {
            unlink(path)  // no half-written copy left behind to be mistaken for a backup
            throw error
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

    /// The copy holds every secret the database does: create it 0600 before SQLite writes
    /// into it (VACUUM INTO accepts an empty file and keeps its mode). O_EXCL also makes
    /// "must not exist" exact instead of a check-then-write race.
    private static func createOwnerOnlyEmptyFile(_ path: String) throws(StorageError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, ownerOnlyFileMode)
        guard fd >= 0 else {
            throw StorageError(.open, "backup: cannot create \(path) (errno \(errno)\(errno == EEXIST ? ": it already exists" : ""))")
        }
        defer { Glibc.close(fd) }
        guard fchmod(fd, ownerOnlyFileMode) == 0 else {
            throw StorageError(.open, "backup: cannot make \(path) owner-only (errno \(errno))")
        }
    }

    /// fsync of the file and of its directory (so the new directory entry is durable too).
    private static func sync(_ path: String) throws(StorageError) {
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        for target in [path, directory.isEmpty ? "/" : directory] {
            let fd = open(target, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                throw StorageError(.open, "backup: cannot open \(target) to sync it (errno \(errno))")
            }
            defer { Glibc.close(fd) }
            guard fsync(fd) == 0 else {
                throw StorageError(.step, "backup: fsync of \(target) failed (errno \(errno))")
            }
        }
    }
}
