import Testing
import Auth
import Net
import HTTPTypes
import Storage
import Synchronization
import TestSupport

/// The login throttle on its own, with a stepped clock and a real SQLite file.
@Suite struct LoginBackoffTests {
    final class Clock: Sendable {
        let milliseconds = Atomic<Int64>(1_700_000_000_000)
        func advance(seconds: Int64) { milliseconds.add(seconds * 1000, ordering: .relaxed) }
        var now: @Sendable () -> Int64 { { [self] in milliseconds.load(ordering: .relaxed) } }
    }

    static func withBackoff(_ parameters: LoginBackoff.Parameters = .init(),
                            _ body: (LoginBackoff, Clock) async throws -> Void) async throws {
        let database = try await Database(path: TemporaryDirectory.make() + "/triforce.db")
        let clock = Clock()
        do {
            try await body(LoginBackoff(database: database, parameters: parameters, now: clock.now), clock)
        } catch {
            await database.close()
            throw error
        }
        await database.close()
    }

    /// Seconds of Retry-After when `reserve` refuses, 0 when it reserves.
    static func refusal(_ backoff: LoginBackoff, _ email: String, _ address: String) async throws -> Int {
        do {
            _ = try await backoff.reserve(email: email, address: address)
            return 0
        } catch let error as APIError where error.status == .tooManyRequests {
            return Int(error.headers[.retryAfter] ?? "") ?? -1
        }
    }

    @Test func parallelAttemptsAreCountedBeforeAnyOfThemIsChecked() async throws {
        try await Self.withBackoff { (backoff: LoginBackoff, _: Clock) async throws in
            let reserved = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<16 { group.addTask { try await Self.refusal(backoff, "admin@example.com", "198.51.100.7") == 0 } }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            // Five free, the sixth is let through and sets the block: never more.
            #expect(reserved == 6)
        }
    }

    @Test func pruningDropsOnlyRowsThatNoLongerDecideAnything() async throws {
        var parameters = LoginBackoff.Parameters()
        parameters.baseSeconds = 7_200  // the first block outlives the forget window
        parameters.maxSeconds = 7_200
        try await Self.withBackoff(parameters) { (backoff: LoginBackoff, clock: Clock) async throws in
            func rows() async throws -> Int64 {
                try await backoff.database.read { try $0.queryOne("SELECT count(*) AS n FROM login_failures")?.int("n") ?? -1 }
            }
            // A spray: one failure each from many sources, plus one blocked pair and one success.
            for i in 0..<50 { _ = try await Self.refusal(backoff, "spray\(i)@example.com", "203.0.113.\(i)") }
            for _ in 0..<7 { _ = try await Self.refusal(backoff, "victim@example.com", "198.51.100.7") }
            let good = try await backoff.reserve(email: "user@example.com", address: "192.0.2.1")
            try await backoff.succeeded(good)
            let before = try await rows()
            #expect(try await backoff.prune() == 0, "nothing is stale yet")
            clock.advance(seconds: parameters.forgetAfterSeconds + 1)
            let pruned = try await backoff.prune()
            #expect(pruned > 0 && pruned < Int(before), "idle counters go; the long block and the known site stay")
            #expect(try await Self.refusal(backoff, "victim@example.com", "198.51.100.7") > 0, "the block still holds")
            clock.advance(seconds: parameters.rememberSourceSeconds)
            try await backoff.prune()
            #expect(try await rows() == 0)
        }
    }

    @Test func pairBackoffDoublesAndBlocksOnlyThatSite() async throws {
        try await Self.withBackoff { (backoff: LoginBackoff, clock: Clock) async throws in
            for _ in 0..<6 { #expect(try await Self.refusal(backoff, "a@example.com", "198.51.100.7") == 0) }
            #expect(try await Self.refusal(backoff, "a@example.com", "198.51.100.99") == 1)   // same /24
            #expect(try await Self.refusal(backoff, "a@example.com", "203.0.113.5") == 0)   // another site
            #expect(try await Self.refusal(backoff, "b@example.com", "198.51.100.7") == 0)  // another account
            clock.advance(seconds: 1)
            #expect(try await Self.refusal(backoff, "a@example.com", "198.51.100.7") == 0)
            #expect(try await Self.refusal(backoff, "a@example.com", "198.51.100.7") == 2)
            clock.advance(seconds: 2)
            #expect(try await Self.refusal(backoff, "a@example.com", "198.51.100.7") == 0)
            #expect(try await Self.refusal(backoff, "a@example.com", "198.51.100.7") == 4)
        }
    }

    @Test func rotatingAddressesCannotLockTheAccountOut() async throws {
        var parameters = LoginBackoff.Parameters()
        parameters.freeAttemptsPerSource = 1_000
        try await Self.withBackoff(parameters) { (backoff: LoginBackoff, clock: Clock) async throws in
            // The admin signed in from home once.
            let home = "203.0.113.9"
            try await backoff.succeeded(try await backoff.reserve(email: "admin@example.com", address: home))
            // An attacker tries 200 passwords from 200 networks, as fast as allowed.
            var longestWait = 0
            for i in 0..<200 {
                let address = "10.\(i / 250).\(i % 250).1"
                let wait = try await Self.refusal(backoff, "admin@example.com", address)
                if wait > 0 {
                    longestWait = max(longestWait, wait)
                    clock.advance(seconds: Int64(wait))
                }
            }
            // Slowed (spacing grows) but capped low: a real user on a new network waits
            // seconds, never the 900 s lockout.
            #expect(longestWait > 1)
            #expect(longestWait <= Int(parameters.accountSpacingMaxSeconds))
            #expect(try await Self.refusal(backoff, "admin@example.com", "192.0.2.44") <= 30)
            // From home the admin is not slowed at all.
            #expect(try await Self.refusal(backoff, "admin@example.com", home) == 0)
        }
    }

    @Test func oneSourceSprayingManyAccountsIsBlocked() async throws {
        try await Self.withBackoff { (backoff: LoginBackoff, _: Clock) async throws in
            for i in 0..<11 { #expect(try await Self.refusal(backoff, "user\(i)@example.com", "198.51.100.7") == 0) }
            #expect(try await Self.refusal(backoff, "user99@example.com", "198.51.100.7") > 0)
            #expect(try await Self.refusal(backoff, "user99@example.com", "198.51.100.8") == 0)
        }
    }

    @Test func aRightPasswordGivesTheSourceItsAttemptBack() async throws {
        try await Self.withBackoff { (backoff: LoginBackoff, _: Clock) async throws in
            for _ in 0..<50 {
                try await backoff.succeeded(try await backoff.reserve(email: "busy@example.com", address: "198.51.100.7"))
            }
            let row = try await backoff.database.read { try $0.queryOne("SELECT failures FROM login_failures WHERE subject = 'ip:198.51.100.7'") }
            #expect(row?.int("failures") == 0)
        }
    }

    @Test func ipv6RotationWithinASlash64IsOneSource() async throws {
        try await Self.withBackoff { (backoff: LoginBackoff, _: Clock) async throws in
            for i in 0..<6 { #expect(try await Self.refusal(backoff, "v6@example.com", "2001:db8:1:2::\(String(i + 1, radix: 16))") == 0) }
            #expect(try await Self.refusal(backoff, "v6@example.com", "2001:db8:1:2:ffff::1") > 0)
        }
    }
}
