public import Storage
import Net
import FoundationEssentials

/// Slows down password guessing: failures are counted per email and per client IP in the
/// local `login_failures` table. After `freeAttempts` failures each further one blocks the
/// subject for `base * 2^(n - free)` seconds (capped), answered with 429 + Retry-After.
/// Counts restart after an hour without failures; a successful login clears the email's.
public struct LoginBackoff: Sendable {
    public struct Parameters: Sendable {
        public var freeAttemptsPerEmail = 3
        public var freeAttemptsPerIP = 10
        public var baseSeconds: Int64 = 1
        public var maxSeconds: Int64 = 900
        public var forgetAfterSeconds: Int64 = 3600
        public init() {}
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

    /// Throws 429 when the email or the IP is blocked right now.
    public func check(email: String, ip: String) async throws {
        let now = self.now()
        let blockedUntil = try await database.read { connection in
            try connection.scalar("SELECT max(blocked_until_ms) FROM login_failures WHERE subject IN (?, ?)",
                                  "email:" + email, "ip:" + ip)
        }
        if case .integer(let until) = blockedUntil, until > now {
            let seconds = Int((until - now + 999) / 1000)
            throw APIError.rateLimited("too many failed logins; try again in \(seconds) s", retryAfterSeconds: seconds)
        }
    }

    public func recordFailure(email: String, ip: String) async throws {
        let now = self.now()
        let p = parameters
        try await database.transaction(quiet: true) { connection in  // login_failures: no snapshot holds it
            for (subject, free) in [("email:" + email, p.freeAttemptsPerEmail), ("ip:" + ip, p.freeAttemptsPerIP)] {
                let row = try connection.queryOne("SELECT failures, last_ms FROM login_failures WHERE subject = ?", subject)
                var failures = row?.int("failures") ?? 0
                if let last = row?.int("last_ms"), now - last > p.forgetAfterSeconds * 1000 { failures = 0 }
                failures += 1
                let over = failures - Int64(free)
                let blockSeconds = over > 0 ? min(p.maxSeconds, p.baseSeconds << min(over - 1, 20)) : 0
                try connection.run("""
                    INSERT INTO login_failures(subject, failures, last_ms, blocked_until_ms) VALUES (?, ?, ?, ?)
                    ON CONFLICT(subject) DO UPDATE SET failures = excluded.failures, last_ms = excluded.last_ms,
                      blocked_until_ms = excluded.blocked_until_ms
                    """, subject, failures, now, blockSeconds > 0 ? now + blockSeconds * 1000 : 0)
            }
        }
    }

    public func recordSuccess(email: String) async throws {
        try await database.write(quiet: true) { try $0.run("DELETE FROM login_failures WHERE subject = ?", "email:" + email) }
    }
}
