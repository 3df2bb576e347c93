public import Net
import Logging
import Storage
import Mesh

/// The replication view for `GET /v1/admin/sync`, `sync/status` (`triforce sync status`) and
/// `/health`: per peer the vector it reported, the lag in rows and seconds, the last batch
/// applied, and refused batches with the reason.
extension SyncService {
    public func status() async throws -> JSONValue {
        let own = try await store.vector()
        let linked = Set(await mesh.linkedPeers)
        let now = Int64(clamping: store.clock.wallMilliseconds)
        let peers: [JSONValue] = try await store.peerStates().map { state in
            let lagMilliseconds = own.lagMilliseconds(behind: state.vector)
            return ["peer": .string(state.peer), "linked": .bool(linked.contains(state.peer)), "vector": state.vector.json,
                    "head": .int(state.head), "cursor": .int(state.cursor), "lag_rows": .int(state.lagRows),
                    "lag_seconds": .double(Double(lagMilliseconds) / 1000),
                    "last_batch": state.lastAppliedMilliseconds == 0 ? .null
                        : ["at_ms": .int(state.lastAppliedMilliseconds), "rows": .int(state.lastBatchRows)],
                    "rows_applied": .int(state.rowsApplied), "refused": .int(state.refused),
                    "last_refusal": state.lastRefusal.isEmpty ? .null
                        : ["reason": .string(state.lastRefusal), "at_ms": .int(state.lastRefusalMilliseconds)],
                    "clock_skewed": .bool(skewedPeers[state.peer] != nil || (state.lastRefusal.hasPrefix("clock_skew")
                        && now - state.lastRefusalMilliseconds < 60_000)),
                    "heard_ms": .int(state.heardMilliseconds)]
        }
        return ["self": .string(store.nodeID), "epoch": .string(store.epoch), "head": .int(try await store.head()),
                "vector": own.json, "max_clock_skew_ms": .int(store.maxClockSkewMilliseconds),
                "config_commit": configCommit.map(JSONValue.string) ?? .null, "last_snapshot": lastSnapshot,
                "peers": .array(peers)]
    }

    /// Peers currently refused for clock skew (for `/health`).
    public func clockSkewedPeers() async -> [String] {
        let now = Int64(clamping: store.clock.wallMilliseconds)
        let recent = ((try? await store.peerStates()) ?? []).filter {
            $0.lastRefusal.hasPrefix("clock_skew") && now - $0.lastRefusalMilliseconds < 60_000
        }.map(\.peer)
        return Array(Set(recent).union(skewedPeers.keys)).sorted()
    }
}
