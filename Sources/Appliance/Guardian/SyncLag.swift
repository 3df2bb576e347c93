import Net

/// How far a node's replica is behind its peers, from its replication state: the most rows
/// of any one peer's log not yet pulled, and the most write time behind any peer (the
/// version-vector difference). A node shows its own in `/health` (`sync_lag`); the guardian
/// reads it from every member's.
struct SyncLag: Codable, Sendable, Equatable {
    /// Rows pending alone are normal (a batch is on its way); rows pending while the replica
    /// is this far behind in write time mean replication is stuck.
    static let warnSeconds = 300.0

    var rows: Int64
    var seconds: Double

    init(rows: Int64, seconds: Double) {
        self.rows = max(0, rows)
        self.seconds = seconds.isFinite ? max(0, seconds) : 0
    }

    /// The worst peer of a replication status (`SyncService.status()`: `peers[].lag_rows`,
    /// `peers[].lag_seconds`); no peers: nothing behind.
    init(status: JSONValue) {
        var rows: Int64 = 0
        var seconds = 0.0
        for peer in status["peers"]?.arrayValue ?? [] {
            rows = max(rows, peer["lag_rows"]?.intValue ?? 0)
            seconds = max(seconds, peer["lag_seconds"]?.doubleValue ?? 0)
        }
        self.init(rows: rows, seconds: seconds)
    }

    /// A member's `/health` field as it arrived (another node's numbers: clamped, or nil).
    init?(json: JSONValue?) {
        guard let json, let rows = json["rows"]?.intValue, let seconds = json["seconds"]?.doubleValue else { return nil }
        self.init(rows: rows, seconds: seconds)
    }

    var status: GuardianReport.Status { rows > 0 && seconds >= Self.warnSeconds ? .warn : .ok }

    var summary: String {
        rows == 0 ? "caught up" : "\(rows) rows, \(Int(min(seconds, 1e12).rounded())) s behind"
    }
}
