import Core
public import Storage
import Net
import FoundationEssentials

/// Tier policies in the replicated `tiers` table. `seedDefaults()` inserts the default
/// tiers that are absent and never overwrites an admin's edits.
public struct TierStore: Sendable {
    public let database: Database
    public let origin: ReplicaOrigin

    public init(database: Database, origin: ReplicaOrigin) {
        self.database = database
        self.origin = origin
    }

    public func seedDefaults() async throws {
        let origin = self.origin
        try await database.transaction { connection in
            for tier in Tier.defaults {
                if try connection.queryOne("SELECT name FROM tiers WHERE name = ?", tier.name) == nil {
                    try Self.write(tier, connection, origin)
                }
            }
        }
    }

    public func get(_ name: String) async throws -> Tier? {
        try await database.read { try $0.queryOne("SELECT * FROM tiers WHERE name = ? AND deleted = 0", name).flatMap(Self.tier) }
    }

    public func list() async throws -> [Tier] {
        try await database.read { try $0.query("SELECT * FROM tiers WHERE deleted = 0 ORDER BY name").compactMap(Self.tier) }
    }

    /// Creates or replaces a tier.
    public func set(_ tier: Tier) async throws {
        guard !tier.name.isEmpty, tier.name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw AuthError(.invalidTier, "tier name must be letters, digits, - or _")
        }
        if let rph = tier.requestsPerHour, rph < 0 { throw AuthError(.invalidTier, "requests per hour must be >= 0") }
        let origin = self.origin
        try await database.transaction { try Self.write(tier, $0, origin) }
    }

    static func write(_ tier: Tier, _ connection: Connection, _ origin: ReplicaOrigin) throws {
        let features = JSONValue.array(tier.features.map(\.rawValue).sorted().map(JSONValue.string)).jsonText
        let rule = String(decoding: (try? JSONEncoder().encode(tier.modelsRule)) ?? Data("{}".utf8), as: UTF8.self)
        try connection.run("""
            INSERT INTO tiers(name, description, requests_per_hour, models_rule, features, hlc, origin, deleted)
            VALUES (?, ?, ?, ?, ?, ?, ?, 0)
            ON CONFLICT(name) DO UPDATE SET description = excluded.description, requests_per_hour = excluded.requests_per_hour,
              models_rule = excluded.models_rule, features = excluded.features, hlc = excluded.hlc, origin = excluded.origin, deleted = 0
            """, tier.name, tier.description, tier.requestsPerHour, rule, features, origin.stamp(), origin.nodeID)
    }

    static func tier(_ row: Row) -> Tier? {
        guard let name = row.string("name") else { return nil }
        let features = JSONValue.parse(row.string("features") ?? "[]")?.arrayValue?.compactMap(\.stringValue) ?? []
        let rule = (try? JSONDecoder().decode(ModelsRule.self, from: Data((row.string("models_rule") ?? "{}").utf8))) ?? ModelsRule()
        return Tier(name: name, description: row.string("description") ?? "", requestsPerHour: row.int("requests_per_hour").map(Int.init),
                    features: Set(features.map(Feature.init(rawValue:))), modelsRule: rule)
    }
}
