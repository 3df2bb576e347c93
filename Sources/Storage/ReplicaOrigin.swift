/// Where and when a replicated row was written: every insert, update or tombstone of a
/// replicated table takes `hlc` from `stamp(_:)` and `origin` from `nodeID` (DESIGN.md).
public struct ReplicaOrigin: Sendable {
    public let nodeID: String
    public let clock: HybridClock

    public init(nodeID: String, clock: HybridClock) {
        self.nodeID = nodeID
        self.clock = clock
    }

    /// A fresh HLC value for the `hlc` column, taken under the database write lock after
    /// moving the clock past the newest `hlc` this node stores. Several processes write one
    /// file (the server and the CLI beside it), each with its own clock; stamping inside the
    /// transaction makes commit order HLC order on the node, so a local write always wins
    /// over the row it replaces, here and on every peer applying both by (hlc, origin).
    /// Throws unless `connection` holds the write lock (`Database.transaction`,
    /// `Connection.transaction`, or a queued write).
    public func stamp(_ connection: Connection) throws(StorageError) -> Int64 {
        guard connection.holdsWriteLock else {
            throw StorageError(.invalidValue,
                "a replicated write must be stamped inside a write transaction on \(connection.path)")
        }
        // sync_vector holds, per origin, the newest hlc ever stored (the capture triggers
        // raise it on every write): one row per node, so this stays cheap.
        if let newest = try connection.scalar("SELECT max(hlc) FROM sync_vector")?.int64 {
            clock.advance(past: HLC(storageValue: newest))
        }
        return clock.now().storageValue
    }
}
