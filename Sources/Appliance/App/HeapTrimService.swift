import FoundationEssentials
import Logging
import Net
import ServiceLifecycle

/// Gives memory back after a burst: every `interval` it looks at the open API connections and
/// the resident set, and when `HeapTrimPolicy` says the node is quiet again after growing, it
/// trims malloc's heap. Runs on its own task, never on an event loop.
struct HeapTrimService: Service {
    let connections: @Sendable () -> Int
    var interval: Duration = .seconds(5)
    var policy = HeapTrimPolicy()
    var logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var policy = self.policy
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                guard let resident = ResidentMemory.bytes() else { continue }
                let open = connections()
                guard policy.observe(connections: open, residentBytes: resident) else { continue }
                let started = ContinuousClock.now
                MallocHeap.trim()
                let after = ResidentMemory.bytes() ?? resident
                policy.trimmed(connections: open, residentBytes: after)
                logger.info("heap trimmed", metadata: [
                    "rss_before_mb": "\(resident >> 20)", "rss_after_mb": "\(after >> 20)",
                    "connections": "\(open)", "took": "\(ContinuousClock.now - started)",
                ])
            }
        }
    }
}
