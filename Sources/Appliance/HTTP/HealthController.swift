import Hummingbird
import Net
import Storage
import Mesh
import FoundationEssentials
import NIOCore

/// `/healthz` answers while the process runs; `/health` runs the readiness checks and
/// answers 503 when any fails, with this node's replication lag and the guardian's last
/// round (redacted: no peer addresses or error texts). Never includes secrets.
struct HealthController: Sendable {
    let node: Node
    let checks: [HealthCheck]
    /// This node's replication lag (nil without a mesh): peers' guardians read it here.
    var syncLag: @Sendable () async -> SyncLag? = { nil }
    /// The guardian's last report (nil before its first round).
    var guardian: @Sendable () -> GuardianReport? = { nil }
    /// Checks run at most once per `maxAge`; concurrent requests share one run, so a load
    /// balancer polling hard cannot turn readiness into a stream of disk writes.
    let cache = HealthCache(maxAge: .seconds(1))
    /// `/healthz`'s fixed answer, encoded once (load balancers poll it hard).
    static let alive = ByteBuffer(string: #"{"status":"ok"}"#)

    func register(on router: some RouterMethods<AppRequestContext>) {
        router.get("/healthz") { _, _ in Response.json(encoded: Self.alive) }
        router.get("/health") { _, _ in
            let (report, healthy) = await cache.value { await runChecks() }
            return try Response.json(report, status: healthy ? .ok : .serviceUnavailable)
        }
    }

    func runChecks() async -> (HealthReport, Bool) {
        var results: [String: HealthCheck.Result] = [:]
        await withTaskGroup(of: (String, HealthCheck.Result).self) { group in
            for check in checks {
                group.addTask { (check.name, await check.run()) }
            }
            for await (name, result) in group { results[name] = result }
        }
        let healthy = results.values.allSatisfy { $0.status != .fail }
        let lag = await syncLag()
        let report = HealthReport(
            status: healthy ? (results.values.contains { $0.status == .warn } ? "degraded" : "ok") : "fail",
            version: TriForceVersion.current,
            nodeID: node.identity.nodeID,
            uptimeSeconds: (node.uptimeSeconds * 1000).rounded() / 1000,
            certificateExpiresAt: Self.certificateExpiry(MeshFiles(dataDirectory: node.configuration.dataDirectory).nodeCertificate),
            syncLag: lag,
            guardian: guardian()?.redacted,
            checks: results)
        return (report, healthy)
    }

    /// Unix seconds when the mesh certificate expires, for peers' guardians; nil without one.
    static func certificateExpiry(_ path: String) -> Int64? {
        guard MeshFiles.exists(path), let info = try? Certificate(file: path).info else { return nil }
        let seconds = info.notAfter.timeIntervalSince1970
        return seconds.isFinite ? Int64(exactly: seconds.rounded(.down)) : nil
    }
}

/// Single-flight cache of the last readiness result.
actor HealthCache {
    private let maxAge: Duration
    private var last: (value: (HealthReport, Bool), at: ContinuousClock.Instant)?
    private var running: Task<(HealthReport, Bool), Never>?

    init(maxAge: Duration) { self.maxAge = maxAge }

    func value(_ compute: @escaping @Sendable () async -> (HealthReport, Bool)) async -> (HealthReport, Bool) {
        if let last, ContinuousClock.now - last.at < maxAge { return last.value }
        if let running { return await running.value }
        let task = Task { await compute() }
        running = task
        let value = await task.value
        last = (value, .now)
        running = nil
        return value
    }
}

struct HealthReport: Encodable, Sendable {
    let status: String
    let version: String
    let nodeID: String
    let uptimeSeconds: Double
    let certificateExpiresAt: Int64?
    let syncLag: SyncLag?
    let guardian: GuardianReport?
    let checks: [String: HealthCheck.Result]

    enum CodingKeys: String, CodingKey {
        case status, version, checks, guardian
        case syncLag = "sync_lag"
        case certificateExpiresAt = "certificate_expires_at"
        case nodeID = "node_id"
        case uptimeSeconds = "uptime_seconds"
    }
}
