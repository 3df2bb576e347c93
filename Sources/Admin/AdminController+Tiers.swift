import Auth
import Core
import Hummingbird
import Net
import FoundationEssentials

extension AdminController {
    /// Tiers: list with the known features; create or replace one (limits, features, model rule).
    func registerTiers(on api: some RouterMethods<AppRequestContext>) {
        api.get("/tiers") { _, context in
            try await requireAdmin(context)
            let tiers = try await auth.tiers.list().map(TierView.init)
            return try Self.json(TierList(tiers: tiers, features: Self.knownFeatures.map(\.rawValue)))
        }
        api.put("/tiers/:name") { request, context in
            let name = context.parameters.get("name") ?? ""
            return try await audited(context, "admin.tier.set", target: String(name.prefix(64))) { note in
                let body = try await request.decodeJSON(as: TierEdit.self, context: context)
                guard (1...64).contains(name.utf8.count) else {
                    throw APIError.badRequest("tier name is 1-64 letters, digits, - or _", code: "invalid_tier")
                }
                if let limit = body.requestsPerHour, !(0...Self.maxRequestsPerHour).contains(limit) {
                    throw APIError.badRequest("requests_per_hour is 0 to \(Self.maxRequestsPerHour), or null for no limit", code: "invalid_tier")
                }
                let unknown = body.features.filter { feature in !Self.knownFeatures.contains { $0.rawValue == feature } }
                guard unknown.isEmpty else {
                    throw APIError.badRequest("unknown feature(s) " + unknown.joined(separator: ", ") + "; known: "
                                              + Self.knownFeatures.map(\.rawValue).joined(separator: ", "), code: "invalid_tier")
                }
                guard (body.description ?? "").utf8.count <= 500 else {
                    throw APIError.badRequest("description is limited to 500 bytes", code: "invalid_tier")
                }
                if let max = body.modelsRule?.max, max < 0 {
                    throw APIError.badRequest("models_rule.max must be 0 or more", code: "invalid_tier")
                }
                let existing = try await auth.tiers.get(name)
                let tier = Tier(name: name, description: body.description ?? existing?.description ?? "",
                                requestsPerHour: body.requestsPerHour, features: Set(body.features.map(Feature.init(rawValue:))),
                                modelsRule: body.modelsRule ?? existing?.modelsRule ?? ModelsRule())
                note.detail = "requests_per_hour \(tier.requestsPerHour.map(String.init) ?? "unlimited"), features "
                    + body.features.sorted().joined(separator: " ")
                try await auth.tiers.set(tier)
                return try Self.json(TierView(tier))
            }
        }
    }

    static let maxRequestsPerHour = 100_000_000
    static let knownFeatures: [Feature] = [.chat, .memory, .agents, .code, .codeWrite, .web, .shell, .mesh, .admin]

    struct TierList: Encodable {
        let tiers: [TierView]
        let features: [String]
    }

    struct TierView: Encodable {
        let name: String
        let description: String
        /// nil: no limit.
        let requestsPerHour: Int?
        let features: [String]
        let modelsRule: ModelsRule

        init(_ tier: Tier) {
            name = tier.name
            description = tier.description
            requestsPerHour = tier.requestsPerHour
            features = tier.features.map(\.rawValue).sorted()
            modelsRule = tier.modelsRule
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(name, forKey: .name)
            try container.encode(description, forKey: .description)
            // Explicit null: "no limit" must be visible, not an absent key.
            try container.encode(requestsPerHour, forKey: .requestsPerHour)
            try container.encode(features, forKey: .features)
            try container.encode(modelsRule, forKey: .modelsRule)
        }

        enum Keys: String, CodingKey { case name, description, requestsPerHour, features, modelsRule }
    }

    struct TierEdit: Decodable {
        let description: String?
        let requestsPerHour: Int?
        let features: [String]
        let modelsRule: ModelsRule?

        enum CodingKeys: String, CodingKey {
            case description, features
            case requestsPerHour = "requests_per_hour"
            case modelsRule = "models_rule"
        }
    }
}
