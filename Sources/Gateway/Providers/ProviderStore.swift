public import Storage
import Net

/// The replicated `providers` table's writer: named endpoints (any OpenAI-compatible host,
/// or another wire format) added beside the environment's providers. A running server sees
/// changes through its provider snapshot (at once when written in-process, within the
/// database poll interval from the CLI). Keys are stored, never printed.
public struct ProviderStore: Sendable {
    /// A row as listed (the key reduced to whether one is set).
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let kind: ProviderKind
        public let baseURL: String
        public let hasKey: Bool
        public let enabled: Bool
        public let weight: Double
        public let isLocal: Bool
    }

    public let database: Database
    let origin: ReplicaOrigin

    public init(database: Database, origin: ReplicaOrigin) {
        self.database = database
        self.origin = origin
    }

    /// Creates or replaces a provider. Throws `ProviderStoreError` for a bad name, URL or weight.
    public func add(name: String, kind: ProviderKind = .openaiCompatible, baseURL: String, apiKey: String,
                    weight: Double = 1, local: Bool? = nil, streamUsage: Bool = true) async throws {
        try Self.validate(name: name, baseURL: baseURL, weight: weight)
        let origin = self.origin
        _ = try await database.transaction { connection in
            try Self.write(name: name, kind: kind, baseURL: baseURL, apiKey: apiKey, weight: weight, local: local,
                           streamUsage: streamUsage, connection, origin)
        }
    }

    /// The upsert on a caller's connection (one transaction with other stores' writes).
    /// The caller has validated the values (`validate`).
    public static func write(name: String, kind: ProviderKind, baseURL: String, apiKey: String, weight: Double,
                             local: Bool?, streamUsage: Bool, _ connection: Connection, _ origin: ReplicaOrigin) throws {
        var options: [String: JSONValue] = ["stream_usage": .bool(streamUsage)]
        if let local { options["local"] = .bool(local) }
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        try connection.run("""
            INSERT INTO providers (name, kind, base_url, api_key, enabled, weight, options, hlc, origin, deleted)
            VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, 0)
            ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, base_url = excluded.base_url, api_key = excluded.api_key,
                enabled = 1, weight = excluded.weight, options = excluded.options, hlc = excluded.hlc,
                origin = excluded.origin, deleted = 0
            """, name, kind.rawValue, base, apiKey, weight, JSONValue.object(options).jsonText, origin.stamp(connection), origin.nodeID)
    }

    public func list() async throws -> [Entry] {
        let rows = try await database.read { connection in
            try connection.query("SELECT name, kind, base_url, api_key, enabled, weight, options FROM providers WHERE deleted = 0 ORDER BY name")
        }
        return rows.compactMap { row in
            guard let name = row.string("name"), let kind = ProviderKind(rawValue: row.string("kind") ?? "") else { return nil }
            let base = row.string("base_url") ?? ""
            let options = JSONValue.parse(row.string("options") ?? "{}")
            return Entry(name: name, kind: kind, baseURL: base, hasKey: !(row.string("api_key") ?? "").isEmpty,
                         enabled: row.bool("enabled") ?? true, weight: row.double("weight") ?? 1,
                         isLocal: options?["local"]?.boolValue ?? (ProviderConfiguration.isLoopback(base) && kind != .anthropic))
        }
    }

    /// Changes a table provider's balancing weight (environment providers have no row: 404).
    public func setWeight(name: String, weight: Double) async throws {
        guard weight.isFinite, weight > 0, weight <= 1000 else { throw ProviderStoreError("weight must be a number above 0 and at most 1000") }
        let origin = self.origin
        let changed = try await database.transaction { connection in
            try connection.run("UPDATE providers SET weight = ?, hlc = ?, origin = ? WHERE name = ? AND deleted = 0",
                               weight, origin.stamp(connection), origin.nodeID, name)
        }
        guard changed > 0 else {
            throw ProviderStoreError("no provider named \(name) in the providers table; environment providers take their weight from the environment")
        }
    }

    /// Tombstones a provider (the delete replicates like any other write).
    public func remove(name: String) async throws {
        let origin = self.origin
        let changed = try await database.transaction { try Self.remove(name: name, $0, origin) }
        guard changed else { throw ProviderStoreError("no provider named \(name); `triforce provider list` shows them") }
    }

    /// The tombstone on a caller's connection; false when there was no such provider.
    @discardableResult
    public static func remove(name: String, _ connection: Connection, _ origin: ReplicaOrigin) throws -> Bool {
        try connection.run("UPDATE providers SET deleted = 1, api_key = '', hlc = ?, origin = ? WHERE name = ? AND deleted = 0",
                           origin.stamp(connection), origin.nodeID, name) > 0
    }

    public static func validate(name: String, baseURL: String, weight: Double) throws(ProviderStoreError) {
        guard !name.isEmpty, name.utf8.count <= 64,
              name.utf8.allSatisfy({ ($0 | 0x20) &- 97 < 26 || $0 &- 48 < 10 || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }) else {
            throw ProviderStoreError("provider name must be 1-64 letters, digits, - or _ (it becomes the first part of model ids)")
        }
        let lower = baseURL.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), baseURL.utf8.count <= 2048,
              !baseURL.contains(where: { $0.isWhitespace }) else {
            throw ProviderStoreError("base URL must be an http:// or https:// URL, e.g. http://127.0.0.1:8080/v1")
        }
        guard weight.isFinite, weight > 0, weight <= 1000 else { throw ProviderStoreError("weight must be a number above 0 and at most 1000") }
    }
}

/// A refused provider edit, with what to do about it.
public struct ProviderStoreError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
