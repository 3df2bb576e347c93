public import Logging
public import ServiceLifecycle

/// Reloads `RevocationList` from the `revocations` table every `interval` until shutdown.
/// A failed read keeps the previous set (and logs): refusing everyone because SQLite was
/// briefly busy would be worse than a revocation landing one interval later.
public struct RevocationRefreshService: Service {
    let store: MeshCertificateStore
    let list: RevocationList
    let interval: Duration
    let logger: Logger
    /// Called after each reload with the current set (the mesh drops revoked members' links).
    let onRefresh: @Sendable (Set<String>) async -> Void

    public init(store: MeshCertificateStore, list: RevocationList, interval: Duration, logger: Logger,
                onRefresh: @escaping @Sendable (Set<String>) async -> Void = { _ in }) {
        self.store = store
        self.list = list
        self.interval = interval
        self.logger = logger
        self.onRefresh = onRefresh
    }

    /// One reload; also called once before the listener starts so the first handshake is checked.
    public func refresh() async {
        do {
            let serials = try await store.revokedSerials()
            list.replace(with: serials)
            await onRefresh(serials)
        } catch {
            logger.warning("revocation refresh failed", metadata: ["error": "\(error)"])
        }
    }

    public func run() async throws {
        // Graceful shutdown cancels the sleep, so this never delays the stop by an interval.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await refresh()
                try await Task.sleep(for: interval)
            }
        }
    }
}
