import Gateway
import Hummingbird
import Net
import Storage
import FoundationEssentials

extension AdminController {
    /// `GET /status` (the health report), `GET /overview` (status plus traffic and usage),
    /// `GET /panels` (mesh, replication, guardian: real data or "not configured").
    func registerOverview(on api: some RouterMethods<AppRequestContext>) {
        api.get("/status") { _, context in
            try await requireAdmin(context)
            return try Response.json(await status())
        }
        api.get("/overview") { _, context in
            try await requireAdmin(context)
            return try Self.json(try await overview())
        }
        api.get("/panels") { _, context in
            try await requireAdmin(context)
            return try Response.json(await panels.report())
        }
    }

    struct Overview: Encodable {
        let status: JSONValue
        let minutes: [RequestStats.Minute]
        let requestsPerSecond: Double
        let p50Ms: Double?
        let p99Ms: Double?
        let rateLimited: Int64
        let tokensToday: TokensToday
    }

    struct TokensToday: Encodable {
        let day: String
        let requests: Int64
        let promptTokens: Int64
        let completionTokens: Int64
    }

    func overview() async throws -> Overview {
        let now = Date()
        let seconds = Int64(now.timeIntervalSince1970)
        let minutes = stats.recent(unixSeconds: seconds)
        let (p50, p99) = stats.windowPercentiles(unixSeconds: seconds)
        let total = minutes.reduce(Int64(0)) { $0 &+ $1.requests }
        // Over the window's whole minutes plus the current one's elapsed seconds.
        let elapsed = Double((stats.minutes - 1) * 60) + Double(seconds % 60) + 1
        return Overview(status: await status(), minutes: minutes,
                        requestsPerSecond: (Double(total) / elapsed * 1000).rounded() / 1000,
                        p50Ms: p50, p99Ms: p99, rateLimited: minutes.reduce(Int64(0)) { $0 &+ $1.rateLimited },
                        tokensToday: try await tokensToday(UsageStore.day(now)))
    }

    /// Today's (UTC) usage summed over every subject and model, from `usage_daily`.
    func tokensToday(_ day: String) async throws -> TokensToday {
        await database.flushQueuedWrites()
        let row = try await database.read { connection in
            try connection.queryOne("""
                SELECT coalesce(sum(requests), 0) AS requests, coalesce(sum(prompt_tokens), 0) AS prompt,
                       coalesce(sum(completion_tokens), 0) AS completion FROM usage_daily WHERE day = ?
                """, day)
        }
        return TokensToday(day: day, requests: row?.int("requests") ?? 0, promptTokens: row?.int("prompt") ?? 0,
                           completionTokens: row?.int("completion") ?? 0)
    }
}
