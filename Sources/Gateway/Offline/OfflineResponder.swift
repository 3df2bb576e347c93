public import Storage
import FoundationEssentials

/// The last resort, `triforce/offline`: says plainly that no upstream could answer, lists
/// what failed, and offers what the node knows locally (memory notes matching the question).
/// It never pretends to be a language model.
public struct OfflineResponder: Sendable {
    public static let modelID = "triforce/offline"
    public let database: Database

    public init(database: Database) { self.database = database }

    public func answer(_ request: ChatRequest, subject: String, failures: [String]) async -> String {
        var lines = ["TriForce offline answer: no upstream model is reachable from this node right now, so this reply comes from the node itself, not from a language model."]
        if failures.isEmpty {
            lines.append("No provider is configured or available. Set an API key (for example OPENAI_API_KEY or GROQ_API_KEY) or start a local runtime such as Ollama.")
        } else {
            lines.append("Tried and failed:")
            lines += failures.prefix(12).map { "- \($0)" }
        }
        let notes: [String]
        do {
            notes = try await searchNotes(request.lastUserText, subject: subject)
        } catch {
            notes = []
            lines.append("(The memory notes could not be searched: \(error).)")
        }
        if notes.isEmpty {
            lines.append("No stored memory note matches your question.")
        } else {
            lines.append("From this node's memory notes:")
            lines += notes.map { "- \($0)" }
        }
        lines.append("Try again later; the node keeps probing its providers.")
        return lines.joined(separator: "\n")
    }

    /// Full-text search over the caller's and shared notes; words are quoted so user text
    /// can never be read as FTS syntax.
    func searchNotes(_ text: String, subject: String) async throws -> [String] {
        let words = text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init).filter { $0.count > 2 }.prefix(12)
        guard !words.isEmpty else { return [] }
        let query = words.map { "\"\($0)\"" }.joined(separator: " OR ")
        // Memory note times are milliseconds (MemoryStore); seconds here kept expired notes alive.
        let now = MemoryStore.nowMilliseconds()
        return try await database.read { connection in
            try connection.query("""
                SELECT n.content, n.type FROM memory_fts JOIN memory_notes n ON n.rowid = memory_fts.rowid
                WHERE memory_fts MATCH ? AND n.deleted = 0 AND (n.owner = ? OR n.owner = 'shared')
                  AND (n.expires_at IS NULL OR n.expires_at > ?)
                ORDER BY rank LIMIT 5
                """, query, subject, now).compactMap { row in
                row.string("content").map { "[\(row.string("type") ?? "note")] \($0)" }
            }
        }
    }
}
