import Core
public import Storage
import Net
import FoundationEssentials

/// Slows password guessing without letting an attacker lock anyone out. Three keys, all in
/// the local `login_failures` table (subjects `pair:`, `ip:`, `email:`, plus `known:` rows):
///
/// - **pair** (account, source site: IPv4 /24 or IPv6 /64): after `freeAttemptsPerPair`
///   failures each further one blocks that pair for `base * 2^(n - free)` s (capped at
///   `maxSeconds`), answered 429 + Retry-After. Only the attacker's own network is blocked:
///   the real user logs in from theirs.
/// - **source** (client address, /32 or /64), across accounts: the same hard backoff after
///   `freeAttemptsPerSource`, against one source spraying many accounts.
/// - **account**, from everywhere: a *soft* limit. Past `freeAttemptsPerAccount` failures,
///   attempts from sources the account never signed in from are spaced at most
///   `accountSpacingMaxSeconds` apart (429 when too soon) — this slows a botnet rotating
///   addresses, and a real user on a new network waits seconds at worst, never a lockout.
///   A site this account signed in from before (within `rememberSourceSeconds`) is exempt.
///
/// The attempt is reserved — checked and counted as a failure in ONE `BEGIN IMMEDIATE`
/// transaction — before the password is hashed, so parallel attempts cannot all pass the
/// check. A correct password then takes its count back (`succeeded`). Counts restart after
/// `forgetAfterSeconds` without failures.
public struct LoginBackoff: Sendable {
    public struct Parameters: Sendable {
        public var freeAttemptsPerPair: Int64 = 5
        public var freeAttemptsPerSource: Int64 = 10
        public var freeAttemptsPerAccount: Int64 = 10
        public var baseSeconds: Int64 = 1
        public var maxSeconds: Int64 = 900
        public var accountSpacingMaxSeconds: Int64 = 30
        public var forgetAfterSeconds: Int64 = 3_600
        public var rememberSourceSeconds: Int64 = 90 * 86_400
        public init() {}
    }

    /// One attempt counted in advance; hand it back to `succeeded` when the password was right.
    public struct Reservation: Sendable, Equatable {
        let email: String
        let site: String
        let host: String

        var pair: String { "pair:\(email)|\(site)" }
        var source: String { "ip:\(host)" }
        var account: String { "email:\(email)" }
        var known: String { "known:\(email)|\(site)" }
    }

    public let database: Database
    public let parameters: Parameters
    private let now: @Sendable () -> Int64

    public init(database: Database, parameters: Parameters = Parameters(),
                now: @escaping @Sendable () -> Int64 = RateLimiter.systemMilliseconds) {
        self.database = database
        self.parameters = parameters
        self.now = now
    }

    /// Throws 429 + Retry-After when a key blocks this attempt; otherwise counts it as a
    /// failure and returns the reservation.
    public func reserve(email: String, address: String) async throws -> Reservation {
        let reservation = Reservation(email: email, site: ClientNetwork.site(address), host: ClientNetwork.host(address))
        let now = self.now()
        let p = parameters
        let waitMilliseconds: Int64 = try await database.transaction(quiet: true) { connection in  // login_failures: no snapshot holds it
            let pair = try Counter.load(reservation.pair, connection, now: now, forget: p.forgetAfterSeconds)
            let source = try Counter.load(reservation.source, connection, now: now, forget: p.forgetAfterSeconds)
            let account = try Counter.load(reservation.account, connection, now: now, forget: p.forgetAfterSeconds)
            let lastSuccess = try connection.queryOne("SELECT last_ms FROM login_failures WHERE subject = ?", reservation.known)?.int("last_ms")
            let known = lastSuccess.map { now.subtractingReportingOverflow($0).partialValue <= Self.milliseconds(p.rememberSourceSeconds) } ?? false

            var until = max(pair.blockedUntil, source.blockedUntil)
            if !known { until = max(until, account.blockedUntil) }
            if until > now { return until - now }

            try pair.counted(now: now, block: Self.backoff(pair.failures + 1, free: p.freeAttemptsPerPair, base: p.baseSeconds, cap: p.maxSeconds)).save(connection)
            try source.counted(now: now, block: Self.backoff(source.failures + 1, free: p.freeAttemptsPerSource, base: p.baseSeconds, cap: p.maxSeconds)).save(connection)
            try account.counted(now: now, block: Self.backoff(account.failures + 1, free: p.freeAttemptsPerAccount, base: p.baseSeconds, cap: p.accountSpacingMaxSeconds)).save(connection)
            return 0
        }
        if waitMilliseconds > 0 {
            let seconds = Int(clamping: waitMilliseconds / 1000 + (waitMilliseconds % 1000 == 0 ? 0 : 1))
            throw APIError.rateLimited("too many failed logins; try again in \(seconds) s", retryAfterSeconds: seconds)
        }
        return reservation
    }

    /// The password was right: the pair's and the account's counts are cleared, the source
    /// gets this attempt back, and the site is remembered as one the account uses.
    public func succeeded(_ reservation: Reservation) async throws {
        let now = self.now()
        try await database.transaction(quiet: true) { connection in  // login_failures: no snapshot holds it
            try connection.run("DELETE FROM login_failures WHERE subject IN (?, ?)", reservation.pair, reservation.account)
            try connection.run("UPDATE login_failures SET failures = max(0, failures - 1) WHERE subject = ?", reservation.source)
            try connection.run("""
                INSERT INTO login_failures(subject, failures, last_ms, blocked_until_ms) VALUES (?, 0, ?, 0)
                ON CONFLICT(subject) DO UPDATE SET last_ms = excluded.last_ms
                """, reservation.known, now)
        }
    }

    /// Deletes rows that no longer change any decision: counters idle past the forget window
    /// whose block has ended, and remembered sign-in sites past the remember window. Without
    /// it a password spray from many addresses would grow the table for good. Returns how
    /// many rows went.
    @discardableResult
    public func prune() async throws -> Int {
        let now = self.now()
        let forgotten = now.subtractingReportingOverflow(Self.milliseconds(parameters.forgetAfterSeconds)).partialValue
        let unremembered = now.subtractingReportingOverflow(Self.milliseconds(parameters.rememberSourceSeconds)).partialValue
        return try await database.write(quiet: true) { connection in  // login_failures: no snapshot holds it
            try connection.run("""
                DELETE FROM login_failures
                WHERE (subject NOT LIKE 'known:%' AND last_ms < ? AND blocked_until_ms <= ?)
                   OR (subject LIKE 'known:%' AND last_ms < ?)
                """, forgotten, now, unremembered)
        }
    }

    /// Seconds of block after the `failures`-th failure: none within `free`, then doubling
    /// from `base` up to `cap`.
    static func backoff(_ failures: Int64, free: Int64, base: Int64, cap: Int64) -> Int64 {
        let over = failures - free
        guard over > 0 else { return 0 }
        let shift = min(over - 1, 32)
        let (doubled, overflow) = base.multipliedReportingOverflow(by: Int64(1) << shift)
        return overflow ? cap : min(cap, doubled)
    }

    static func milliseconds(_ seconds: Int64) -> Int64 {
        seconds.multipliedReportingOverflow(by: 1000).overflow ? .max : seconds * 1000
    }

    /// One row of `login_failures`, with counts older than the forget window dropped.
    struct Counter {
        let subject: String
        var failures: Int64
        var lastMilliseconds: Int64
        var blockedUntil: Int64

        static func load(_ subject: String, _ connection: Connection, now: Int64, forget: Int64) throws -> Counter {
            let row = try connection.queryOne("SELECT failures, last_ms, blocked_until_ms FROM login_failures WHERE subject = ?", subject)
            var counter = Counter(subject: subject, failures: row?.int("failures") ?? 0, lastMilliseconds: row?.int("last_ms") ?? 0,
                                  blockedUntil: row?.int("blocked_until_ms") ?? 0)
            if now.subtractingReportingOverflow(counter.lastMilliseconds).partialValue > LoginBackoff.milliseconds(forget) {
                counter.failures = 0
            }
            return counter
        }

        func counted(now: Int64, block seconds: Int64) -> Counter {
            var next = self
            next.failures = failures.addingReportingOverflow(1).overflow ? failures : failures + 1
            next.lastMilliseconds = now
            if seconds > 0 {
                let (until, overflow) = now.addingReportingOverflow(LoginBackoff.milliseconds(seconds))
                next.blockedUntil = overflow ? .max : until
            }
            return next
        }

        func save(_ connection: Connection) throws {
            try connection.run("""
                INSERT INTO login_failures(subject, failures, last_ms, blocked_until_ms) VALUES (?, ?, ?, ?)
                ON CONFLICT(subject) DO UPDATE SET failures = excluded.failures, last_ms = excluded.last_ms,
                  blocked_until_ms = excluded.blocked_until_ms
                """, subject, failures, lastMilliseconds, blockedUntil)
        }
    }
}
