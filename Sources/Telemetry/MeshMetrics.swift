import CoreMetrics

/// Mesh members by state (alive, suspect, dead, left), set at scrape time from the
/// membership snapshot. Absent states read 0, not stale.
public final class MeshMetrics: Sendable {
    public static let states = ["alive", "suspect", "dead", "left"]
    private let meters: [String: CoreMetrics.Meter]

    public init(registry: MetricsRegistry) {
        var meters: [String: CoreMetrics.Meter] = [:]
        for state in Self.states {
            meters[state] = CoreMetrics.Meter(label: "triforce_mesh_members", dimensions: [("state", state)], factory: registry.factory)
        }
        self.meters = meters
    }

    public func set(counts: [String: Int]) {
        for (state, meter) in meters { meter.set(counts[state] ?? 0) }
    }
}
