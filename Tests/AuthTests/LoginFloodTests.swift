import Testing
import Auth
import Net
import Storage
import FoundationEssentials
import TestSupport

/// Login floods over real HTTP: attempts are refused before they are hashed, and one
/// client's burst or an attacker rotating addresses cannot keep the real user out.
@Suite struct LoginFloodTests {
    /// The harness with X-Forwarded-For believed from loopback, so tests can pose as
    /// clients at other addresses.
    static func configuration(iterations: Int = 1_000) -> AuthConfiguration {
        var configuration = AuthHarness.configuration()
        configuration.trustedProxies = ["127.0.0.1"]
        configuration.passwordIterations = iterations
        return configuration
    }

    static func login(_ h: AuthHarness, _ email: String, _ password: String, from address: String) async throws -> CurlResponse {
        try await h.request("/v1/client/login", headers: ["X-Forwarded-For": address],
                            body: JSONValue.object(["email": .string(email), "password": .string(password)]).jsonText)
    }

    @Test func aParallelBurstIsRefusedBeforeHashingAndDoesNotStarveOthers() async throws {
        // Real PBKDF2 cost, so hashes overlap the way they do in production.
        try await AuthHarness.run(configuration: Self.configuration(iterations: PasswordHasher.defaultIterations)) { h in
            try await h.services.users.add(email: "admin@example.com", password: "admin password", role: .admin)
            try await h.services.users.add(email: "user@example.com", password: "user password")
            async let legit = Self.login(h, "user@example.com", "user password", from: "203.0.113.9")
            let burst = try await withThrowingTaskGroup(of: CurlResponse.self) { group in
                for i in 0..<16 { group.addTask { try await Self.login(h, "admin@example.com", "guess-\(i)", from: "198.51.100.7") } }
                return try await group.reduce(into: [CurlResponse]()) { $0.append($1) }
            }
            let hashed = burst.filter { $0.status == 401 }
            let refused = burst.filter { $0.status == 429 }
            // Two free failures for this (account, site) and the one that sets the block.
            #expect(hashed.count <= 3)
            #expect(hashed.count + refused.count == 16)
            #expect(refused.allSatisfy { Int($0.headers["retry-after"] ?? "") ?? 0 >= 1 })
            // Only reserved attempts were checked: one audit row each.
            let audited = try await h.database.read {
                try $0.scalar("SELECT count(*) FROM audit_log WHERE actor = 'admin@example.com' AND outcome LIKE 'failure%'")
            }
            #expect(audited == .integer(Int64(hashed.count)))
            #expect(try await legit.status == 200)
            #expect(h.services.loginAdmission.inFlight == 0)
        }
    }

    @Test func wrongPasswordsFromRotatingAddressesDoNotLockOutTheAdmin() async throws {
        try await AuthHarness.run(configuration: Self.configuration()) { h in
            try await h.services.users.add(email: "admin@example.com", password: "admin password", role: .admin)
            #expect(try await Self.login(h, "admin@example.com", "admin password", from: "203.0.113.9").status == 200)
            // Four wrong passwords from four networks used to lock the account for up to 900 s;
            // try twenty.
            for i in 0..<20 {
                let status = try await Self.login(h, "admin@example.com", "guess-\(i)", from: "198.51.\(i).7").status
                #expect(status == 401 || status == 429)
            }
            #expect(try await Self.login(h, "admin@example.com", "admin password", from: "203.0.113.9").status == 200)
        }
    }

    @Test func oneClientHasAtMostTwoLoginsBeingChecked() async throws {
        let admission = LoginAdmission(perSource: 2, total: 3)
        let (entered, enteredContinuation) = AsyncStream.makeStream(of: Void.self)
        let releases = (0..<2).map { _ in AsyncStream.makeStream(of: Void.self) }
        let holders = releases.map { release in
            Task {
                try await admission.run(address: "2001:db8::1") {
                    enteredContinuation.yield()
                    for await _ in release.stream { break }
                }
            }
        }
        var iterator = entered.makeAsyncIterator()
        _ = await iterator.next()
        _ = await iterator.next()
        // A third from the same /64 is refused with 429; another client still gets in.
        await #expect(throws: APIError.self) { try await admission.run(address: "2001:db8::2") {} }
        try await admission.run(address: "198.51.100.7") {}
        for release in releases { release.continuation.yield() }
        for holder in holders { try await holder.value }
        #expect(admission.inFlight == 0)
        try await admission.run(address: "2001:db8::2") {}
    }
}
