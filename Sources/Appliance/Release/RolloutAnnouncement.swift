import Net

/// This node's `deploy` key in its gossiped announcements: the rollout phase, whether other
/// nodes may move (`healthy`), and the halt it knows of (`failed`, the `deploy/failed` fact).
struct RolloutAnnouncement: Sendable, Equatable {
    static let key = "deploy"

    enum Phase: String, Sendable {
        /// Running a confirmed release.
        case steady
        /// Fetching and installing the target (this node's turn).
        case installing
        /// Draining before exec into the release on trial.
        case restarting
        /// Running the release on trial until its health gate passes or fails.
        case gate
    }

    var phase: Phase
    var healthy: Bool
    var failed: RolloutHalt?

    var json: JSONValue {
        ["phase": .string(phase.rawValue), "healthy": .bool(healthy), "failed": failed?.json ?? .null]
    }
}
