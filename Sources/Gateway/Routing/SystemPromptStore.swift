public import Storage
public import Core
import Net
import FoundationEssentials

/// Per-task default system prompts, put in front of a request that brings no system message
/// of its own. Kept in the node-local settings table (key `gateway.system_prompts`, a JSON
/// object task → text): they come from the config repository, which every node applies
/// itself. Requests read an in-memory snapshot, rebuilt only when the database changed.
public struct SystemPromptStore: Sendable {
    public static let settingsKey = "gateway.system_prompts"
    /// Longest prompt accepted: it is sent with every request of its task.
    public static let maxBytes = 16_384

    private let snapshot: Snapshot<[TaskKind: String]>

    public init(database: Database) {
        snapshot = Snapshot(database: database) { database in
            let text = try await database.read { try $0.queryOne("SELECT value FROM settings WHERE key = ?", Self.settingsKey)?.string("value") }
            var prompts: [TaskKind: String] = [:]
            for (name, value) in JSONValue.parse(text ?? "{}")?.objectValue ?? [:] {
                if let task = TaskKind(rawValue: name), let prompt = value.stringValue, !prompt.isEmpty { prompts[task] = prompt }
            }
            return prompts
        }
    }

    public func prompt(for task: TaskKind) async throws -> String? { try await snapshot.current()[task] }

    /// Replaces every prompt, on a caller's connection (one transaction with the rest of a
    /// config commit). An empty map removes them all.
    public static func write(_ prompts: [TaskKind: String], _ connection: Connection) throws {
        guard !prompts.isEmpty else {
            _ = try connection.run("DELETE FROM settings WHERE key = ?", settingsKey)
            return
        }
        var object: [String: JSONValue] = [:]
        for (task, prompt) in prompts { object[task.rawValue] = .string(prompt) }
        try connection.run("""
            INSERT INTO settings(key, value, updated_at) VALUES (?, ?, ?)
            ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
            """, settingsKey, JSONValue.object(object).jsonText, Int64(Date().timeIntervalSince1970))
    }

    /// `request` with the task's prompt as its first message when it has no system message.
    func applied(to request: ChatRequest, task: TaskKind?) async throws -> ChatRequest {
        guard let task, !request.messages.contains(where: { $0.role == .system }),
              let prompt = try await prompt(for: task) else { return request }
        var request = request
        request.messages.insert(ChatMessage(role: .system, text: prompt), at: 0)
        return request
    }
}
