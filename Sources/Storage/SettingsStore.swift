import FoundationEssentials

/// Node-local key/value settings (the "stored settings" layer of the configuration).
public struct SettingsStore: Sendable {
    public let database: Database

    public init(database: Database) { self.database = database }

    public func get(_ key: String) async throws -> String? {
        try await database.read { try $0.queryOne("SELECT value FROM settings WHERE key = ?", key)?.string("value") }
    }

    public func all() async throws -> [String: String] {
        try await database.read { connection in
            var result: [String: String] = [:]
            for row in try connection.query("SELECT key, value FROM settings WHERE key NOT LIKE 'health.%'") {
                if let key = row.string("key"), let value = row.string("value") { result[key] = value }
            }
            return result
        }
    }

    public func set(_ key: String, _ value: String) async throws {
        try await database.write { connection in
            try connection.run(
                "INSERT INTO settings(key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                key, value, Int64(Date().timeIntervalSince1970))
        }
    }

    public func remove(_ key: String) async throws {
        try await database.write { try $0.run("DELETE FROM settings WHERE key = ?", key) }
    }
}
