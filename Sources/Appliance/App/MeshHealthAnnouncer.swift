import Gateway
import Glibc
import Logging
import Mesh
import Net
import ServiceLifecycle

/// Fills this node's member health summary (gossiped metadata `health`) with what other
/// members need to pick a node: how many providers are usable and the chat models they
/// serve, and the load (requests in flight upstream, the 1-minute load average). Refreshed
/// every `interval`; `announce` gossips only when a value changed, and values are coarse
/// (load average to one decimal) so an idle mesh does not chatter.
struct MeshHealthAnnouncer: Service {
    let gateway: Gateway
    let mesh: MeshService
    let interval: Duration

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await announceOnce()
                try await Task.sleep(for: interval)
            }
        }
    }

    func announceOnce() async {
        let summary = await gateway.healthSummary()
        await mesh.announce("providers", ["configured": .int(Int64(summary.providers)), "usable": .int(Int64(summary.usable)),
                                          "chat_models": .int(Int64(summary.chatModels))])
        var load: [String: JSONValue] = ["in_flight": .int(Int64(summary.inFlight))]
        if let average = Self.loadAverage() { load["loadavg_1m"] = .double((average * 10).rounded() / 10) }
        await mesh.announce("load", .object(load))
    }

    /// The 1-minute load average from /proc/loadavg (nil where there is none).
    static func loadAverage() -> Double? {
        var samples = [Double](repeating: 0, count: 3)
        guard getloadavg(&samples, 3) >= 1 else { return nil }
        return samples[0].isFinite ? samples[0] : nil
    }
}
