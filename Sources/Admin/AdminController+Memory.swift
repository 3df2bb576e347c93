import Auth
import Hummingbird
import Net
import Storage
import FoundationEssentials

extension AdminController {
    /// Memory notes of every owner: FTS search (newest first without a query), view, delete.
    func registerMemory(on api: some RouterMethods<AppRequestContext>) {
        api.get("/memory") { request, context in
            try await requireAdmin(context)
            let query = try Self.string(request, "q", maxBytes: 500) ?? ""
            let limit = try Self.integer(request, "limit", default: 50, in: 1...500)
            let notes: [NoteView]
            if query.allSatisfy(\.isWhitespace) {
                notes = try await memory.recentAllOwners(limit: limit).map { NoteView($0, snippet: nil) }
            } else {
                notes = try await memory.searchAllOwners(query, limit: limit).map { NoteView($0.note, snippet: $0.snippet) }
            }
            return try Self.json(["notes": notes])
        }
        api.get("/memory/:id") { _, context in
            try await requireAdmin(context)
            let id = context.parameters.get("id") ?? ""
            guard id.utf8.count <= 64, let note = try await memory.note(id: id) else {
                throw APIError.notFound("no memory note with id \(id.prefix(64))", code: "note_not_found")
            }
            return try Self.json(NoteView(note, snippet: nil))
        }
        api.delete("/memory/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            return try await audited(context, "admin.memory.delete", target: String(id.prefix(64))) { _ in
                guard id.utf8.count <= 64, try await memory.delete(id: id) else {
                    throw APIError.notFound("no memory note with id \(id.prefix(64))", code: "note_not_found")
                }
                return try Self.json(["deleted": id])
            }
        }
    }

    var memory: MemoryStore { MemoryStore(database: database, origin: auth.users.origin) }

    struct NoteView: Encodable {
        let id: String
        let owner: String
        let kind: String
        let content: String
        let tags: [String]
        let confidence: Double
        /// Unix milliseconds.
        let createdAt: Int64
        let expiresAt: Int64?
        /// The matching words in [brackets], for a search.
        let snippet: String?

        init(_ note: MemoryStore.Note, snippet: String?) {
            id = note.id
            owner = note.owner
            kind = note.kind.rawValue
            content = note.content
            tags = note.tags
            confidence = note.confidence
            createdAt = note.createdAt
            expiresAt = note.expiresAt
            self.snippet = snippet
        }
    }
}
