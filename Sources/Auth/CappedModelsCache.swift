import Core
import Storage
import Synchronization
import Net

/// The model ids a tier with a `max` may use, computed once per database generation and
/// rule (filtering and sorting the whole registry per request cost O(N log N) each time).
final class CappedModelsCache: Sendable {
    private struct Entry { let generation: UInt64; let rule: ModelsRule; let ids: Set<String> }
    private let entries = Mutex<[String: Entry]>([:])

    func ids(tier: Tier, generation: UInt64, compute: () async throws -> [ModelDescriptor]) async throws -> Set<String> {
        if let entry = entries.withLock({ $0[tier.name] }), entry.generation == generation, entry.rule == tier.modelsRule {
            return entry.ids
        }
        let ids = Set(try await compute().map(\.id))
        entries.withLock { $0[tier.name] = Entry(generation: generation, rule: tier.modelsRule, ids: ids) }
        return ids
    }
}
