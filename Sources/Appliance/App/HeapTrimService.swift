import FoundationEssentials
import Logging
import Net
import ServiceLifecycle

/// Gives memory back after a burst: every `interval` it compares the resident set with the
/// memory free inside malloc, and when `HeapTrimPolicy` says enough is free, trims malloc's
/// heap. The trim (1–29 ms measured) runs on the blocking-I/O pool, never on an event loop.
struct HeapTrimService: Service {
    var interval: Duration = .seconds(5)
    var policy = HeapTrimPolicy()
    var logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var policy = self.policy
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                guard let resident = ResidentMemory.bytes() else { continue }
                let free = MallocHeap.freeBytes()
                guard policy.isDue(residentBytes: resident, freeBytes: free) else { continue }
                let started = ContinuousClock.now
                await BlockingIO.run { _ = MallocHeap.trim() }
                let after = ResidentMemory.bytes() ?? resident
                policy.trimmed(residentBytes: after, freeBytes: MallocHeap.freeBytes())
                logger.info("heap trimmed", metadata: [
                    "rss_before_mb": "\(resident >> 20)", "rss_after_mb": "\(after >> 20)",
                    "malloc_free_mb": "\(free >> 20)", "took": "\(ContinuousClock.now - started)",
                ])
            }
        }
    }
}
