import Net

/// `deploy/failed`: a release that failed its health gate (or never started) on some node.
/// Announced in gossip by every node that knows it and kept in the data dir, so the rollout
/// stays halted across restarts until release.json names another version.
struct RolloutHalt: Codable, Sendable, Equatable {
    var version: String
    /// The node whose trial failed.
    var node: String
    var reason: String
    /// Unix seconds.
    var at: Int64

    /// Gossip values are small: long reasons are cut.
    static let maxReasonBytes = 400

    init(version: String, node: String, reason: String, at: Int64) {
        self.version = version
        self.node = node
        self.reason = String(decoding: Array(reason.utf8.prefix(Self.maxReasonBytes)), as: UTF8.self)
        self.at = at
    }

    /// From a member's announcement; nil when it is not a well-formed one.
    init?(json: JSONValue) {
        guard let version = json["version"]?.stringValue, (try? ReleaseDirectory.validate(version: version)) != nil,
              let node = json["node"]?.stringValue, node.utf8.count <= 128,
              let reason = json["reason"]?.stringValue else { return nil }
        self.init(version: version, node: node, reason: reason, at: json["at"]?.intValue ?? 0)
    }

    var json: JSONValue {
        ["version": .string(version), "node": .string(node), "reason": .string(reason), "at": .int(at)]
    }

    var summary: String { "release \(version) failed on \(node): \(reason)" }
}
