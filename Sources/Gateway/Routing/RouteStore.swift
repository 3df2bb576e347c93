public import Storage
public import Core
public import Net

/// The `routes` table: per task, the ordered candidate models. A task without a row uses
/// the defaults below. Routed requests read an in-memory snapshot of the table, rebuilt
/// after a local write at once and after `triforce route set` in another process within
/// the database poll interval (250 ms).
public struct RouteStore: Sendable {
    public let database: Database
    let origin: ReplicaOrigin
    private let stored: Snapshot<[TaskKind: [String]]>

    public init(database: Database, origin: ReplicaOrigin) {
        self.database = database
        self.origin = origin
        self.stored = Snapshot(database: database) { database in
            let rows = try await database.read { try $0.query("SELECT task, models FROM routes WHERE deleted = 0") }
            var routes: [TaskKind: [String]] = [:]
            for row in rows {
                guard let task = row.string("task").flatMap(TaskKind.init(rawValue:)),
                      let list = JSONValue.parse(row.string("models") ?? "")?.arrayValue else { continue }
                routes[task] = list.compactMap(\.stringValue)
            }
            return routes
        }
    }

    /// Sensible defaults: strong models first, fast free-tier hosts next, local last.
    public static let defaults: [TaskKind: [String]] = [
        .code: ["anthropic/claude-sonnet-4-5", "openai/gpt-4.1", "gemini/gemini-2.5-pro", "mistral/codestral-latest",
                "groq/llama-3.3-70b-versatile", "cerebras/llama-3.3-70b", "ollama/qwen2.5-coder:7b"],
        .creative: ["anthropic/claude-sonnet-4-5", "openai/gpt-4o", "gemini/gemini-2.5-flash", "mistral/mistral-large-latest",
                    "groq/llama-3.3-70b-versatile", "ollama/llama3.2"],
        .research: ["gemini/gemini-2.5-pro", "openai/gpt-4.1", "anthropic/claude-sonnet-4-5", "mistral/mistral-large-latest",
                    "groq/llama-3.3-70b-versatile", "ollama/llama3.2"],
        .math: ["openai/o4-mini", "gemini/gemini-2.5-pro", "anthropic/claude-sonnet-4-5", "groq/llama-3.3-70b-versatile",
                "cerebras/llama-3.3-70b", "ollama/qwen2.5:7b"],
        .general: ["gemini/gemini-2.5-flash", "groq/llama-3.3-70b-versatile", "openai/gpt-4o-mini", "anthropic/claude-haiku-4-5",
                   "mistral/mistral-small-latest", "cerebras/llama-3.3-70b", "openrouter/meta-llama/llama-3.3-70b-instruct",
                   "ollama/llama3.2"],
    ]

    /// The route for a task and whether it came from the table (false: defaults).
    public func route(for task: TaskKind) async throws -> (models: [String], stored: Bool) {
        if let models = try await stored.current()[task] { return (models, true) }
        return (Self.defaults[task] ?? [], false)
    }

    public func set(_ task: TaskKind, models: [String]) async throws {
        let origin = self.origin
        _ = try await database.transaction { try Self.write(task, models: models, $0, origin) }
    }

    /// The upsert on a caller's connection, so several stores can share one transaction
    /// (config from git applies routes, tiers, providers and agents together).
    public static func write(_ task: TaskKind, models: [String], _ connection: Connection, _ origin: ReplicaOrigin) throws {
        let text = JSONValue.array(models.map { .string($0) }).jsonText
        try connection.run("""
            INSERT INTO routes (task, models, hlc, origin, deleted) VALUES (?, ?, ?, ?, 0)
            ON CONFLICT(task) DO UPDATE SET models = excluded.models, hlc = excluded.hlc, origin = excluded.origin, deleted = 0
            """, task.rawValue, text, origin.stamp(connection), origin.nodeID)
    }

    /// Back to the defaults: a tombstone, so the reset replicates like any other write.
    public func reset(_ task: TaskKind) async throws {
        let origin = self.origin
        _ = try await database.transaction { try Self.reset(task, $0, origin) }
    }

    /// The tombstone on a caller's connection.
    public static func reset(_ task: TaskKind, _ connection: Connection, _ origin: ReplicaOrigin) throws {
        _ = try connection.run("UPDATE routes SET deleted = 1, hlc = ?, origin = ? WHERE task = ? AND deleted = 0",
                               origin.stamp(connection), origin.nodeID, task.rawValue)
    }
}
