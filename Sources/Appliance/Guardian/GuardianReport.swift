import FoundationEssentials
import Net

/// What the guardian found on one round: one entry per node, worst status first in text.
struct GuardianReport: Codable, Sendable {
    enum Status: String, Codable, Sendable, Comparable {
        case ok, warn, fail
        static func < (a: Status, b: Status) -> Bool { a.rank < b.rank }
        var rank: Int { switch self { case .ok: 0; case .warn: 1; case .fail: 2 } }
    }

    struct Node: Codable, Sendable {
        var name: String
        var url: String?
        var status: Status
        var version: String?
        var nodeID: String?
        /// The node's own readiness (`/health` status: ok, degraded, fail).
        var health: String?
        var certificate: CertificateStatus?
        var latencyMilliseconds: Double?
        /// Every reason this node is not ok, in plain words.
        var problems: [String]
        /// How far the node's replica is behind its peers (nil: no mesh, or an older node).
        var syncLag: SyncLag? = nil

        enum CodingKeys: String, CodingKey {
            case name, url, status, version, health, certificate, problems
            case nodeID = "node_id"
            case latencyMilliseconds = "latency_ms"
            case syncLag = "sync_lag"
        }

        /// Marks the node when its replica is stuck behind.
        mutating func attach(_ lag: SyncLag?) {
            syncLag = lag
            guard let lag, lag.status != .ok else { return }
            problems.append("replica \(lag.summary): replication is stuck (see `triforce sync status` on that node)")
            status = max(status, lag.status)
        }
    }

    var status: Status
    var checkedAt: Date
    var nodes: [Node]

    enum CodingKeys: String, CodingKey {
        case status, nodes
        case checkedAt = "checked_at"
    }

    init(nodes: [Node], checkedAt: Date = Date()) {
        self.nodes = nodes
        self.checkedAt = checkedAt
        status = nodes.map(\.status).max() ?? .ok
    }

    /// The report for the unauthenticated `/health`: statuses and figures without the problem
    /// texts (they quote errors, paths and certificate details); the admin API has them all.
    var redacted: GuardianReport {
        var copy = self
        for index in copy.nodes.indices { copy.nodes[index].problems = [] }
        return copy
    }

    /// The report as the CLI prints it: one line per node, then the verdict.
    var text: String {
        var lines = ["guardian report \(checkedAt.formatted(.iso8601))"]
        for node in nodes {
            var fields = [node.status.rawValue.uppercased().padded(to: 4), node.name]
            if let url = node.url { fields.append(url) }
            if let version = node.version { fields.append("version \(version)") }
            if let id = node.nodeID { fields.append("node \(id)") }
            if let health = node.health { fields.append("health \(health)") }
            if let certificate = node.certificate { fields.append("cert \(certificate.summary)") }
            if let lag = node.syncLag { fields.append("sync \(lag.summary)") }
            if let latency = node.latencyMilliseconds { fields.append("\(Int(latency.rounded())) ms") }
            lines.append("  " + fields.joined(separator: "  "))
            for problem in node.problems { lines.append("        - \(problem)") }
        }
        let failing = nodes.filter { $0.status == .fail }.count
        lines.append("status: \(status.rawValue)" + (failing > 0 ? " (\(failing) of \(nodes.count) failing)" : ""))
        return lines.joined(separator: "\n")
    }
}

/// The mesh certificate's expiry: warn inside `warnDays`, fail once expired.
struct CertificateStatus: Codable, Sendable {
    static let warnDays = 14

    var status: GuardianReport.Status
    var expiresAt: Date
    var daysLeft: Int

    enum CodingKeys: String, CodingKey {
        case status
        case expiresAt = "expires_at"
        case daysLeft = "days_left"
    }

    init(expiresAt: Date, now: Date = Date()) {
        self.expiresAt = expiresAt
        let seconds = expiresAt.timeIntervalSince(now)
        // Clamped before converting: a Double outside Int range would trap.
        daysLeft = seconds.isFinite ? Int(max(-1e9, min(1e9, seconds / 86_400)).rounded(.down)) : 0
        status = seconds <= 0 ? .fail : daysLeft < Self.warnDays ? .warn : .ok
    }

    var summary: String {
        status == .fail ? "EXPIRED \(expiresAt.formatted(.iso8601))" : "\(daysLeft) days (until \(expiresAt.formatted(.iso8601)))"
    }
}
