public import CoreMetrics
import Prometheus
import Synchronization

/// One node's metrics: a Prometheus registry behind the swift-metrics factory API, plus
/// collectors that refresh gauges at scrape time (circuit states, mesh members), so state
/// that already lives elsewhere costs nothing between scrapes.
/// Per-process and injected, never the global `MetricsSystem`: tests run many nodes in one process.
public final class MetricsRegistry: Sendable {
    let registry: PrometheusCollectorRegistry
    /// The swift-metrics backend: `Counter`, `Timer` and `Meter` made with it land in `registry`.
    public let factory: any MetricsFactory
    private let collectors = Mutex<[@Sendable () async -> Void]>([])

    public init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Gateway overhead is sub-millisecond and upstream answers take seconds: one bucket
        // set spanning both (the library's default starts at 5 ms).
        factory.defaultDurationHistogramBuckets = Self.latencyBuckets
        self.registry = registry
        self.factory = factory
    }

    static let latencyBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
    ]

    /// Runs before every exposition; use it to set gauges from state owned elsewhere.
    public func addCollector(_ collect: @escaping @Sendable () async -> Void) {
        collectors.withLock { $0.append(collect) }
    }

    /// The Prometheus text exposition format (version 0.0.4).
    public func exposition() async -> [UInt8] {
        for collect in collectors.withLock({ $0 }) { await collect() }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }

    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"
}
