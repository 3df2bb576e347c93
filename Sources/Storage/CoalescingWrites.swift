public import Synchronization

/// Write-behind rows that merge while they wait: many requests' usage for one
/// (day, subject, model) become one upsert per batch, many answers to one cache key one
/// entry. The first `add` after a batch queues one row on the database's write-behind queue
/// (`Database.enqueue`); that row, when its batch is written, takes everything merged so far
/// and writes it in one savepoint. Later adds queue the next row.
///
/// Invariants: while anything is pending, exactly one row that will take it is queued or
/// being written, so `flushQueuedWrites` (and shutdown's drain) still writes every add made
/// before it. At most `capacity` keys wait merged; past that an add is queued as its own row,
/// where the queue's bound applies (back-pressure, never a silent drop). A failure rolls back
/// the whole merged set (one kind of row; the queue logs it), as it did a single row before.
///
/// `@inlinable` so callers in other modules get it specialized for their key and value
/// (no generic metadata lookups on the request path).
public final class CoalescingWrites<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    @usableFromInline let label: String
    @usableFromInline let capacity: Int
    @usableFromInline let merge: @Sendable (Value, Value) -> Value
    @usableFromInline let write: @Sendable (Connection, [Key: Value]) throws -> Void
    /// nil: no row queued; otherwise what the queued row will take.
    @usableFromInline let pending = Mutex<[Key: Value]?>(nil)

    /// `merge(waiting, newer)` folds a newer value into a waiting one; `write` writes a merged
    /// set (inside the batch's transaction, in a savepoint of its own).
    public init(label: String, capacity: Int = 4_096, merge: @escaping @Sendable (Value, Value) -> Value,
                write: @escaping @Sendable (Connection, [Key: Value]) throws -> Void) {
        self.label = label
        self.capacity = max(1, capacity)
        self.merge = merge
        self.write = write
    }

    @inlinable
    public func add(_ key: Key, _ value: Value, database: Database) async {
        let outcome: CoalescingOutcome = pending.withLock { table in
            guard table != nil else {
                table = [key: value]
                return .queueRow
            }
            // Changed in place through the optional (no copy of the waiting set).
            if let waiting = table?[key] {
                table?[key] = merge(waiting, value)
            } else {
                if let count = table?.count, count >= capacity { return .alone }
                table?[key] = value
            }
            return .merged
        }
        switch outcome {
        case .merged:
            return
        case .queueRow:
            await database.enqueue(label) { [self] connection in
                let taken = pending.withLock { table in
                    defer { table = nil }
                    return table ?? [:]
                }
                if !taken.isEmpty { try write(connection, taken) }
            }
        case .alone:
            let write = self.write
            await database.enqueue(label) { connection in try write(connection, [key: value]) }
        }
    }
}

/// What an add did (file scope: types cannot nest in an inlinable function).
@usableFromInline enum CoalescingOutcome { case merged, queueRow, alone }
