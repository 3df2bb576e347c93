import CoreMetrics

/// HTTP requests by route template and status: a counter and a latency histogram (time to
/// the response head; a stream's body may go on after). Answers with 429 also count as
/// rate limited.
public final class HTTPMetrics: Sendable {
    struct Key: Hashable, Sendable {
        var route: String
        var status: Int
    }

    struct Handles: Sendable {
        let requests: CoreMetrics.Counter
        let duration: CoreMetrics.Timer
        let rateLimited: CoreMetrics.Counter?
    }

    /// Route templates are a fixed set, times a handful of statuses.
    static let maxLabelSets = 1_000
    private let handles: LabelCache<Key, Handles>

    public init(registry: MetricsRegistry) {
        let factory = registry.factory
        handles = LabelCache(limit: Self.maxLabelSets, overflowKey: Key(route: "other", status: 0)) { key in
            let labels = [("route", LabelValue.clean(key.route)), ("status", String(key.status))]
            return Handles(requests: CoreMetrics.Counter(label: "triforce_http_requests_total", dimensions: labels, factory: factory),
                           duration: CoreMetrics.Timer(label: "triforce_http_request_duration_seconds", dimensions: labels, factory: factory),
                           rateLimited: key.status == 429
                               ? CoreMetrics.Counter(label: "triforce_rate_limited_requests_total", dimensions: [("route", LabelValue.clean(key.route))],
                                                     factory: factory)
                               : nil)
        }
        // Present from the start, so a scrape shows 0 rather than nothing.
        _ = CoreMetrics.Counter(label: "triforce_rate_limited_requests_total", dimensions: [("route", "none")], factory: factory)
    }

    /// One finished request: `route` nil when no route matched, `elapsed` the time to the
    /// response head.
    public func record(route: String?, status: Int, elapsed: Duration) {
        let (seconds, attoseconds) = elapsed.components
        // Clamped: a duration past Int64 nanoseconds (292 years) is not a real request.
        let nanoseconds = seconds >= Int64.max / 1_000_000_000 ? Int64.max : seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        record(route: route ?? "unmatched", status: status, nanoseconds: nanoseconds)
    }

    /// `route` is the router's template (`/v1/admin/users/:id`), never the raw path.
    public func record(route: String, status: Int, nanoseconds: Int64) {
        let entry = handles[Key(route: route, status: status)]
        entry.requests.increment()
        entry.duration.recordNanoseconds(nanoseconds)
        entry.rateLimited?.increment()
    }
}
