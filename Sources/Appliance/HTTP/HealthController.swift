import Hummingbird
import Net
import Storage
import FoundationEssentials

/// `/healthz` answers while the process runs; `/health` runs the readiness checks and
/// answers 503 when any fails. Never includes secrets.
struct HealthController: Sendable {
    let node: Node
    let checks: [HealthCheck]

    func register(on router: some RouterMethods<AppRequestContext>) {
        router.get("/healthz") { _, _ in try Response.json(["status": "ok"]) }
        router.get("/health") { _, _ in try await health() }
    }

    func health() async throws -> Response {
        var results: [String: HealthCheck.Result] = [:]
        await withTaskGroup(of: (String, HealthCheck.Result).self) { group in
            for check in checks {
                group.addTask { (check.name, await check.run()) }
            }
            for await (name, result) in group { results[name] = result }
        }
        let healthy = results.values.allSatisfy { $0.status != .fail }
        let report = HealthReport(
            status: healthy ? (results.values.contains { $0.status == .warn } ? "degraded" : "ok") : "fail",
            version: TriForceVersion.current,
            nodeID: node.identity.nodeID,
            uptimeSeconds: (node.uptimeSeconds * 1000).rounded() / 1000,
            checks: results)
        return try Response.json(report, status: healthy ? .ok : .serviceUnavailable)
    }
}

struct HealthReport: Encodable {
    let status: String
    let version: String
    let nodeID: String
    let uptimeSeconds: Double
    let checks: [String: HealthCheck.Result]

    enum CodingKeys: String, CodingKey {
        case status, version, checks
        case nodeID = "node_id"
        case uptimeSeconds = "uptime_seconds"
    }
}
