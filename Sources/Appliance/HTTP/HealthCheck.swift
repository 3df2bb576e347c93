import Core
import Storage
import Gateway
import Mesh
import FoundationEssentials

/// One named readiness check. Feature areas (gateway, mesh) add theirs at wiring time.
struct HealthCheck: Sendable {
    enum Status: String, Encodable, Sendable { case ok, warn, fail }

    struct Result: Encodable, Sendable {
        let status: Status
        let detail: String
    }

    let name: String
    let run: @Sendable () async -> Result

    /// The database accepts a committed write within the deadline.
    static func databaseWritable(_ database: Database, timeout: Duration = .seconds(2)) -> HealthCheck {
        HealthCheck(name: "database") {
            do {
                try await withDeadline(timeout) { try await database.probeWritable() }
                return Result(status: .ok, detail: "writable")
            } catch {
                return Result(status: .fail, detail: "not writable: \(error)")
            }
        }
    }

    /// The file is at the schema version this binary expects.
    static func migrationsCurrent(_ database: Database) -> HealthCheck {
        HealthCheck(name: "migrations") {
            let expected = Schema.migrations.map(\.version).max() ?? 0
            do {
                let version = try await database.schemaVersion()
                return version == expected
                    ? Result(status: .ok, detail: "schema version \(version)")
                    : Result(status: .fail, detail: "schema version \(version), expected \(expected)")
            } catch {
                return Result(status: .fail, detail: "cannot read schema version: \(error)")
            }
        }
    }
}

extension HealthCheck {
    /// Providers: warns (never fails: the node still answers offline) when a provider's key
    /// is refused (401/403); the detail says how many chat models are available.
    static func providers(_ gateway: Gateway) -> HealthCheck {
        HealthCheck(name: "providers") {
            let report = await gateway.providerReport()
            return Result(status: report.healthy ? .ok : .warn, detail: report.detail)
        }
    }
}

struct DeadlineExceeded: Error, CustomStringConvertible {
    var description: String { "timed out" }
}

/// Runs `body`, throwing `DeadlineExceeded` if it takes longer than `timeout`.
func withDeadline<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw DeadlineExceeded()
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw DeadlineExceeded() }
        return first
    }
}

extension HealthCheck {
    /// The mesh: how many members are online and linked. Warns (never fails: the node still
    /// serves alone) when a member is suspect or no link is up while others are known.
    static func mesh(_ service: MeshService) -> HealthCheck {
        HealthCheck(name: "mesh") {
            let view = await service.snapshot()
            let others = view.members.filter { $0.member.id != view.selfID }
            let linked = others.filter(\.linked).count
            let suspect = others.filter { $0.member.state == .suspect }.count
            let detail = "\(view.online)/\(view.members.count) members online, \(linked) linked"
                + (suspect > 0 ? ", \(suspect) suspect" : "")
            let degraded = suspect > 0 || (!others.filter { !$0.member.state.isGone }.isEmpty && linked == 0)
            return Result(status: degraded ? .warn : .ok, detail: detail)
        }
    }

    /// The mesh certificate (`<data-dir>/node.crt`): warns inside 14 days, fails once expired,
    /// so a peer's guardian sees the expiry in this node's `/health`.
    static func certificate(at path: String) -> HealthCheck {
        HealthCheck(name: "certificate") {
            var node = GuardianReport.Node(name: "local", url: nil, status: .ok, version: nil, nodeID: nil, health: nil,
                                           certificate: nil, latencyMilliseconds: nil, problems: [])
            Guardian.attach(certificateAt: path, to: &node)
            guard let certificate = node.certificate else {
                return Result(status: node.status == .ok ? .ok : .fail, detail: node.problems.first ?? "no mesh certificate")
            }
            let status: Status = switch certificate.status { case .ok: .ok; case .warn: .warn; case .fail: .fail }
            return Result(status: status, detail: "mesh certificate " + certificate.summary)
        }
    }

    /// The guardian's last round over the peers: warns (this node stays ready) when one is not ok.
    static func guardian(_ service: GuardianService) -> HealthCheck {
        HealthCheck(name: "guardian") {
            guard let report = service.lastReport else { return Result(status: .ok, detail: "first round under way") }
            let peers = report.nodes.filter { $0.name != "local" }
            let troubled = peers.filter { $0.status != .ok }
            if peers.isEmpty { return Result(status: .ok, detail: "no peers to watch") }
            if troubled.isEmpty { return Result(status: .ok, detail: "\(peers.count) peer(s) ok") }
            return Result(status: .warn, detail: "\(troubled.count) of \(peers.count) peer(s) not ok: "
                + troubled.map { "\($0.url ?? $0.name) \($0.status.rawValue)" }.joined(separator: ", "))
        }
    }
}

extension HealthCheck {
    /// Config from git: the applied commit; warns (the previous config still serves) while
    /// the branch's newest commit is refused, naming the file and the reason.
    static func configSync(_ database: Database) -> HealthCheck {
        HealthCheck(name: "config") {
            do {
                let state = try await ConfigSyncState.load(database)
                return Result(status: state.problem == nil ? .ok : .warn, detail: state.summary)
            } catch {
                return Result(status: .warn, detail: "cannot read the config sync state: \(error)")
            }
        }
    }
}
