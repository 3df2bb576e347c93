public import Core
public import Hummingbird
public import Net
public import Storage
import FoundationEssentials

/// The admin page (`GET /admin`, static, embedded) and its JSON API under `/v1/admin`.
/// The page itself holds no data; every API call requires an authenticated admin.
public struct AdminController: Sendable {
    let database: Database
    let logRing: LogRing
    let policy: any AccessPolicy
    /// Node status as the page shows it (identity, health, providers), built by the wiring.
    let status: @Sendable () async -> JSONValue

    public init(database: Database, logRing: LogRing, policy: any AccessPolicy,
                status: @escaping @Sendable () async -> JSONValue) {
        self.database = database
        self.logRing = logRing
        self.policy = policy
        self.status = status
    }

    public func register(on router: some RouterMethods<AppRequestContext>) {
        router.get("/admin") { _, _ in AdminPage.response() }
        router.get("/admin/app.js") { _, _ in AdminPage.file(AdminPage.javascript, type: "text/javascript; charset=utf-8") }
        router.get("/admin/app.css") { _, _ in AdminPage.file(AdminPage.css, type: "text/css; charset=utf-8") }
        let api = router.group("/v1/admin")
        api.get("/status") { _, context in
            try await requireAdmin(context)
            return try Response.json(await status())
        }
        api.get("/logs") { request, context in
            try await requireAdmin(context)
            let query = request.uri.queryParameters
            let limit = min(max(Int(query["limit"].map(String.init) ?? "200") ?? 200, 1), 2_000)
            let lines = logRing.recent(limit: limit, minimumLevel: query["level"].map(String.init),
                                       label: query["category"].map(String.init))
            return try Response.json(["lines": lines])
        }
        api.get("/audit") { request, context in
            try await requireAdmin(context)
            let query = request.uri.queryParameters
            let limit = min(max(Int(query["limit"].map(String.init) ?? "100") ?? 100, 1), 1_000)
            let entries = try await AuditStore(database: database).recent(limit: limit, action: query["action"].map(String.init))
            return try Response.json(["entries": entries])
        }
        api.get("/users") { _, context in
            try await requireAdmin(context)
            return try Response.json(["users": try await users()])
        }
    }

    /// No credentials is 401 (log in); credentials without the admin role is 403.
    func requireAdmin(_ context: AppRequestContext) async throws {
        guard let principal = context.principal, !principal.isGuest else {
            throw APIError.unauthorized("admin API: log in as an admin and send Authorization: Bearer <token>")
        }
        try await policy.require(.admin, for: principal)
    }

    /// Users without credential material: the page never sees a hash.
    func users() async throws -> [AdminUser] {
        try await database.read { connection in
            try connection.query("SELECT id, email, tier, role, disabled, created_at FROM users WHERE deleted = 0 ORDER BY email")
                .map { row in
                    AdminUser(id: row.string("id") ?? "", email: row.string("email") ?? "", tier: row.string("tier") ?? "",
                              role: row.string("role") ?? "", disabled: row.bool("disabled") ?? false,
                              createdAt: row.int("created_at") ?? 0)
                }
        }
    }
}

struct AdminUser: Encodable, Sendable {
    let id: String
    let email: String
    let tier: String
    let role: String
    let disabled: Bool
    let createdAt: Int64

    enum CodingKeys: String, CodingKey {
        case id, email, tier, role, disabled
        case createdAt = "created_at"
    }
}
