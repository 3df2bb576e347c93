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

    /// What an admin narrows the log to; nil or empty fields match everything. Times are Unix ms.
    public struct Filter: Sendable, Equatable {
        /// Any of these actors (a user is logged by email for logins and admin actions, by id
        /// for tool calls, so a caller passes both).
        public var actors: [String]
        public var action: String?
        /// What was acted on: the tool name for `mcp.tool` rows.
        public var target: String?
        public var outcome: String?
        public var sinceMilliseconds: Int64?
        public var untilMilliseconds: Int64?

        public init(actors: [String] = [], action: String? = nil, target: String? = nil, outcome: String? = nil,
                    sinceMilliseconds: Int64? = nil, untilMilliseconds: Int64? = nil) {
            self.actors = actors
            self.action = action
            self.target = target
            self.outcome = outcome
            self.sinceMilliseconds = sinceMilliseconds
            self.untilMilliseconds = untilMilliseconds
        }
    }

    /// Newest first.
    public func recent(limit: Int = 100, action: String? = nil) async throws -> [Entry] {
        try await recent(limit: limit, filter: Filter(action: action))
    }

    /// Newest first, narrowed by `filter`: actor and action match exactly, or by prefix when
    /// they end in `*` ("admin.*"); outcome matches by prefix ("failed" finds "failed: ...").
    public func recent(limit: Int, filter: Filter) async throws -> [Entry] {
        await database.flushQueuedWrites()
        var sql = "SELECT * FROM audit_log WHERE 1 = 1"
        var args: [SQLValue] = []
        /// `column` equals one of `values`, or starts with it when it ends in `*` (or always, `prefixOnly`).
        func match(_ column: String, _ values: [String], prefixOnly: Bool = false) {
            let values = values.filter { !$0.isEmpty }
            guard !values.isEmpty else { return }
            var alternatives: [String] = []
            for value in values {
                if prefixOnly || value.hasSuffix("*") {
                    let stem = value.hasSuffix("*") ? String(value.dropLast()) : value
                    alternatives.append("substr(\(column), 1, ?) = ?")
                    args += [.integer(Int64(stem.utf8.count)), .text(stem)]
                } else {
                    alternatives.append("\(column) = ?")
                    args.append(.text(value))
                }
            }
            sql += " AND (" + alternatives.joined(separator: " OR ") + ")"
        }
        match("actor", filter.actors)
        match("action", filter.action.map { [$0] } ?? [])
        match("target", filter.target.map { [$0] } ?? [])
        match("outcome", filter.outcome.map { [$0] } ?? [], prefixOnly: true)
        if let since = filter.sinceMilliseconds { sql += " AND at_ms >= ?"; args.append(.integer(since)) }
        if let until = filter.untilMilliseconds { sql += " AND at_ms <= ?"; args.append(.integer(until)) }
        sql += " ORDER BY id DESC LIMIT ?"
        args.append(.integer(Int64(max(0, limit))))
        let statement = sql
        let bound = args
        return try await database.read { connection in
            try connection.query(statement, bound).map { row in
                Entry(id: row.int("id") ?? 0, atMilliseconds: row.int("at_ms") ?? 0, actor: row.string("actor") ?? "",
                      action: row.string("action") ?? "", target: row.string("target") ?? "",
                      detail: row.string("detail") ?? "", outcome: row.string("outcome") ?? "",
                      durationMilliseconds: row.int("duration_ms"))
            }
        }
    }
}
