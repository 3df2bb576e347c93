import Logging
import ServiceLifecycle
import Synchronization

/// The guardian inside the server: a round every `interval`, the last report kept for
/// `/health` and `GET /v1/admin/guardian`. Logs only when a node's status changes.
final class GuardianService: Service, Sendable {
    let guardian: Guardian
    let interval: Duration
    let logger: Logger
    private let last = Mutex<GuardianReport?>(nil)

    init(guardian: Guardian, interval: Duration, logger: Logger) {
        self.guardian = guardian
        self.interval = interval
        self.logger = logger
    }

    /// The last round's report, nil before the first round ends.
    var lastReport: GuardianReport? { last.withLock { $0 } }

    /// The last round's report; the first call before any round runs one.
    func report() async -> GuardianReport {
        if let report = last.withLock({ $0 }) { return report }
        return await round()
    }

    @discardableResult
    func round() async -> GuardianReport {
        let report = await guardian.check()
        let before = last.withLock { last in defer { last = report }; return last }
        for node in report.nodes {
            let previous = before?.nodes.first { $0.name == node.name && $0.url == node.url }?.status
            if previous != node.status && !(previous == nil && node.status == .ok) {
                logger.log(level: node.status == .ok ? .notice : .warning, "guardian: \(node.name) is \(node.status.rawValue)",
                           metadata: ["url": "\(node.url ?? "-")", "problems": "\(node.problems.joined(separator: "; "))"])
            }
        }
        return report
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.round()
                try await Task.sleep(for: self.interval)
            }
        }
    }
}
