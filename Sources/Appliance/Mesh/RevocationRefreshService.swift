import Logging
import ServiceLifecycle

/// Reloads `RevocationList` from the `revocations` table every `interval` until shutdown.
/// A failed read keeps the previous set (and logs): refusing everyone because SQLite was
/// briefly busy would be worse than a revocation landing one interval later.
struct RevocationRefreshService: Service {
    let store: MeshCertificateStore
    let list: RevocationList
    let interval: Duration
    let logger: Logger

    /// One reload; also called once before the listener starts so the first handshake is checked.
    func refresh() async {
        do {
            list.replace(with: try await store.revokedSerials())
        } catch {
            logger.warning("revocation refresh failed", metadata: ["error": "\(error)"])
        }
    }

    func run() async throws {
        // Graceful shutdown cancels the sleep, so this never delays the stop by an interval.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await refresh()
                try await Task.sleep(for: interval)
            }
        }
    }
}
