import Gateway
import Mesh
import Telemetry

extension ApplianceApp {
    /// Gauges whose truth lives elsewhere are read at scrape time: circuit states from the
    /// gateway's health table, member counts from the mesh's membership snapshot.
    func addMetricsCollectors() {
        let health = gateway.health
        let upstream = metrics.upstream
        metrics.registry.addCollector {
            for (key, state) in health.states() { upstream.circuit(upstream: key, state: state.rawValue) }
        }
        let meshMetrics = metrics.mesh
        let service = mesh?.service
        metrics.registry.addCollector {
            guard let service else { return meshMetrics.set(counts: [:]) }
            var counts: [String: Int] = [:]
            for entry in await service.snapshot().members { counts[entry.member.state.rawValue, default: 0] += 1 }
            meshMetrics.set(counts: counts)
        }
    }
}
