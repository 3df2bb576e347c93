import Synchronization

/// Metric handles by label values, made once and then only looked up, so a request pays a
/// dictionary lookup, not a registry walk and label array. At most `limit` label sets: past
/// that every new set shares the `overflow` handles, so clients that invent values (model
/// names, paths) cannot grow memory without bound.
final class LabelCache<Key: Hashable & Sendable, Handles: Sendable>: Sendable {
    private let entries = Mutex<[Key: Handles]>([:])
    private let limit: Int
    private let make: @Sendable (Key) -> Handles
    private let overflow: Handles

    init(limit: Int, overflowKey: Key, make: @escaping @Sendable (Key) -> Handles) {
        self.limit = limit
        self.make = make
        self.overflow = make(overflowKey)
    }

    subscript(key: Key) -> Handles {
        if let found = entries.withLock({ $0[key] }) { return found }
        // First sight of a label set: made under our lock (the registry only takes its own).
        return entries.withLock { table in
            if let found = table[key] { return found }
            guard table.count < limit else { return overflow }
            let handles = make(key)
            table[key] = handles
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
