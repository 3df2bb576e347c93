import CoreMetrics

/// Upstream LLM requests by provider, model and outcome with latency, tokens in and out,
/// chat streams open right now, and circuit-breaker states (set at scrape time).
public final class UpstreamMetrics: Sendable {
    struct Key: Hashable, Sendable {
        var provider: String
        var model: String
        var outcome: String
    }

    struct ModelKey: Hashable, Sendable {
        var provider: String
        var model: String
    }

    struct Outcome: Sendable {
        let requests: CoreMetrics.Counter
        let duration: CoreMetrics.Timer
    }

    struct Tokens: Sendable {
        let input: CoreMetrics.Counter
        let output: CoreMetrics.Counter
    }

    /// Models come from provider discovery (tens to hundreds); outcomes are error codes.
    static let maxLabelSets = 2_000
    private let outcomes: LabelCache<Key, Outcome>
    private let tokens: LabelCache<ModelKey, Tokens>
    private let circuits: LabelCache<String, [String: CoreMetrics.Meter]>
    /// Chat streams committed to an upstream and not yet ended.
    private let openStreams: CoreMetrics.Meter

    public static let circuitStates = ["closed", "open", "half_open"]

    public init(registry: MetricsRegistry) {
        let factory = registry.factory
        outcomes = LabelCache(limit: Self.maxLabelSets, overflowKey: Key(provider: "other", model: "other", outcome: "other")) { key in
            let provider = LabelValue.clean(key.provider), model = LabelValue.clean(key.model)
            return Outcome(
                requests: CoreMetrics.Counter(label: "triforce_upstream_requests_total",
                                              dimensions: [("provider", provider), ("model", model), ("outcome", LabelValue.clean(key.outcome))],
                                              factory: factory),
                duration: CoreMetrics.Timer(label: "triforce_upstream_request_duration_seconds",
                                            dimensions: [("provider", provider), ("model", model)], factory: factory))
        }
        tokens = LabelCache(limit: Self.maxLabelSets, overflowKey: ModelKey(provider: "other", model: "other")) { key in
            let provider = LabelValue.clean(key.provider), model = LabelValue.clean(key.model)
            return Tokens(
                input: CoreMetrics.Counter(label: "triforce_tokens_total",
                                           dimensions: [("provider", provider), ("model", model), ("direction", "in")], factory: factory),
                output: CoreMetrics.Counter(label: "triforce_tokens_total",
                                            dimensions: [("provider", provider), ("model", model), ("direction", "out")], factory: factory))
        }
        circuits = LabelCache(limit: Self.maxLabelSets, overflowKey: "other") { upstream in
            var meters: [String: CoreMetrics.Meter] = [:]
            for state in Self.circuitStates {
                meters[state] = CoreMetrics.Meter(label: "triforce_circuit_state",
                                                  dimensions: [("upstream", LabelValue.clean(upstream)), ("state", state)], factory: factory)
            }
            return meters
        }
        openStreams = CoreMetrics.Meter(label: "triforce_open_streams", dimensions: [], factory: factory)
    }

    /// One upstream attempt ended: `outcome` is "ok" or the provider error code
    /// (`connect`, `rateLimited`, `upstream`, `cancelled`, ...).
    public func request(provider: String, model: String, outcome: String, latency: Duration?) {
        let entry = outcomes[Key(provider: provider, model: model, outcome: outcome)]
        entry.requests.increment()
        if let latency { entry.duration.recordNanoseconds(Self.nanoseconds(latency)) }
    }

    public func streamOpened() { openStreams.increment() }
    public func streamClosed() { openStreams.decrement() }

    /// Tokens an upstream reported; negative counts (a broken upstream) are ignored.
    public func tokens(provider: String, model: String, input: Int, output: Int) {
        let entry = tokens[ModelKey(provider: provider, model: model)]
        if input > 0 { entry.input.increment(by: Int64(input)) }
        if output > 0 { entry.output.increment(by: Int64(output)) }
    }

    /// Sets the 0/1 gauges of one upstream's circuit (`state` one of `circuitStates`).
    public func circuit(upstream: String, state: String) {
        for (name, meter) in circuits[upstream] { meter.set(name == state ? 1 : 0) }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        return seconds >= Int64.max / 1_000_000_000 ? Int64.max : seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
