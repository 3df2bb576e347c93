import Synchronization

/// Metric handles by label values, made once and then only looked up, so a request pays a
/// dictionary lookup, not a registry walk and label array. At most `limit` label sets: past
/// that every new set shares the `overflow` handles, so clients that invent values (model
/// names, paths) cannot grow memory without bound.
final class LabelCache<Key: Hashable & Sendable, Handles: Sendable>: Sendable {
    private let entries = Mutex<[Key: Handles]>([:])
    private let limit: Int
    private let make: @Sendable (Key) -> Handles
    private let overflowKey: Key

    init(limit: Int, overflowKey: Key, make: @escaping @Sendable (Key) -> Handles) {
        self.limit = limit
        self.make = make
        self.overflowKey = overflowKey
    }

    subscript(key: Key) -> Handles {
        // One lock either way; a first sight also makes the handles under it (the registry
        // takes only its own lock, never ours).
        entries.withLock { table in
            if let found = table[key] { return found }
            // The overflow set is made on first need, so it shows only when the cap was hit.
            let target = table.count < limit ? key : overflowKey
            if let found = table[target] { return found }
            let handles = make(target)
            table[target] = handles
            return handles
        }
    }
}

/// Label values as Prometheus will show them: bounded length, printable ASCII only
/// (the registry escapes quotes and backslashes itself).
enum LabelValue {
    static let maxLength = 120

    static func clean(_ value: String) -> String {
        var out = ""
        for scalar in value.unicodeScalars.prefix(maxLength) {
            out.unicodeScalars.append(scalar.value >= 0x20 && scalar.value < 0x7F ? scalar : "_")
        }
        return out.isEmpty ? "none" : out
    }
}
