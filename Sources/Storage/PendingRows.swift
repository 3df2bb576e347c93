public import Synchronization

/// Values waiting in the write-behind queue, at most one per key: a record for a key that is
/// already waiting merges into it instead of queueing another row. A flush then writes one
/// row per key however many requests touched it in its 50 ms window (at one client, ~75
/// requests became ~225 upserts and savepoints per flush: milliseconds of writer CPU on the
/// core the requests run on, which was the 1-client p99).
///
/// Use: `if pending.add(key, value, merge) { await database.enqueue(label) { take(key) ... } }`.
/// Invariant: a key is present exactly while one queued row for it has not yet taken it, so
/// draining the queue (SIGTERM) writes every merged value.
///
/// `add` and `take` are inlinable so that the gateway's calls (every request) are specialized
/// for its key and value types: unspecialized, the dictionary went through witness tables and
/// run-time metadata lookups, ~9,000 instructions per request (callgrind).
public final class PendingRows<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    @usableFromInline let waiting = Mutex<[Key: Value]>([:])

    public init() {}

    /// Merges `value` into the key's waiting value; true when none was waiting, and then the
    /// caller queues the one row that will write it.
    @inlinable
    public func add(_ key: Key, _ value: Value, merge: (inout Value, Value) -> Void) -> Bool {
        waiting.withLock { waiting in
            // One lookup, and the waiting value merged in place.
            if let index = waiting.index(forKey: key) {
                merge(&waiting.values[index], value)
                return false
            }
            waiting[key] = value
            return true
        }
    }

    /// The key's merged value, removed for writing; later adds queue a new row.
    @inlinable
    public func take(_ key: Key) -> Value? {
        waiting.withLock { $0.removeValue(forKey: key) }
    }

    public var count: Int { waiting.withLock { $0.count } }
}
