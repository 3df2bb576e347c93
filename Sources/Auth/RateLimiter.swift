public import Storage
import FoundationEssentials

/// Requests-per-hour quotas by GCRA (generic cell rate algorithm), one theoretical arrival
/// time per subject in the local `rate_limits` table. A subject may burst its whole hourly
/// quota, then gets one request back every `3600 s / limit`.
///
/// Exact under concurrency within a node: the decision runs in memory under one lock, so
/// racing requests are serialized and none slips through. Each subject's state is read from
/// SQLite once, and every change is persisted through the database's write-behind queue
/// (monotonic upsert), so a restart resets nobody's quota and no request waits on a write.
public struct RateLimiter: Sendable {
    /// The outcome, with what the `X-RateLimit-*` headers report.
    public struct Decision: Sendable, Equatable {
        public let allowed: Bool
        public let limit: Int
        public let remaining: Int
        /// Seconds until the quota is full again.
        public let resetSeconds: Int
        /// Seconds until the next request would pass (0 when allowed).
        public let retryAfterSeconds: Int
    }

    static let hourMilliseconds: Int64 = 3_600_000
    public let database: Database
    private let now: @Sendable () -> Int64
    private let state = RateLimitTable()
    /// With a replica origin (a mesh member), the hourly limit also holds across the mesh.
    private let mesh: RateWindowCounter?

    public init(database: Database, origin: ReplicaOrigin? = nil,
                now: @escaping @Sendable () -> Int64 = RateLimiter.systemMilliseconds) {
        self.database = database
        self.now = now
        self.mesh = origin.map { RateWindowCounter(database: database, origin: $0, now: now) }
    }

    /// Counts one request for `subject` against `limitPerHour` when it fits.
    public func consume(subject: String, limitPerHour: Int) async throws -> Decision {
        if !state.isLoaded(subject) { state.load(subject, stored: try await storedTAT(subject)) }
        let now = self.now()
        // Requests this hour across the mesh: this node's plus the others' replicated counts.
        // Alone (no other node counted this hour) GCRA decides as before; with others it must
        // also leave room in the shared hour.
        var meshUsed: Int64 = 0, others: Int64 = 0
        if let mesh {
            others = try await mesh.othersCount(subject, now: now)
            if others > 0 {
                let (sum, overflow) = try await mesh.ownCount(subject, now: now).addingReportingOverflow(others)
                meshUsed = overflow ? .max : sum
            }
        }
        if others > 0, meshUsed >= Int64(Self.effective(limitPerHour)) {
            let reset = Self.seconds(RateWindowCounter.window(now) * 1000 + Self.hourMilliseconds - now)
            return Decision(allowed: false, limit: Self.effective(limitPerHour), remaining: 0, resetSeconds: reset,
                            retryAfterSeconds: max(1, reset))
        }
        // The clock is read again after the awaits above: concurrent requests then decide in
        // the order of their clock readings, so each sees its own `remaining`.
        let decideNow = self.now()
        let (decision, newTAT) = state.decide(subject, now: decideNow) { Self.decide(stored: $0, now: decideNow, limit: limitPerHour) }
        if decision.allowed, let mesh { await mesh.record(subject, now: decideNow) }
        if let newTAT {
            await database.enqueue("rate_limits") { connection in
                _ = try connection.run(Self.persistSQL, subject, newTAT)
            }
        }
        return decision
    }

    static let persistSQL = "INSERT INTO rate_limits(subject, tat_ms) VALUES (?, ?) "
        + "ON CONFLICT(subject) DO UPDATE SET tat_ms = max(tat_ms, excluded.tat_ms)"

    private func storedTAT(_ subject: String) async throws -> Int64? {
        try await database.read { try $0.queryOne("SELECT tat_ms FROM rate_limits WHERE subject = ?", subject)?.int("tat_ms") }
    }

    /// What `consume` would answer, without counting (for `/v1/client/me`).
    public func peek(subject: String, limitPerHour: Int) async throws -> Decision {
        let now = self.now()
        let stored: Int64?
        if let known = state.tat(subject) { stored = known } else { stored = try await storedTAT(subject) }
        let limitPerHour = Self.effective(limitPerHour)
        let tat = max(stored ?? now, now)
        let interval = Self.interval(limitPerHour)
        let used = tat - now
        let remaining = limitPerHour <= 0 ? 0 : Int(max(0, (interval * Int64(limitPerHour) - used) / interval))
        return Decision(allowed: remaining > 0, limit: limitPerHour, remaining: remaining,
                        resetSeconds: Self.seconds(used), retryAfterSeconds: remaining > 0 ? 0 : Self.seconds(used - interval * Int64(limitPerHour - 1)))
    }

    /// Wall-clock Unix milliseconds, the default time source.
    public static let systemMilliseconds: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }

    static func interval(_ limit: Int) -> Int64 { max(1, hourMilliseconds / Int64(max(1, limit))) }

    /// The arithmetic runs in milliseconds, so more than one request per millisecond is
    /// "unlimited" in effect and below zero is zero. Clamping to 0...3,600,000 keeps every
    /// product and sum far from Int64 overflow whatever a tier holds (`peek` trapped on a
    /// limit of -9223372036854775808).
    static func effective(_ limit: Int) -> Int { min(max(limit, 0), Int(hourMilliseconds)) }

    static func seconds(_ milliseconds: Int64) -> Int { Int(max(0, (milliseconds + 999) / 1000)) }

    static func decide(stored: Int64?, now: Int64, limit: Int) -> (decision: Decision, newTAT: Int64?) {
        let limit = effective(limit)
        let tat = max(stored ?? now, now)
        guard limit > 0 else {
            return (Decision(allowed: false, limit: 0, remaining: 0, resetSeconds: 0, retryAfterSeconds: 3600), nil)
        }
        let interval = interval(limit)
        let window = interval * Int64(limit)
        let newTAT = tat + interval
        if newTAT - now > window {
            return (Decision(allowed: false, limit: limit, remaining: 0, resetSeconds: seconds(tat - now),
                             retryAfterSeconds: max(1, seconds(newTAT - now - window))), nil)
        }
        let remaining = Int((window - (newTAT - now)) / interval)
        return (Decision(allowed: true, limit: limit, remaining: remaining, resetSeconds: seconds(newTAT - now), retryAfterSeconds: 0), newTAT)
    }
}

extension RateLimiter {
    /// Deletes stored arrival times already in the past: such a row means "full quota", the
    /// same as no row, so it only costs space (guests are keyed by network; they add up).
    @discardableResult
    public func pruneStored() async throws -> Int {
        let now = self.now()
        return try await database.write(quiet: true) { try $0.run("DELETE FROM rate_limits WHERE tat_ms < ?", now) }
    }
}
