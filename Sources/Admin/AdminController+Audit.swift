import Auth
import Hummingbird
import Net
import Storage
import FoundationEssentials

extension AdminController {
    /// The audit log with filters, and the log ring (`after` makes it a live tail: the
    /// console polls with the newest timestamp it has).
    func registerAudit(on api: some RouterMethods<AppRequestContext>) {
        api.get("/audit") { request, context in
            try await requireAdmin(context)
            let limit = try Self.integer(request, "limit", default: 100, in: 1...1_000)
            let tool = try Self.string(request, "tool")
            var filter = AuditStore.Filter(
                action: try Self.string(request, "action") ?? (tool == nil ? nil : "mcp.tool"), target: tool,
                outcome: try Self.string(request, "outcome"),
                sinceMilliseconds: try Self.int64(request, "since"), untilMilliseconds: try Self.int64(request, "until"))
            if let user = try Self.string(request, "user") {
                // Logins and admin actions log the email, tool calls the user id: match both.
                filter.actors = [user]
                if !user.hasSuffix("*"), let found = try await auth.users.find(email: user) { filter.actors += [found.email, found.id] }
            }
            let entries = try await audit.recent(limit: limit, filter: filter).map(AuditView.init)
            return try Self.json(["entries": entries])
        }
        api.get("/logs") { request, context in
            try await requireAdmin(context)
            let limit = try Self.integer(request, "limit", default: 200, in: 1...2_000)
            let level = try Self.string(request, "level", maxBytes: 16)
            if let level, !Self.levels.contains(level) {
                throw APIError.badRequest("level must be one of " + Self.levels.joined(separator: ", "), code: "invalid_parameter")
            }
            let after = try Self.double(request, "after")
            var lines = logRing.recent(limit: logRing.capacity, minimumLevel: level, label: try Self.string(request, "category"))
            if let after { lines = lines.filter { $0.timestamp > after } }
            return try Response.json(["lines": Array(lines.suffix(limit))])
        }
    }

    static let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    static func double(_ request: Request, _ name: String) throws -> Double? {
        guard let text = request.uri.queryParameters[Substring(name)].map(String.init), !text.isEmpty else { return nil }
        guard let number = Double(text), number.isFinite else {
            throw APIError.badRequest("query parameter \(name) must be a number", code: "invalid_parameter")
        }
        return number
    }

    struct AuditView: Encodable {
        let id: Int64
        /// Unix milliseconds.
        let at: Int64
        let actor: String
        let action: String
        let target: String
        let detail: String
        let outcome: String
        let durationMs: Int64?

        init(_ entry: AuditStore.Entry) {
            id = entry.id
            at = entry.atMilliseconds
            actor = entry.actor
            action = entry.action
            target = entry.target
            detail = entry.detail
            outcome = entry.outcome
            durationMs = entry.durationMilliseconds
        }
    }
}
