import FoundationEssentials

/// The node-local audit log: who did what, to what, with which outcome. Never holds
/// secrets: callers pass digests of arguments, not the arguments.
public struct AuditStore: Sendable {
    public struct Entry: Sendable, Codable, Equatable {
        public let id: Int64
        public let atMilliseconds: Int64
        public let actor: String
        public let action: String
        public let target: String
        public let detail: String
        public let outcome: String
        public let durationMilliseconds: Int64?
    }

    public let database: Database

    public init(database: Database) { self.database = database }

    public func record(actor: String, action: String, target: String = "", detail: String = "",
                       outcome: String, durationMilliseconds: Int64? = nil) async throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        // Behind the response (batched); `recent` flushes first, so readers see every row.
        await database.enqueue("audit_log") { connection in
            _ = try connection.run(
                "INSERT INTO audit_log(at_ms, actor, action, target, detail, outcome, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                now, actor, action, target, detail, outcome, durationMilliseconds)
        }
    }

    /// Newest first.
    public func recent(limit: Int = 100, action: String? = nil) async throws -> [Entry] {
        await database.flushQueuedWrites()
        return try await database.read { connection in
            let rows = if let action {
                try connection.query("SELECT * FROM audit_log WHERE action = ? ORDER BY id DESC LIMIT ?", action, limit)
            } else {
                try connection.query("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", limit)
            }
            return rows.map { row in
                Entry(id: row.int("id") ?? 0, atMilliseconds: row.int("at_ms") ?? 0, actor: row.string("actor") ?? "",
                      action: row.string("action") ?? "", target: row.string("target") ?? "",
                      detail: row.string("detail") ?? "", outcome: row.string("outcome") ?? "",
                      durationMilliseconds: row.int("duration_ms"))
            }
        }
    }
}
