public import Core
import Net
public import Storage
import FoundationEssentials

/// The one authorization decision point (`AccessPolicy`): features by tier, admin-only
/// features by role, models by the tier's rule. Tiers and the model list come from
/// in-memory snapshots swapped on every database change, so an admin's edit applies to the
/// next request (another process's within the 250 ms poll) without SQLite on the request path.
public struct TierAccessPolicy: AccessPolicy {
    public let tiers: TierStore
    public let database: Database
    /// Every registry model as the policy sees it (provider kind decides "local").
    private let models: Snapshot<[ModelDescriptor]>
    private let capped = CappedModelsCache()

    public init(tiers: TierStore) {
        self.tiers = tiers
        self.database = tiers.database
        self.models = Snapshot(database: tiers.database) { database in try await Self.loadModels(database) }
    }

    public func require(_ feature: Feature, for principal: Principal) async throws {
        if Tier.adminOnly.contains(feature) {
            guard !principal.isGuest else {
                throw APIError.unauthorized("\(feature) requires signing in as an admin: send Authorization: Bearer <token>")
            }
            guard principal.isAdmin else { throw APIError.forbidden("\(feature) requires the admin role", code: "admin_required") }
            if feature == .admin { return }
        }
        let tier = try await tier(for: principal)
        guard tier.features.contains(feature) else {
            throw APIError.forbidden("the \(tier.name) tier does not include \(feature); ask an admin for a higher tier", code: "tier_feature")
        }
    }

    public func mayUse(_ model: ModelDescriptor, principal: Principal) async -> Bool {
        await modelGate(for: principal).allows(model)
    }

    /// Reads the tier once; with a `max`, computes the capped list once, then answers per
    /// model with a set lookup (not a tier read per candidate, which was O(N²)).
    public func modelGate(for principal: Principal) async -> ModelGate {
        guard let tier = try? await tier(for: principal) else { return ModelGate { _ in false } }
        let rule = tier.modelsRule
        guard rule.max != nil else { return ModelGate { rule.matches($0) } }
        let generation = database.generation
        let ids = (try? await capped.ids(tier: tier, generation: generation) { try await allowedModels(tier: tier) }) ?? []
        return ModelGate { rule.matches($0) && ids.contains($0.id) }
    }

    /// Throws 403 naming the tier when `mayUse` refuses: for an explicitly requested model.
    public func requireModel(_ model: ModelDescriptor, for principal: Principal) async throws {
        guard await mayUse(model, principal: principal) else {
            throw APIError.forbidden("model \(model.id) is not available on the \(principal.tier) tier; GET /v1/client/models lists yours", code: "tier_model")
        }
    }

    public func tier(for principal: Principal) async throws -> Tier {
        guard let tier = try await tiers.get(principal.tier) else {
            throw APIError.forbidden("tier \(principal.tier) does not exist; ask an admin to fix your account", code: "unknown_tier")
        }
        return tier
    }

    /// The models table filtered by the tier's rule (and capped by its `max`).
    public func allowedModels(tier: Tier) async throws -> [ModelDescriptor] {
        tier.modelsRule.filter(try await allModels())
    }

    static let localKinds: Set<String> = ["ollama", "local", "llamacpp", "llama.cpp", "lmstudio"]

    func allModels() async throws -> [ModelDescriptor] { try await models.current() }

    static func loadModels(_ database: Database) async throws -> [ModelDescriptor] {
        try await database.read { connection in
            try connection.query("""
                SELECT m.id, m.provider, m.capabilities, p.kind FROM models m
                LEFT JOIN providers p ON p.name = m.provider AND p.deleted = 0 ORDER BY m.id
                """).map { row in
                let provider = row.string("provider") ?? ""
                let capabilities = JSONValue.parse(row.string("capabilities") ?? "[]")?.arrayValue?.compactMap(\.stringValue) ?? []
                let local = Self.localKinds.contains(provider) || Self.localKinds.contains(row.string("kind") ?? "")
                return ModelDescriptor(id: row.string("id") ?? "", provider: provider, capabilities: capabilities, isLocal: local)
            }
        }
    }
}
