public import ServiceLifecycle
public import Logging

/// Discovers every provider's models at start and then every `interval` (an hour by
/// default; tests pass a short one). A provider that fails keeps its last models, marked
/// unavailable; the failure is logged without secrets.
public struct DiscoveryService: Service {
    let gateway: Gateway
    let interval: Duration
    let logger: Logger

    public init(gateway: Gateway, interval: Duration = .seconds(3600), logger: Logger) {
        self.gateway = gateway
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await gateway.discover(logger: logger)
                do { try await Task.sleep(for: interval) } catch { return }
            }
        }
    }
}
