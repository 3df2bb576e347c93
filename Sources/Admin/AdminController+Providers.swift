import Auth
import Gateway
import Hummingbird
import Logging
import Net
import Storage
import FoundationEssentials

extension AdminController {
    /// Providers with their models' live state; enable/disable a model; a table provider's
    /// weight; a rediscovery.
    func registerProviders(on api: some RouterMethods<AppRequestContext>) {
        api.get("/providers") { _, context in
            try await requireAdmin(context)
            return try Self.json(["providers": try await providers()])
        }
        api.put("/models/state") { request, context in
            try await audited(context, "admin.model.state") { note in
                let body = try await request.decodeJSON(as: ModelState.self, context: context)
                note.target = body.id
                note.detail = body.enabled ? "enabled" : "disabled"
                guard !body.id.isEmpty, body.id.utf8.count <= 512 else {
                    throw APIError.badRequest("id must be a model id of 1-512 bytes, e.g. openai/gpt-4o", code: "invalid_model")
                }
                guard try await gateway.models.all().contains(where: { $0.id == body.id }) else {
                    throw APIError.notFound("no model \(body.id) in the registry; GET /v1/admin/providers lists them")
                }
                try await gateway.models.setEnabled(body.id, body.enabled)
                return try Self.json(body)
            }
        }
        api.put("/providers/:name/weight") { request, context in
            let name = context.parameters.get("name") ?? ""
            return try await audited(context, "admin.provider.weight", target: name) { note in
                let body = try await request.decodeJSON(as: Weight.self, context: context)
                note.detail = "\(body.weight)"
                let store = ProviderStore(database: database, origin: auth.users.origin)
                guard try await store.list().contains(where: { $0.name == name }) else {
                    throw APIError.notFound("no provider named \(name.prefix(64)) in the providers table; environment providers take "
                                            + "their weight from the environment", code: "provider_not_found")
                }
                try await store.setWeight(name: name, weight: body.weight)
                return try Self.json(["name": JSONValue.string(name), "weight": .double(body.weight)])
            }
        }
        api.post("/discovery") { _, context in
            try await audited(context, "admin.discovery") { note in
                let gateway = self.gateway
                let logger = context.logger
                // In the background: a slow provider must not hold the request (its own
                // timeouts bound the run); the console re-reads the providers after.
                let started = discovery.start { await gateway.discover(logger: logger) }
                note.detail = started ? "started" : "already running"
                return try Self.json(["status": started ? "started" : "already_running"], status: .accepted)
            }
        }
    }

    struct ModelState: Codable {
        let id: String
        let enabled: Bool
    }

    struct Weight: Decodable {
        let weight: Double
    }

    struct ProviderView: Encodable {
        let name: String
        let local: Bool
        let weight: Double
        /// "environment" or "table" (only table providers' weights are editable here).
        let source: String
        let misconfigured: String?
        let models: [ModelView]
    }

    struct ModelView: Encodable {
        let id: String
        let status: String
        let enabled: Bool
        let capabilities: [String]
        let circuit: String
        let ewmaMs: Double?
        let consecutiveFailures: Int
        let inFlight: Int
        let lastError: String?
    }

    func providers() async throws -> [ProviderView] {
        let set = try await gateway.currentProviders()
        let tableNames = Set(try await ProviderStore(database: database, origin: auth.users.origin).list().map(\.name))
        let records = try await gateway.listModels()
        var byProvider: [String: [ModelRecord]] = [:]
        for record in records { byProvider[record.provider, default: []].append(record) }
        var names = Set(set.all.map(\.name))
        // Models of providers no longer configured still show (status "unconfigured").
        names.formUnion(byProvider.keys.filter { $0 != "triforce" })
        var result: [ProviderView] = []
        for name in names.sorted() {
            var models: [ModelView] = []
            for record in byProvider[name] ?? [] {
                let circuit = gateway.health.view(record.id)
                models.append(ModelView(id: record.id, status: record.status, enabled: record.status != ModelStore.disabledStatus,
                                        capabilities: record.capabilities, circuit: circuit.state.rawValue,
                                        ewmaMs: circuit.ewmaMilliseconds.map { ($0 * 100).rounded() / 100 },
                                        consecutiveFailures: circuit.consecutiveFailures, inFlight: circuit.inFlight,
                                        lastError: circuit.lastError))
            }
            let provider = set[name]
            result.append(ProviderView(name: name, local: provider?.isLocal ?? false, weight: set.weight(name),
                                       source: tableNames.contains(name) ? "table" : (provider == nil ? "unconfigured" : "environment"),
                                       misconfigured: gateway.health.misconfiguration(name), models: models))
        }
        return result
    }
}
