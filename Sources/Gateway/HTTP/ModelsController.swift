public import Hummingbird
public import Net

/// `GET /v1/models` from the registry in the OpenAI list shape, plus provider,
/// capabilities, context window and live status (available, unavailable, misconfigured,
/// circuit_open). OpenAI clients ignore the extra fields.
public struct ModelsController: Sendable {
    let gateway: Gateway

    public init(gateway: Gateway) { self.gateway = gateway }

    public func register(on router: some RouterMethods<AppRequestContext>) {
        router.get("/v1/models") { _, _ in try await list() }
    }

    func list() async throws -> Response {
        let data: [JSONValue] = try await gateway.listModels().map { record in
            var entry: [String: JSONValue] = [
                "id": .string(record.id), "object": "model", "created": .int(record.createdAt),
                "owned_by": .string(record.ownedBy.isEmpty ? record.provider : record.ownedBy),
                "provider": .string(record.provider), "upstream_id": .string(record.upstreamID),
                "capabilities": .array(record.capabilities.map { .string($0) }), "status": .string(record.status),
            ]
            entry["context_window"] = record.contextWindow.map { .int(Int64($0)) } ?? .null
            return .object(entry)
        }
        return try Response.json(["object": "list", "data": .array(data)] as JSONValue)
    }
}
