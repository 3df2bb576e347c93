public import Core
import Net
public import Storage
import FoundationEssentials

/// The one authorization decision point (`AccessPolicy`): features by tier, admin-only
/// features by role, models by the tier's rule. Tiers are read per call (a primary-key
/// read), so an admin's edit applies to the next request.
public struct TierAccessPolicy: AccessPolicy {
    public let tiers: TierStore
    public let database: Database

    public init(tiers: TierStore) {
        self.tiers = tiers
        self.database = tiers.database
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
        guard let tier = try? await tier(for: principal), tier.modelsRule.matches(model) else { return false }
        guard tier.modelsRule.max != nil else { return true }
        return ((try? await allowedModels(tier: tier)) ?? []).contains { $0.id == model.id }
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

    func allModels() async throws -> [ModelDescriptor] {
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
