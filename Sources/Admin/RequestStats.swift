import Synchronization

/// Requests per minute over the last `minutes` minutes: count, rate-limited count and a
/// latency histogram per minute, for the console's requests/s and p50/p99 charts.
///
/// The request path takes the mutex once and bumps counters in arrays allocated at init and
/// mutated in place (the state is uniquely owned by the mutex, so no copy-on-write): no
/// allocation per request. A slot is reused when its minute comes round again.
public final class RequestStats: Sendable {
    /// One minute as the console shows it.
    public struct Minute: Sendable, Equatable, Encodable {
        /// Unix seconds at the start of the minute.
        public let start: Int64
        public let requests: Int64
        public let rateLimited: Int64
        /// Upper bounds of the histogram buckets holding the median and the 99th percentile;
        /// nil when the minute saw no request.
        public let p50Milliseconds: Double?
        public let p99Milliseconds: Double?

        enum CodingKeys: String, CodingKey {
            case start, requests
            case rateLimited = "rate_limited"
            case p50Milliseconds = "p50_ms"
            case p99Milliseconds = "p99_ms"
        }
    }

    /// Latency bucket upper bounds in microseconds: 25 µs growing ×1.5 to past two minutes,
    /// so a percentile is over-reported by at most half. The last bucket takes the rest.
    static let bounds: [Int64] = {
        var bounds: [Int64] = []
        var bound = 25.0
        while bound < 150_000_000 {
            bounds.append(Int64(bound))
            bound *= 1.5
        }
        return bounds
    }()
    static var bucketCount: Int { bounds.count + 1 }

    private struct State {
        var minute: [Int64]
        var requests: [Int64]
        var rateLimited: [Int64]
        /// `minutes × bucketCount` counts, slot-major.
        var histogram: [Int64]
    }

    public let minutes: Int
    private let state: Mutex<State>

    public init(minutes: Int = 15) {
        let minutes = max(1, minutes)
        self.minutes = minutes
        state = Mutex(State(minute: Array(repeating: -1, count: minutes), requests: Array(repeating: 0, count: minutes),
                            rateLimited: Array(repeating: 0, count: minutes),
                            histogram: Array(repeating: 0, count: minutes * Self.bucketCount)))
    }

    static func bucket(microseconds: Int64) -> Int {
        var index = 0
        while index < bounds.count, microseconds > bounds[index] { index += 1 }
        return index
    }

    /// Counts one finished request. `unixSeconds` is the wall clock now.
    public func record(status: Int, latency: Duration, unixSeconds: Int64) {
        let (seconds, attoseconds) = latency.components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000)
        let microseconds = overflow ? Int64.max : scaled &+ attoseconds / 1_000_000_000_000
        let bucket = Self.bucket(microseconds: microseconds)
        let minute = max(0, unixSeconds) / 60
        let slot = Int(minute % Int64(minutes))
        let width = Self.bucketCount
        state.withLock { state in
            if state.minute[slot] != minute {
                state.minute[slot] = minute
                state.requests[slot] = 0
                state.rateLimited[slot] = 0
                for index in slot * width ..< (slot + 1) * width { state.histogram[index] = 0 }
            }
            state.requests[slot] &+= 1
            if status == 429 { state.rateLimited[slot] &+= 1 }
            state.histogram[slot * width + bucket] &+= 1
        }
    }

    /// The last `minutes` minutes up to the one holding `unixSeconds`, oldest first; minutes
    /// without traffic are zeros.
    public func recent(unixSeconds: Int64) -> [Minute] {
        let current = max(0, unixSeconds) / 60
        let width = Self.bucketCount
        return state.withLock { state in
            (0..<minutes).reversed().map { back in
                let minute = current - Int64(back)
                let slot = Int((minute < 0 ? 0 : minute) % Int64(minutes))
                guard minute >= 0, state.minute[slot] == minute else {
                    return Minute(start: max(0, minute) * 60, requests: 0, rateLimited: 0, p50Milliseconds: nil, p99Milliseconds: nil)
                }
                let counts = state.histogram[slot * width ..< (slot + 1) * width]
                return Minute(start: minute * 60, requests: state.requests[slot], rateLimited: state.rateLimited[slot],
                              p50Milliseconds: Self.percentile(0.50, counts), p99Milliseconds: Self.percentile(0.99, counts))
            }
        }
    }

    /// Percentiles over the whole window (every minute's histogram summed).
    public func windowPercentiles(unixSeconds: Int64) -> (p50: Double?, p99: Double?) {
        let current = max(0, unixSeconds) / 60
        let width = Self.bucketCount
        return state.withLock { state in
            var sum = Array(repeating: Int64(0), count: width)
            for slot in 0..<minutes where state.minute[slot] >= 0 && current - state.minute[slot] < Int64(minutes) {
                for bucket in 0..<width { sum[bucket] &+= state.histogram[slot * width + bucket] }
            }
            return (Self.percentile(0.50, sum[...]), Self.percentile(0.99, sum[...]))
        }
    }

    static func percentile(_ quantile: Double, _ counts: ArraySlice<Int64>) -> Double? {
        let total = counts.reduce(0, &+)
        guard total > 0 else { return nil }
        let rank = Int64((Double(total) * quantile).rounded(.up))
        var seen: Int64 = 0
        for (offset, count) in counts.enumerated() {
            seen &+= count
            if seen >= rank {
                let bound = offset < bounds.count ? bounds[offset] : (bounds.last ?? 0) * 2
                return Double(bound) / 1000
            }
        }
        return nil
    }
}
