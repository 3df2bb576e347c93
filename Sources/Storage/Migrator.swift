import Logging

/// Brings a database to the newest schema, one transaction per migration, recording the
/// version in `PRAGMA user_version` inside that same transaction (so a failed migration leaves
/// both schema and version untouched). Refuses a database written by a newer triforce.
struct Migrator {
    let migrations: [Migration]

    var latestVersion: Int { migrations.map(\.version).max() ?? 0 }

    func migrate(_ connection: Connection, logger: Logger) throws {
        let versions = migrations.map(\.version)
        guard Set(versions).count == versions.count, versions.allSatisfy({ $0 > 0 }) else {
            throw StorageError(.migration, "migration versions must be unique and positive: \(versions.sorted())")
        }
        let current = try Self.version(of: connection)
        try refuseNewer(current, connection)
        for migration in migrations.sorted(by: { $0.version < $1.version }) where migration.version > current {
            let applied: Bool
            do {
                applied = try connection.transaction {
                    // Re-read under the write lock: another process may have migrated since.
                    let now = try Self.version(of: connection)
                    try refuseNewer(now, connection)
                    guard now < migration.version else { return false }
                    try connection.execute(migration.sql)
                    try connection.execute("PRAGMA user_version = \(migration.version)")
                    return true
                }
            } catch let error as StorageError where error.code == .schemaTooNew {
                throw error
            } catch {
                throw StorageError(.migration,
                    "database \(connection.path): migration \(migration.version) (\(migration.name)) failed and was rolled back: \(error)")
            }
            if applied {
                logger.info("applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            }
        }
    }

    private func refuseNewer(_ version: Int, _ connection: Connection) throws(StorageError) {
        guard version <= latestVersion else {
            throw StorageError(.schemaTooNew,
                "database \(connection.path) has schema version \(version), but this triforce knows only up to \(latestVersion); upgrade triforce or restore a backup")
        }
    }

    static func version(of connection: Connection) throws -> Int {
        guard case .integer(let v) = try connection.scalar("PRAGMA user_version") else { return 0 }
        return Int(v)
    }
}
