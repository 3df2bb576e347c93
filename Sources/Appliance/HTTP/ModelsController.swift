import Hummingbird
import Net
import Storage
import FoundationEssentials

/// `GET /v1/models` in the OpenAI list shape, read from the registry table. Extra fields
/// (provider, capabilities, status) ride along; OpenAI clients ignore them.
struct ModelsController: Sendable {
    let database: Database

    func register(on router: some RouterMethods<AppRequestContext>) {
        router.get("/v1/models") { _, _ in try Response.json(ModelList(data: try await list())) }
    }

    func list() async throws -> [ModelEntry] {
        try await database.read { connection in
            try connection.query("SELECT id, provider, owned_by, capabilities, context_window, created_at, status FROM models ORDER BY id")
                .map { row in
                    let capabilities = (try? JSONDecoder().decode([String].self, from: Data((row.string("capabilities") ?? "[]").utf8))) ?? []
                    return ModelEntry(id: row.string("id") ?? "", created: row.int("created_at") ?? 0,
                                      ownedBy: row.string("owned_by").flatMap { $0.isEmpty ? nil : $0 } ?? row.string("provider") ?? "",
                                      provider: row.string("provider") ?? "", capabilities: capabilities,
                                      contextWindow: row.int("context_window"), status: row.string("status") ?? "unknown")
                }
        }
    }
}

struct ModelList: Encodable {
    let object = "list"
    let data: [ModelEntry]
}

struct ModelEntry: Encodable, Sendable {
    let id: String
    let object = "model"
    let created: Int64
    let ownedBy: String
    let provider: String
    let capabilities: [String]
    let contextWindow: Int64?
    let status: String

    enum CodingKeys: String, CodingKey {
        case id, object, created, provider, capabilities, status
        case ownedBy = "owned_by"
        case contextWindow = "context_window"
    }
}
