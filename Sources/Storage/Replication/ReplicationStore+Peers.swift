/// What this node knows about one peer's log: how far it pulled, what the peer last reported,
/// its last batch and its refusals. Read by `GET /v1/admin/sync` and `triforce sync status`.
public struct PeerSyncState: Sendable, Equatable {
    public var peer: String
    public var epoch: String
    public var cursor: Int64
    public var head: Int64
    public var vector: VersionVector
    public var lastAppliedMilliseconds: Int64
    public var lastBatchRows: Int64
    public var rowsApplied: Int64
    public var refused: Int64
    public var lastRefusal: String
    public var lastRefusalMilliseconds: Int64
    public var heardMilliseconds: Int64

    /// Rows of the peer's log not yet pulled (as of the peer's last report). Both numbers came
    /// from the peer: the difference saturates rather than trap.
    public var lagRows: Int64 {
        let lag = head.subtractingReportingOverflow(cursor)
        return lag.overflow ? (head > cursor ? .max : 0) : max(0, lag.partialValue)
    }
}

extension ReplicationStore {
    public func peerStates() async throws -> [PeerSyncState] {
        try await database.read { connection in
            try connection.query("SELECT * FROM sync_peers ORDER BY peer").map { row in
                PeerSyncState(
                    peer: row.string("peer") ?? "", epoch: row.string("epoch") ?? "", cursor: row.int("cursor") ?? 0,
                    head: row.int("head") ?? 0, vector: VersionVector(storageJSON: row.string("vector") ?? "{}"),
                    lastAppliedMilliseconds: row.int("last_applied_ms") ?? 0, lastBatchRows: row.int("last_rows") ?? 0,
                    rowsApplied: row.int("rows_applied") ?? 0, refused: row.int("refused") ?? 0,
                    lastRefusal: row.string("last_refusal") ?? "", lastRefusalMilliseconds: row.int("last_refusal_ms") ?? 0,
                    heardMilliseconds: row.int("heard_ms") ?? 0)
            }
        }
    }

    /// Where to pull `peer`'s log from: our cursor, or 0 when its epoch is not the one we
    /// pulled (a new or rebuilt log).
    public func cursor(for peer: String, epoch: String) async throws -> Int64 {
        try await database.read { connection in
            guard let row = try connection.queryOne("SELECT epoch, cursor FROM sync_peers WHERE peer = ?", peer),
                  row.string("epoch") == epoch else { return 0 }
            return row.int("cursor") ?? 0
        }
    }

    /// Records a peer's digest (its head seq and vector): the lag and the tombstone
    /// acknowledgements are computed from it.
    public func recordDigest(from peer: String, epoch: String, head: Int64, vector: VersionVector) async throws {
        let now = nowMilliseconds
        try await database.write(quiet: true) { connection in
            try connection.run("INSERT OR IGNORE INTO sync_peers(peer, epoch) VALUES (?, ?)", peer, epoch)
            try connection.run("""
                UPDATE sync_peers SET cursor = CASE WHEN epoch = ? THEN cursor ELSE 0 END, epoch = ?, head = ?, vector = ?,
                    heard_ms = ? WHERE peer = ?
                """, epoch, epoch, head, vector.storageJSON, now, peer)
        }
    }

    /// Raises this node's vector to `known` where it is higher: called once this node holds
    /// everything a peer held when it reported `known` (its log pulled through that head, or
    /// its snapshot installed), so origins whose rows were all superseded count as seen.
    public func merge(_ known: VersionVector) async throws {
        try await database.write(quiet: true) { connection in
            for (origin, hlc) in known.entries {
                try connection.run("""
                    INSERT INTO sync_vector(origin, hlc) VALUES (?, ?) ON CONFLICT(origin) DO UPDATE SET hlc = max(hlc, excluded.hlc)
                    """, origin, hlc)
            }
        }
    }

    /// Forgets peers that are no longer members (their acknowledgements no longer gate GC).
    public func forgetPeers(except members: Set<String>) async throws {
        let known = try await peerStates().map(\.peer)
        let gone = known.filter { !members.contains($0) }
        guard !gone.isEmpty else { return }
        try await database.write(quiet: true) { connection in
            for peer in gone { try connection.run("DELETE FROM sync_peers WHERE peer = ?", peer) }
        }
    }

    /// Physically drops tombstones older than `horizonMilliseconds` that every member in
    /// `acknowledged` has seen (their vectors reach the tombstone's hlc for its origin).
    /// Returns how many rows went. With no acknowledgement for an origin, nothing of it goes.
    @discardableResult
    public func collectTombstones(acknowledged: VersionVector, horizonMilliseconds: Int64 = 7 * 86_400_000) async throws -> Int {
        let cutoff = HLC(milliseconds: UInt64(clamping: max(0, nowMilliseconds - horizonMilliseconds)), counter: 0)
        let own = try await vector()
        let tables = self.tables.keys.sorted()
        return try await database.transaction { connection in
            var dropped = 0
            var newest: Int64 = 0
            for (origin, seen) in acknowledged.entries {
                // Never beyond what this node itself holds of that origin.
                let bound = min(min(seen, own[origin] ?? HLC(rawValue: 0)), cutoff)
                for table in tables {
                    guard let top = try connection.scalar(
                        "SELECT max(hlc) FROM \(table) WHERE deleted = 1 AND origin = ? AND hlc <= ?", origin, bound)?.int64 else { continue }
                    newest = max(newest, top)
                    dropped += try connection.run(
                        "DELETE FROM \(table) WHERE deleted = 1 AND origin = ? AND hlc <= ?", origin, bound)
                }
            }
            if newest > 0 { try Self.raiseCollectedThrough(to: HLC(storageValue: newest), connection) }
            return dropped
        }
    }

    /// The newest tombstone hlc this node ever dropped (collected, or removed by a snapshot
    /// install); 0 when none. Snapshots carry it so a receiver removes only such rows.
    static func collectedThrough(_ connection: Connection) throws(StorageError) -> HLC {
        let text = try connection.scalar("SELECT value FROM sync_state WHERE key = 'collected_hlc'")?.string
        return HLC(storageValue: text.flatMap { Int64($0) } ?? 0)
    }

    static func raiseCollectedThrough(to hlc: HLC, _ connection: Connection) throws(StorageError) {
        let current = try collectedThrough(connection)
        guard hlc > current else { return }
        try connection.run("INSERT OR REPLACE INTO sync_state(key, value) VALUES ('collected_hlc', ?)", String(hlc.storageValue))
    }
}
