import Core
public import Storage
import Net
import FoundationEssentials

/// Tier policies in the replicated `tiers` table. `seedDefaults()` inserts the default
/// tiers that are absent and never overwrites an admin's edits.
///
/// Reads come from an in-memory snapshot of the table (rows decoded once per database
/// generation), so the per-request tier lookup costs a dictionary access, not SQLite.
public struct TierStore: Sendable {
    public let database: Database
    public let origin: ReplicaOrigin
    private let snapshot: Snapshot<[String: Tier]>

    public init(database: Database, origin: ReplicaOrigin) {
        self.database = database
        self.origin = origin
        self.snapshot = Snapshot(database: database) { database in
            let rows = try await database.read { try $0.query("SELECT * FROM tiers WHERE deleted = 0") }
            var tiers: [String: Tier] = [:]
            for tier in rows.compactMap(Self.tier) { tiers[tier.name] = tier }
            return tiers
        }
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

    public func get(_ name: String) async throws -> Tier? { try await snapshot.current()[name] }

    public func list() async throws -> [Tier] { try await snapshot.current().values.sorted { $0.name < $1.name } }

    /// Creates or replaces a tier.
    public func set(_ tier: Tier) async throws {
        if let problem = Self.problem(with: tier) { throw problem }
        let origin = self.origin
        try await database.transaction { try Self.write(tier, $0, origin) }
    }

    /// Why `tier` cannot be saved, or nil when it can.
    public static func problem(with tier: Tier) -> AuthError? {
        guard !tier.name.isEmpty, tier.name.count <= 64, tier.name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            return AuthError(.invalidTier, "tier name must be 1-64 letters, digits, - or _")
        }
        if let rph = tier.requestsPerHour, rph < 0 { return AuthError(.invalidTier, "requests per hour must be >= 0") }
        return nil
    }

    /// Tombstones a tier on a caller's connection; false when there was none.
    @discardableResult
    public static func remove(_ name: String, _ connection: Connection, _ origin: ReplicaOrigin) throws -> Bool {
        try connection.run("UPDATE tiers SET deleted = 1, hlc = ?, origin = ? WHERE name = ? AND deleted = 0",
                           origin.stamp(connection), origin.nodeID, name) > 0
    }

    /// The upsert on a caller's connection (one transaction with other stores' writes).
    public     static func write(_ tier: Tier, _ connection: Connection, _ origin: ReplicaOrigin) throws {
        let features = JSONValue.array(tier.features.map(\.rawValue).sorted().map(JSONValue.string)).jsonText
        let rule = String(decoding: (try? JSONEncoder().encode(tier.modelsRule)) ?? Data("{}".utf8), as: UTF8.self)
        try connection.run("""
            INSERT INTO tiers(name, description, requests_per_hour, models_rule, features, hlc, origin, deleted)
            VALUES (?, ?, ?, ?, ?, ?, ?, 0)
            ON CONFLICT(name) DO UPDATE SET description = excluded.description, requests_per_hour = excluded.requests_per_hour,
              models_rule = excluded.models_rule, features = excluded.features, hlc = excluded.hlc, origin = excluded.origin, deleted = 0
            """, tier.name, tier.description, tier.requestsPerHour, rule, features, origin.stamp(connection), origin.nodeID)
    }

    static func tier(_ row: Row) -> Tier? {
        guard let name = row.string("name") else { return nil }
        let features = JSONValue.parse(row.string("features") ?? "[]")?.arrayValue?.compactMap(\.stringValue) ?? []
        let rule = (try? JSONDecoder().decode(ModelsRule.self, from: Data((row.string("models_rule") ?? "{}").utf8))) ?? ModelsRule()
        return Tier(name: name, description: row.string("description") ?? "", requestsPerHour: row.int("requests_per_hour").map(Int.init),
                    features: Set(features.map(Feature.init(rawValue:))), modelsRule: rule)
    }
}
