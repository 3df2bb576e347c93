public import Synchronization

/// An immutable in-memory copy of some tables, rebuilt when `Database.generation` moved:
/// at once after a local write, within the poll interval after another process's commit.
/// The hot path pays one atomic load and one lock to get the current value.
///
/// Invariant: the stored generation is the one read BEFORE loading, so a write that lands
/// during a load leaves the snapshot stale and the next call loads again.
///
/// `current()` is `@inlinable`: the gateway, auth and routing modules call it on every request,
/// and across a module boundary an unspecialized generic looked up its tuple and optional
/// metadata at run time on each call.
public final class Snapshot<Value: Sendable>: Sendable {
    @usableFromInline let database: Database
    @usableFromInline let load: @Sendable (Database) async throws -> Value
    @usableFromInline let cached = Mutex<(generation: UInt64, value: Value)?>(nil)

    public init(database: Database, load: @escaping @Sendable (Database) async throws -> Value) {
        self.database = database
        self.load = load
    }

    @inlinable
    public func current() async throws -> Value {
        let generation = database.generation
        if let hit = cached.withLock({ $0 }), hit.generation == generation { return hit.value }
        let value = try await load(database)
        cached.withLock { stored in
            // Never replace a newer snapshot with an older one built concurrently.
            if let newer = stored, newer.generation > generation { return }
            stored = (generation, value)
        }
        return value
    }
}
