import Testing
import Auth
import Net
import Storage
import FoundationEssentials
import TestSupport

/// Login, logout, token shape, backoff and the signing secret's persistence.
@Suite struct LoginTests {
    @Test func loginIssuesAnHS256TokenWithTheDocumentedShape() async throws {
        try await AuthHarness.run { h in
            try await h.services.users.add(email: " Alice@Example.COM ", password: "correct horse", tier: "pro")
            let response = try await h.login("alice@example.com", "correct horse")
            #expect(response.status == 200)
            let json = try #require(response.json)
            #expect(json["token_type"] == "Bearer")
            #expect(json["expires_in"] == 86_400)
            #expect(json["tier"] == "pro")
            #expect(json["user"]?["email"] == "alice@example.com")
            #expect(json["user"]?["password_hash"] == nil)
            let token = try #require(json["token"]?.stringValue)
            let parts = token.split(separator: ".")
            #expect(parts.count == 3)
            let header = JSONValue.parse(Data(try #require(Base64URL.decode(parts[0]))))
            #expect(header?["alg"] == "HS256")
            let claims = JSONValue.parse(Data(try #require(Base64URL.decode(parts[1]))))
            for claim in ["sub", "tier", "role", "iat", "exp", "jti"] { #expect(claims?[claim] != nil, "missing \(claim)") }
            #expect(claims?["exp"]?.intValue == (claims?["iat"]?.intValue ?? 0) + 86_400)

            let me = try await h.request("/v1/client/me", method: "GET", token: token)
            #expect(me.status == 200)
            #expect(me.json?["user"]?["email"] == "alice@example.com")
            #expect(me.json?["quota"]?["limit"] == 100)
            #expect(me.json?["auth_method"] == "token")

            // Logout revokes this token only.
            #expect(try await h.request("/v1/client/logout", token: token, body: "").status == 200)
            #expect(try await h.request("/v1/client/me", method: "GET", token: token).status == 401)
        }
    }

    @Test func unknownEmailAndWrongPasswordLookTheSame() async throws {
        try await AuthHarness.run { h in
            try await h.services.users.add(email: "bob@example.com", password: "right password")
            let wrong = try await h.login("bob@example.com", "wrong password")
            let unknown = try await h.login("nobody@example.com", "wrong password")
            #expect(wrong.status == 401 && unknown.status == 401)
            #expect(wrong.json?["error"] == unknown.json?["error"])
            #expect(try await h.login("bob@example.com", "").status == 401)
            #expect(try await h.request("/v1/client/login", body: "{}").status == 400)
        }
    }

    @Test func repeatedFailuresFromOneSiteBackOffThatSiteOnly() async throws {
        try await AuthHarness.run { h in
            try await h.services.users.add(email: "carol@example.com", password: "the password")
            // Two free failures (harness setting); the third is answered and blocks this site
            // (for the harness's 600 s base).
            #expect(try await h.login("carol@example.com", "nope-1").status == 401)
            #expect(try await h.login("carol@example.com", "nope-2").status == 401)
            #expect(try await h.login("carol@example.com", "nope-3").status == 401)
            let blocked = try await h.login("carol@example.com", "the password")
            #expect(blocked.status == 429)
            #expect(Int(blocked.headers["retry-after"] ?? "") ?? 0 >= 1)
            let row = try await h.database.read { try $0.queryOne("SELECT failures, blocked_until_ms, last_ms FROM login_failures WHERE subject = 'pair:carol@example.com|127.0.0.0/24'") }
            #expect(row?.int("failures") == 3)
            #expect((row?.int("blocked_until_ms") ?? 0) - (row?.int("last_ms") ?? 0) == 600_000)
            // Other accounts are not affected.
            try await h.services.users.add(email: "dave@example.com", password: "dave password")
            #expect(try await h.login("dave@example.com", "dave password").status == 200)
        }
    }

    @Test func aDisabledAccountAnswersExactlyLikeAWrongPassword() async throws {
        try await AuthHarness.run { h in
            try await h.services.users.add(email: "erin@example.com", password: "erin password")
            try await h.services.users.add(email: "frank@example.com", password: "frank password")
            try await h.services.users.setDisabled(email: "erin@example.com", true)
            let disabledRight = try await h.login("erin@example.com", "erin password")
            let disabledWrong = try await h.login("erin@example.com", "not it")
            let wrong = try await h.login("frank@example.com", "not it")
            for response in [disabledRight, disabledWrong] {
                #expect(response.status == wrong.status)
                #expect(response.body == wrong.body)
            }
            #expect(wrong.status == 401)
            // The audit log (admins only) still says what happened.
            let outcomes = try await h.database.read { try $0.query("SELECT outcome FROM audit_log WHERE actor = 'erin@example.com'").compactMap { $0.string("outcome") } }
            #expect(outcomes.contains("failure: account disabled"))
        }
    }

    @Test func overlongCredentialsAreRefusedBeforeAnyWork() async throws {
        try await AuthHarness.run { h in
            let long = String(repeating: "a", count: 2_000)
            #expect(try await h.login("x@example.com", long).status == 400)
            #expect(try await h.login(long + "@example.com", "pw").status == 400)
            let rows = try await h.database.read { try $0.scalar("SELECT count(*) FROM login_failures") }
            #expect(rows == .integer(0))
        }
    }

    @Test func tokensAndQuotaSurviveARestart() async throws {
        var configuration = AuthHarness.configuration()
        configuration.jwtSecret = nil   // generated and stored in settings
        let directory = TemporaryDirectory.make()
        let token = try await AuthHarness.run(directory: directory, configuration: configuration) { h in
            try await h.userToken("erin@example.com")
        }
        try await AuthHarness.run(directory: directory, configuration: configuration) { h in
            let me = try await h.request("/v1/client/me", method: "GET", token: token)
            #expect(me.status == 200)
        }
    }
}
