import Logging

/// Brings a database to the newest schema, one transaction per migration, recording the
/// version in `PRAGMA user_version`. Refuses a database written by a newer triforce.
struct Migrator {
    let migrations: [Migration]

    var latestVersion: Int { migrations.map(\.version).max() ?? 0 }

    func migrate(_ connection: Connection, logger: Logger) throws {
        let current = try Self.version(of: connection)
        guard current <= latestVersion else {
            throw StorageError(.schemaTooNew,
                "database \(connection.path) has schema version \(current), but this triforce knows only up to \(latestVersion); upgrade triforce or restore a backup")
        }
        for migration in migrations.sorted(by: { $0.version < $1.version }) where migration.version > current {
            do {
                try connection.transaction {
                    try connection.execute(migration.sql)
                    try connection.execute("PRAGMA user_version = \(migration.version)")
                }
            } catch {
                throw StorageError(.migration, "migration \(migration.version) (\(migration.name)) failed: \(error)")
            }
            logger.info("applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
        }
    }

    static func version(of connection: Connection) throws -> Int {
        guard case .integer(let v) = try connection.scalar("PRAGMA user_version") else { return 0 }
        return Int(v)
    }
}
