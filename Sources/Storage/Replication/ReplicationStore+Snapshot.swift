public import FoundationEssentials

/// What a snapshot file holds: the sender's log position and vector at the moment of the copy,
/// so the receiver continues with deltas from exactly there.
public struct SnapshotManifest: Sendable, Equatable, Codable {
    public var epoch: String
    public var seq: Int64
    public var vector: VersionVector
    public var schemaVersion: Int
    public var size: Int64
    public var sha256: String
    /// The newest tombstone hlc the sender ever collected (or removed by installing a
    /// snapshot): only rows at or below it can be missing from the copy because their
    /// tombstone was collected. Nil from a sender that predates the field.
    public var collectedThrough: HLC?

    public init(epoch: String, seq: Int64, vector: VersionVector, schemaVersion: Int, size: Int64, sha256: String,
                collectedThrough: HLC? = nil) {
        self.epoch = epoch
        self.seq = seq
        self.vector = vector
        self.schemaVersion = schemaVersion
        self.size = size
        self.sha256 = sha256
        self.collectedThrough = collectedThrough
    }
}

/// What installing a snapshot changed.
public struct SnapshotInstallOutcome: Sendable, Equatable {
    public var rows: Int
    public var removed: Int
}

extension ReplicationStore {
    /// Writes a consistent copy of the replicated tables to `path` (`VACUUM INTO`, one read
    /// transaction), then empties every node-local table in the copy (identity, settings,
    /// audit, caches, certificates) and vacuums again so none of their pages travel.
    /// `sha256` and `size` of the manifest are left for the caller, which hashes the file.
    public func makeSnapshot(at path: String) async throws -> SnapshotManifest {
        let source = database.path
        let keep = Set(Schema.replicatedKeys.keys).union(["sync_log", "sync_vector"])
        return try await database.read { _ in
            try? FileManager.default.removeItem(atPath: path)
            let live = try Connection(path: source)
            try live.run("VACUUM INTO ?", path)
            live.close()
            let copy = try Connection(path: path)
            defer { copy.close() }
            let epoch = try copy.scalar("SELECT value FROM sync_state WHERE key = 'epoch'")?.string ?? ""
            let seq = try copy.scalar("SELECT coalesce(max(seq), 0) FROM sync_log")?.int64 ?? 0
            let vector = try Self.vector(copy, schema: "main")
            let version = try Migrator.version(of: copy)
            let collected = try Self.collectedThrough(copy)
            let local = try copy.query("""
                SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'memory_fts%'
                """).compactMap { $0.string("name") }.filter { !keep.contains($0) }
            try copy.transaction {
                for table in local { try copy.run("DELETE FROM \(table)") }
                // Derived locally by the receiver's triggers; not worth sending.
                try copy.run("INSERT INTO memory_fts(memory_fts) VALUES ('delete-all')")
            }
            try copy.execute("PRAGMA journal_mode = DELETE")
            try copy.execute("VACUUM")
            return SnapshotManifest(epoch: epoch, seq: seq, vector: vector, schemaVersion: version, size: 0, sha256: "",
                                    collectedThrough: collected)
        }
    }

    /// Checks a received snapshot file: SQLite's own `integrity_check`, our schema version,
    /// and every replicated table with our columns. Throws `StorageError` `.corrupt` or
    /// `.invalidValue` saying what is wrong; never touches the live database.
    public func verifySnapshot(at path: String, manifest: SnapshotManifest) async throws {
        let tables = self.tables
        let ours = schemaVersion
        try await database.read { _ in
            let file = try Connection(path: path, readOnly: true)
            defer { file.close() }
            let check = try file.query("PRAGMA integrity_check").compactMap { $0.string("integrity_check") }
            guard check == ["ok"] else {
                throw StorageError(.corrupt, "snapshot \(path) fails integrity_check: \(check.prefix(3).joined(separator: "; "))")
            }
            let version = try Migrator.version(of: file)
            guard version == ours, manifest.schemaVersion == ours else {
                throw StorageError(.invalidValue, "snapshot schema version \(version) (manifest \(manifest.schemaVersion)), ours \(ours)")
            }
            let theirs = try ReplicatedTable.all(file)
            for (name, table) in tables where theirs[name] != table {
                throw StorageError(.invalidValue, "snapshot table \(name) does not match this node's schema")
            }
        }
    }

    /// Installs a verified snapshot in one transaction: every replicated row merges by LWW
    /// (so rows this node wrote after the sender's copy survive), rows the sender no longer
    /// holds because it collected their tombstones are removed, and `peer`'s cursor moves to
    /// the snapshot's seq. Node-local tables are not touched. A crash at any point leaves the
    /// old state.
    ///
    /// A row missing from the copy is removed only when its `hlc` is at or below both the
    /// sender's vector for its origin and the newest tombstone the sender ever collected
    /// (`collectedThrough`). The vector alone is not enough: it holds each origin's newest
    /// hlc, and HLC order is not commit order, so the sender may hold a newer row of an origin
    /// while an older-stamped one, committed later, has not reached it yet although it has
    /// reached us. Collected tombstones are past the 7-day horizon; such a row is not.
    @discardableResult
    public func installSnapshot(at path: String, manifest: SnapshotManifest, from peer: String) async throws -> SnapshotInstallOutcome {
        try await verifySnapshot(at: path, manifest: manifest)
        let tables = self.tables.values.sorted { $0.name < $1.name }
        let now = nowMilliseconds
        // A sender without the field: the vector alone bounds removal, as before.
        let removalBound = manifest.collectedThrough ?? HLC(rawValue: UInt64(Int64.max))
        let outcome = try await database.write { connection in
            try connection.run("ATTACH DATABASE ? AS snap", path)
            defer { try? connection.execute("DETACH DATABASE snap") }
            return try connection.transaction {
                var rows = 0, removed = 0
                for table in tables {
                    let match = table.keyColumns.map { "s.\($0) = main.\(table.name).\($0)" }.joined(separator: " AND ")
                    removed += try connection.run("""
                        DELETE FROM main.\(table.name) WHERE NOT EXISTS (SELECT 1 FROM snap.\(table.name) s WHERE \(match))
                        AND hlc <= coalesce((SELECT v.hlc FROM snap.sync_vector v WHERE v.origin = main.\(table.name).origin), -1)
                        AND hlc <= ?
                        """, removalBound)
                    try connection.execute("SAVEPOINT bulk")
                    var clash: StorageError?
                    do {
                        rows += try connection.run(table.bulkUpsertSQL(from: "snap"), [])
                    } catch let error as StorageError where error.code == .constraint {
                        clash = error
                    }
                    if clash == nil {
                        try connection.execute("RELEASE bulk")
                    } else {
                        // A unique clash (same email created on two nodes): row by row, settled by LWW.
                        try connection.execute("ROLLBACK TO bulk; RELEASE bulk")
                        let names = table.columns.joined(separator: ", ")
                        for row in try connection.query("SELECT \(names) FROM snap.\(table.name)") {
                            if try Self.merge(row.values, into: table, connection) { rows += 1 }
                        }
                    }
                }
                if let collected = manifest.collectedThrough { try Self.raiseCollectedThrough(to: collected, connection) }
                try connection.run("""
                    INSERT INTO main.sync_vector(origin, hlc) SELECT origin, hlc FROM snap.sync_vector WHERE true
                    ON CONFLICT(origin) DO UPDATE SET hlc = max(hlc, excluded.hlc)
                    """)
                _ = try Self.advanceCursor(of: peer, epoch: manifest.epoch, after: 0, through: manifest.seq, applied: rows,
                                           received: rows, now: now, connection)
                try connection.run("UPDATE sync_peers SET cursor = ?, epoch = ? WHERE peer = ?", manifest.seq, manifest.epoch, peer)
                try connection.run("INSERT OR REPLACE INTO sync_state(key, value) VALUES ('snapshot_installed_ms', ?)", String(now))
                return SnapshotInstallOutcome(rows: rows, removed: removed)
            }
        }
        if let newest = manifest.vector.entries.values.max() { clock.advance(past: newest) }
        return outcome
    }

    /// When this node last installed a snapshot, applied a batch from anyone, or founded the
    /// mesh (Unix ms, 0 if never): a node away longer than the tombstone horizon must re-snapshot.
    public func lastSyncMilliseconds() async throws -> Int64 {
        try await database.read { connection in
            let applied = try connection.scalar("SELECT coalesce(max(last_applied_ms), 0) FROM sync_peers")?.int64 ?? 0
            var newest = applied
            for key in ["snapshot_installed_ms", "founded_ms"] {
                let value = Int64(try connection.scalar("SELECT value FROM sync_state WHERE key = ?", key)?.string ?? "") ?? 0
                newest = max(newest, value)
            }
            return newest
        }
    }

    /// Marks this database as the mesh's first state (`ca init`): the founder is in sync by
    /// definition, so it never bootstraps from a snapshot of a member that joined after it
    /// (which would replace the founder's users and keys with the newcomer's copy of them).
    public static func markFounded(_ database: Database, atMilliseconds now: Int64) async throws {
        try await database.write { connection in
            try connection.run("INSERT OR REPLACE INTO sync_state(key, value) VALUES ('founded_ms', ?)", String(now))
        }
    }
}
