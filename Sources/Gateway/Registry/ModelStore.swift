public import Storage
import Net
import FoundationEssentials

/// The `models` table: what discovery found, read by routing and `/v1/models`.
/// Local to this node (each node discovers its own providers).
public struct ModelStore: Sendable {
    public let database: Database
    private let cached: Snapshot<RegistrySnapshot>

    public init(database: Database) {
        self.database = database
        self.cached = Snapshot(database: database) { database in
            RegistrySnapshot(records: try await database.read { connection in
                let disabled = try Self.disabledIDs(connection)
                return try connection.query("SELECT * FROM models ORDER BY id").map { row in
                    var record = Self.record(row)
                    // An admin's "disabled" wins over discovery: routing skips it, /v1/models says so.
                    if disabled.contains(record.id) { record.status = Self.disabledStatus }
                    return record
                }
            })
        }
    }

    /// The registry as of the last write: what the request path reads (no SQLite).
    public func snapshot() async throws -> RegistrySnapshot { try await cached.current() }

    /// Records a successful discovery: listed models become available (last_seen now);
    /// models the provider no longer lists stay, marked unavailable.
    public func replace(provider: String, with models: [DiscoveredModel], now: Int64 = Self.now()) async throws {
        try await database.transaction { connection in
            _ = try connection.run("UPDATE models SET status = 'unavailable' WHERE provider = ?", provider)
            for model in models {
                let capabilities = JSONValue.array(model.capabilities.map { .string($0) }).jsonText
                _ = try connection.run("""
                    INSERT INTO models (id, provider, upstream_id, owned_by, capabilities, context_window, created_at, last_seen_at, status)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'available')
                    ON CONFLICT(id) DO UPDATE SET owned_by = excluded.owned_by, capabilities = excluded.capabilities,
                        context_window = COALESCE(excluded.context_window, models.context_window),
                        last_seen_at = excluded.last_seen_at, status = 'available'
                    """, "\(provider)/\(model.upstreamID)", provider, model.upstreamID, model.ownedBy, capabilities,
                    model.contextWindow.map { Int64($0) }, now, now)
            }
        }
    }

    /// A failed discovery keeps the last known models, marked unavailable (never an invented list).
    public func markUnavailable(provider: String) async throws {
        _ = try await database.write { try $0.run("UPDATE models SET status = 'unavailable' WHERE provider = ?", provider) }
    }

    public func all() async throws -> [ModelRecord] { try await snapshot().records }

    /// Status of a model an admin switched off.
    public static let disabledStatus = "disabled"
    /// Node setting holding the disabled model ids (a JSON array): local, like the registry.
    static let disabledSetting = "models.disabled"

    /// Switches a model off (routing skips it) or back on; the snapshot swaps on the write.
    public func setEnabled(_ id: String, _ enabled: Bool) async throws {
        try await database.transaction { connection in
            var ids = try Self.disabledIDs(connection)
            if enabled { ids.remove(id) } else { ids.insert(id) }
            let text = JSONValue.array(ids.sorted().map { .string($0) }).jsonText
            _ = try connection.run("""
                INSERT INTO settings(key, value, updated_at) VALUES (?, ?, ?)
                ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                """, Self.disabledSetting, text, Self.now())
        }
    }

    static func disabledIDs(_ connection: Connection) throws -> Set<String> {
        let text = try connection.queryOne("SELECT value FROM settings WHERE key = ?", disabledSetting)?.string("value")
        return Set(JSONValue.parse(text ?? "[]")?.arrayValue?.compactMap(\.stringValue) ?? [])
    }

    static func record(_ row: Row) -> ModelRecord {
        let capabilities = JSONValue.parse(row.string("capabilities") ?? "[]")?.arrayValue?.compactMap(\.stringValue) ?? []
        return ModelRecord(id: row.string("id") ?? "", provider: row.string("provider") ?? "",
                           upstreamID: row.string("upstream_id") ?? "", ownedBy: row.string("owned_by") ?? "",
                           capabilities: capabilities, contextWindow: row.int("context_window").map { Int($0) },
                           createdAt: row.int("created_at") ?? 0, lastSeenAt: row.int("last_seen_at") ?? 0,
                           status: row.string("status") ?? "unavailable")
    }

    public static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }
}
