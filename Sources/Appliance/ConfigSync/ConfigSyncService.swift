import Logging
import ServiceLifecycle

/// Config from git inside the server: a round at start, then every `interval` ± 20 %
/// (jitter keeps a mesh of nodes from fetching in lockstep).
struct ConfigSyncService: Service {
    let sync: ConfigSync
    let interval: Duration

    /// `interval` scaled by a random factor in 0.8...1.2.
    static func jittered(_ interval: Duration) -> Duration { interval * Double.random(in: 0.8...1.2) }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await sync.pull()
                try await Task.sleep(for: Self.jittered(interval))
            }
        }
    }
}
