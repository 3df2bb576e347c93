import Testing
import Auth
import Net
import FoundationEssentials
import TestSupport

/// Every protected endpoint against every bad credential: the right 401/403, never a 200.
@Suite struct AuthMatrixTests {
    @Test func everyBadCredentialIsRefusedOnEveryProtectedEndpoint() async throws {
        try await AuthHarness.run { h in
            let pro = try await h.userToken("pro@example.com", tier: "pro")
            let proID = try #require(try await h.services.users.find(email: "pro@example.com")).id
            let now = Int64(Date().timeIntervalSince1970)
            let hs256 = #"{"alg":"HS256","typ":"JWT"}"#

            let revoked = try await h.userToken("revoked@example.com")
            #expect(try await h.request("/v1/client/logout", token: revoked, body: "").status == 200)
            let disabled = try await h.userToken("disabled@example.com")
            try await h.services.users.setDisabled(email: "disabled@example.com", true)
            let deleted = try await h.userToken("deleted@example.com")
            try await h.services.users.delete(email: "deleted@example.com")

            let cases: [(String, [String: String])] = [
                ("malformed", ["Authorization": "Bearer not.a.jwt"]),
                ("two segments", ["Authorization": "Bearer abc.def"]),
                ("basic scheme", ["Authorization": "Basic dXNlcjpwYXNz"]),
                ("empty bearer", ["Authorization": "Bearer"]),
                ("unknown key", ["x-api-key": "tf_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"]),
                ("bad signature", ["Authorization": "Bearer " + ForgedToken.make(header: hs256, payload: ForgedToken.payload(sub: proID, exp: now + 3600), key: "wrong-secret-wrong-secret-wrong-secret")]),
                ("alg none", ["Authorization": "Bearer " + ForgedToken.make(header: #"{"alg":"none","typ":"JWT"}"#, payload: ForgedToken.payload(sub: proID, exp: now + 3600), key: nil)]),
                ("alg RS256 with HS secret", ["Authorization": "Bearer " + ForgedToken.make(header: #"{"alg":"RS256","typ":"JWT"}"#, payload: ForgedToken.payload(sub: proID, exp: now + 3600), key: AuthHarness.secret)]),
                ("alg hs256 lowercase", ["Authorization": "Bearer " + ForgedToken.make(header: #"{"alg":"hs256"}"#, payload: ForgedToken.payload(sub: proID, exp: now + 3600), key: AuthHarness.secret)]),
                ("expired", ["Authorization": "Bearer " + ForgedToken.make(header: hs256, payload: ForgedToken.payload(sub: proID, exp: now - 10), key: AuthHarness.secret)]),
                ("unknown subject", ["Authorization": "Bearer " + ForgedToken.make(header: hs256, payload: ForgedToken.payload(sub: "usr_nobody", exp: now + 3600), key: AuthHarness.secret)]),
                ("revoked", ["Authorization": "Bearer " + revoked]),
                ("disabled user", ["Authorization": "Bearer " + disabled]),
                ("deleted user", ["Authorization": "Bearer " + deleted]),
            ]
            let endpoints: [(String, String)] = ProtectedPaths.chat.map { ($0, "POST") } + ProtectedPaths.mcp.map { ($0, "POST") }
                + [(ProtectedPaths.admin, "GET"), (ProtectedPaths.memory, "POST"), ("/v1/client/me", "GET"),
                   ("/v1/client/models", "GET"), ("/v1/client/logout", "POST")]
            for (name, headers) in cases {
                for (path, method) in endpoints {
                    let response = try await h.request(path, method: method, headers: headers)
                    #expect(response.status == 401, "\(name) on \(method) \(path) gave \(response.status)")
                    #expect(response.json?["error"]?["type"] == "authentication_error")
                }
            }

            // Valid credentials, wrong tier or role: 403 naming the tier / the admin role.
            let admin = try await h.request(ProtectedPaths.admin, method: "GET", token: pro)
            #expect(admin.status == 403)
            #expect(admin.json?["error"]?["code"] == "admin_required")
            let guestTierUser = try await h.userToken("basic@example.com", tier: "guest")
            let memory = try await h.request(ProtectedPaths.memory, token: guestTierUser)
            #expect(memory.status == 403)
            #expect(memory.json?["error"]?["message"]?.stringValue?.contains("guest tier") == true)

            // Guests (no credentials): 401 where an account is needed, 403 for missing features.
            #expect(try await h.request(ProtectedPaths.admin, method: "GET").status == 401)
            #expect(try await h.request("/v1/client/logout", body: "").status == 401)
            #expect(try await h.request(ProtectedPaths.memory).status == 403)

            // Positive controls: the same endpoints work with good credentials.
            #expect(try await h.request("/v1/chat/completions", token: pro).status == 200)
            #expect(try await h.request(ProtectedPaths.memory, token: pro).status == 200)
            let root = try await h.userToken("root@example.com", tier: "unlimited", role: .admin)
            #expect(try await h.request(ProtectedPaths.admin, method: "GET", token: root).status == 200)
            // Extra slashes reach the same route and the same rule.
            #expect(try await h.request("//v1//admin/status", method: "GET").status == 401)
            #expect(try await h.request("/v1/admin//status", method: "GET", token: pro).status == 403)
            // Public paths ignore credentials entirely.
            #expect(try await h.request("/health", method: "GET", headers: ["Authorization": "Bearer junk"]).status == 200)
        }
    }
}
