import Core
import Net
public import Storage

/// `memory_store`, `memory_search`, `memory_clear` over `MemoryStore`. Notes belong to the
/// caller (`scope: user`, the default) or to everyone (`scope: shared`).
public enum MemoryTools {
    public static func all(store: MemoryStore) -> [any Tool] {
        [MemoryStoreTool(store: store), MemorySearchTool(store: store), MemoryClearTool(store: store)]
    }

    static let kinds = MemoryStore.Kind.allCases.map(\.rawValue)

    static func noteJSON(_ note: MemoryStore.Note) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(note.id), "type": .string(note.kind.rawValue), "content": .string(note.content),
            "tags": .array(note.tags.map { .string($0) }), "confidence": .double(note.confidence),
            "owner": .string(note.owner == MemoryStore.shared ? "shared" : "user"), "created_at": .int(note.createdAt),
        ]
        if let expires = note.expiresAt { object["expires_at"] = .int(expires) }
        return .object(object)
    }

    static func strings(_ value: JSONValue?) -> [String] { value?.arrayValue?.compactMap(\.stringValue) ?? [] }
}

struct MemoryStoreTool: Tool {
    let store: MemoryStore
    let name = "memory_store"
    let description = "Remember a note (fact, decision, code, summary or todo) with tags, a confidence and an optional time to live."
    let feature = Feature.memory
    let annotations = ToolAnnotations(readOnly: false)
    var inputSchema: JSONValue {
        InputSchema.object([
            "content": InputSchema.string("the note text", minLength: 1, maxLength: 20_000),
            "type": InputSchema.string("kind of note", enum: MemoryTools.kinds),
            "tags": InputSchema.array("short tags", items: InputSchema.string("tag", minLength: 1, maxLength: 64), maxItems: 32),
            "confidence": InputSchema.number("0..1, how sure the note is", minimum: 0, maximum: 1),
            "ttl_seconds": InputSchema.integer("expire after this many seconds", minimum: 1, maximum: 31_536_000),
            "scope": InputSchema.string("user (default): only you; shared: everyone", enum: ["user", "shared"]),
        ], required: ["content"])
    }

    func call(_ arguments: [String: JSONValue], context: ToolContext) async throws -> ToolResult {
        let owner = arguments["scope"]?.stringValue == "shared" ? MemoryStore.shared : context.principal.subject
        let kind = MemoryStore.Kind(rawValue: arguments["type"]?.stringValue ?? "fact") ?? .fact
        let note = try await store.store(owner: owner, kind: kind, content: arguments["content"]?.stringValue ?? "",
                                         tags: MemoryTools.strings(arguments["tags"]),
                                         confidence: arguments["confidence"]?.doubleValue ?? 1,
                                         ttlSeconds: arguments["ttl_seconds"]?.intValue.map(Int.init))
        return .text("stored \(kind.rawValue) note \(note.id)", structured: MemoryTools.noteJSON(note))
    }
}

struct MemorySearchTool: Tool {
    let store: MemoryStore
    let name = "memory_search"
    let description = "Full-text search over your notes and shared notes, best match first (bm25), with snippets."
    let feature = Feature.memory
    let annotations = ToolAnnotations.readOnlyLocal
    var inputSchema: JSONValue {
        InputSchema.object([
            "query": InputSchema.string("words to look for", minLength: 1, maxLength: 1_000),
            "type": InputSchema.array("only these kinds", items: InputSchema.string("kind", enum: MemoryTools.kinds)),
            "tags": InputSchema.array("notes must carry all these tags", items: InputSchema.string("tag"), maxItems: 16),
            "min_confidence": InputSchema.number("skip notes below this confidence", minimum: 0, maximum: 1),
            "limit": InputSchema.integer("most results", minimum: 1, maximum: 100),
        ], required: ["query"])
    }

    func call(_ arguments: [String: JSONValue], context: ToolContext) async throws -> ToolResult {
        let hits = try await store.search(
            arguments["query"]?.stringValue ?? "", owners: [context.principal.subject, MemoryStore.shared],
            kinds: MemoryTools.strings(arguments["type"]).compactMap(MemoryStore.Kind.init(rawValue:)),
            tags: MemoryTools.strings(arguments["tags"]),
            minConfidence: arguments["min_confidence"]?.doubleValue ?? 0,
            limit: Int(arguments["limit"]?.intValue ?? 10))
        let results: [JSONValue] = hits.map { hit in
            guard case .object(var object) = MemoryTools.noteJSON(hit.note) else { return .null }
            object["snippet"] = .string(hit.snippet)
            object["score"] = .double(-hit.rank)
            return .object(object)
        }
        let text = hits.isEmpty ? "no matching notes"
            : hits.map { "[\($0.note.kind.rawValue)] \($0.snippet)" }.joined(separator: "\n")
        return .text(text, structured: ["results": .array(results), "count": .int(Int64(hits.count))])
    }
}

struct MemoryClearTool: Tool {
    let store: MemoryStore
    let name = "memory_clear"
    let description = "Delete your notes by type and/or age. Needs confirm: true."
    let feature = Feature.memory
    let annotations = ToolAnnotations(readOnly: false, destructive: true, idempotent: true)
    var inputSchema: JSONValue {
        InputSchema.object([
            "confirm": InputSchema.boolean("must be true: deletion cannot be undone"),
            "type": InputSchema.array("only these kinds (default: all)", items: InputSchema.string("kind", enum: MemoryTools.kinds)),
            "older_than_seconds": InputSchema.integer("only notes older than this", minimum: 0, maximum: 3_153_600_000),
            "scope": InputSchema.string("user (default) or shared (admins only)", enum: ["user", "shared"]),
        ], required: ["confirm"])
    }

    func call(_ arguments: [String: JSONValue], context: ToolContext) async throws -> ToolResult {
        guard arguments["confirm"]?.boolValue == true else {
            throw ToolError(.invalidArgument, "memory_clear deletes notes for good; pass confirm: true to proceed")
        }
        var owner = context.principal.subject
        if arguments["scope"]?.stringValue == "shared" {
            guard context.principal.isAdmin else { throw ToolError(.refused, "only admins may clear shared notes") }
            owner = MemoryStore.shared
        }
        let removed = try await store.clear(
            owner: owner, kinds: MemoryTools.strings(arguments["type"]).compactMap(MemoryStore.Kind.init(rawValue:)),
            olderThanSeconds: arguments["older_than_seconds"]?.intValue.map(Int.init))
        return .text("removed \(removed) notes", structured: ["removed": .int(Int64(removed))])
    }
}
