import Testing
import Auth
import Net
import FoundationEssentials
import TestSupport

/// Tokens are shape- and size-checked before anything is decoded (issue 9 item 4).
@Suite struct CredentialShapeTests {
    @Test func classifiesShapes() {
        let key = "tf_" + String(repeating: "A", count: 43)
        #expect(CredentialShape(key) == .apiKey)
        #expect(CredentialShape("tf_" + String(repeating: "A", count: 42)) == .malformed)
        #expect(CredentialShape("tf_" + String(repeating: "A", count: 42) + "=") == .malformed)
        #expect(CredentialShape("eyJh.eyJz.c2ln") == .jwt)
        #expect(CredentialShape("a-_9.B.c") == .jwt)
        for bad in ["", "a.b", "a.b.c.d", ".b.c", "a..c", "a.b.", "a.b.c=", "a.b.c d", "a+b.c.d", "a/b.c.d", "ä.b.c",
                    String(repeating: "a", count: 4094) + ".b.c"] {
            #expect(CredentialShape(bad) == .malformed, "\(bad.prefix(20))")
        }
    }

    @Test func deeplyNestedJWTHeaderIsRefusedWith401() async throws {
        try await AuthHarness.run { h in
            // The issue's token: a 1.4 KB JWT whose header is 510 nested arrays (2 s of CPU before).
            let header = String(repeating: "[", count: 510) + String(repeating: "]", count: 510)
            let nested = ForgedToken.make(header: header, payload: ForgedToken.payload(sub: "x", exp: 1), key: "k")
            #expect(nested.utf8.count < 4096)
            // Same depth inside an object with the right alg, so only the depth limit refuses it.
            let inObject = ForgedToken.make(header: #"{"alg":"HS256","x":"# + header + "}",
                                            payload: ForgedToken.payload(sub: "x", exp: 1), key: AuthHarness.secret)
            let oversized = String(repeating: "a", count: 5000) + ".b.c"
            for token in [nested, inObject, oversized, "a.b.c!"] {
                let response = try await h.request("/v1/chat/completions", token: token)
                #expect(response.status == 401)
                #expect(response.json?["error"]?["type"] == "authentication_error")
            }
            #expect(throws: JWT.Failure.malformed) { try h.services.jwt.verify(inObject, now: 0) }
        }
    }
}
