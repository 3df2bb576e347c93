public import Storage
import Synchronization

/// The mesh-wide half of the hourly limit: this node counts the requests it allowed per
/// subject and clock hour in the replicated `rate_windows` table (its own rows only, so the
/// counters never conflict), and reads the other nodes' counts for the current hour from an
/// in-memory snapshot rebuilt when the database changed (a replicated batch landed). A
/// subject's hour is full when this node's count plus the others' reaches the limit, so five
/// nodes do not give five times the allowance (within the replication delay).
final class RateWindowCounter: Sendable {
    private struct Local {
        var window: Int64 = -1
        var counts: [String: Int64] = [:]
    }

    let database: Database
    let origin: ReplicaOrigin
    private let local = Mutex(Local())
    private let others: Snapshot<(window: Int64, counts: [String: Int64])>

    init(database: Database, origin: ReplicaOrigin, now: @escaping @Sendable () -> Int64) {
        self.database = database
        self.origin = origin
        let nodeID = origin.nodeID
        others = Snapshot(database: database) { database in
            let window = Self.window(now())
            let counts = try await database.read { connection in
                var counts: [String: Int64] = [:]
                for row in try connection.query(
                    "SELECT subject, sum(requests) AS n FROM rate_windows WHERE window_start = ? AND node != ? AND deleted = 0 GROUP BY subject",
                    window, nodeID) {
                    if let subject = row.string("subject") { counts[subject] = row.int("n") ?? 0 }
                }
                return counts
            }
            return (window, counts)
        }
    }

    /// Start of the clock hour holding `milliseconds`, in Unix seconds.
    static func window(_ milliseconds: Int64) -> Int64 { (milliseconds / 3_600_000) * 3_600 }

    /// Requests other nodes allowed `subject` in the hour holding `now`.
    func othersCount(_ subject: String, now: Int64) async throws -> Int64 {
        let snapshot = try await others.current()
        return snapshot.window == Self.window(now) ? (snapshot.counts[subject] ?? 0) : 0
    }

    /// This node's count for `subject` this hour, loaded from SQLite the first time.
    func ownCount(_ subject: String, now: Int64) async throws -> Int64 {
        let window = Self.window(now)
        if let known = local.withLock({ $0.window == window ? $0.counts[subject] : nil }) { return known }
        let nodeID = origin.nodeID
        let stored = try await database.read {
            try $0.queryOne("SELECT requests FROM rate_windows WHERE node = ? AND subject = ? AND window_start = ?", nodeID, subject, window)?
                .int("requests") ?? 0
        }
        return local.withLock { local in
            if local.window != window { local = Local(window: window) }
            if local.counts[subject] == nil { local.counts[subject] = stored }
            return local.counts[subject] ?? stored
        }
    }

    /// Counts one allowed request and writes the new count behind the response.
    func record(_ subject: String, now: Int64) async {
        let window = Self.window(now)
        let count = local.withLock { local in
            if local.window != window { local = Local(window: window) }
            let next = (local.counts[subject] ?? 0) &+ 1
            local.counts[subject] = next
            return next
        }
        let origin = self.origin
        await database.enqueue("rate_windows") { connection in
            _ = try connection.run("""
                INSERT INTO rate_windows(node, subject, window_start, requests, hlc, origin) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(node, subject, window_start) DO UPDATE SET requests = max(requests, excluded.requests), hlc = excluded.hlc
                """, origin.nodeID, subject, window, count, origin.stamp(connection), origin.nodeID)
        }
    }
}
