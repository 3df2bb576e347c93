/// Where and when a replicated row was written: every insert, update or tombstone of a
/// replicated table takes `hlc` from `stamp()` and `origin` from `nodeID` (DESIGN.md).
public struct ReplicaOrigin: Sendable {
    public let nodeID: String
    public let clock: HybridClock

    public init(nodeID: String, clock: HybridClock) {
        self.nodeID = nodeID
        self.clock = clock
    }

    /// A fresh HLC value for the `hlc` column.
    public func stamp() -> Int64 { clock.now().storageValue }
}
