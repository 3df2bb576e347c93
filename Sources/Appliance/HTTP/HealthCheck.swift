import Core
import Storage
import Gateway
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
