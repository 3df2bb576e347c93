/// The `models` table in memory, with the lookups routing needs precomputed: by id, by
/// upstream id, and which providers' last discovery succeeded. Built once per database
/// generation (`ModelStore.snapshot()`); capabilities were computed at discovery.
public struct RegistrySnapshot: Sendable {
    /// Every row, ordered by id.
    public let records: [ModelRecord]
    let byID: [String: Int]
    let byUpstream: [String: [Int]]
    /// Providers with at least one available row: their last discovery succeeded, so a
    /// route entry they did not list is skipped instead of costing a failed round trip.
    public let discoveredProviders: Set<String>

    public init(records: [ModelRecord]) {
        self.records = records
        var byID: [String: Int] = [:]
        var byUpstream: [String: [Int]] = [:]
        var discovered = Set<String>()
        for (index, record) in records.enumerated() {
            byID[record.id] = index
            byUpstream[record.upstreamID, default: []].append(index)
            // A disabled model was still listed: its provider's discovery succeeded.
            if record.isAvailable || record.status == ModelStore.disabledStatus { discovered.insert(record.provider) }
        }
        self.byID = byID
        self.byUpstream = byUpstream
        self.discoveredProviders = discovered
    }

    public func record(id: String) -> ModelRecord? { byID[id].map { records[$0] } }

    public func records(upstreamID: String) -> [ModelRecord] { (byUpstream[upstreamID] ?? []).map { records[$0] } }
}
