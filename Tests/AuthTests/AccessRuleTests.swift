@testable import Auth
import Core
import Testing

/// `AccessRule.first` decides which paths skip authentication, so its fast paths (bytes, no
/// split/join for paths already in normal form) must pick exactly the rule the slow, obviously
/// right form picks.
@Suite struct AccessRuleTests {
    /// The reference: normalize by split/join, then the first rule whose prefix matches on a
    /// segment boundary, compared segment-wise.
    static func reference(_ path: String, _ rules: [AccessRule]) -> AccessRule? {
        let segments = path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true).map(Array.init)
        return rules.first { rule in
            let prefix = rule.prefix.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true).map(Array.init)
            return segments.count >= prefix.count && Array(segments.prefix(prefix.count)) == prefix
        }
    }

    static let paths = [
        "/healthz", "/health", "/healthzz", "/health/", "//health", "/v1/models", "/v1/models/x", "/v1/modelsx",
        "/v1/chat/completions", "//v1//chat///completions", "/v1/chat", "/v1/chatter", "/v1/admin", "/v1/admin/users",
        "/v1//admin/users", "v1/admin/users", "/v1/administrator", "/v1/mcp", "/mcp", "/mcpx", "/metrics/", "/", "", "//",
        "/v1/mesh/ws", "/v1/setup/admin", "/v1/admin/\u{0301}x", "/v1/admin\u{0301}/x", "/v1/client/login", "/v1/client/models",
    ]

    @Test func pickTheSameRuleAsSplittingAndJoining() {
        for path in Self.paths {
            let fast = AccessRule.first(for: path, in: AccessRule.defaults)
            #expect(fast == Self.reference(path, AccessRule.defaults), "path \(path.debugDescription)")
        }
    }

    @Test func extraSlashesDoNotRouteAroundARule() {
        #expect(AccessRule.first(for: "//v1//admin/x", in: AccessRule.defaults)?.feature == .admin)
        #expect(AccessRule.first(for: "/v1/admin/", in: AccessRule.defaults)?.feature == .admin)
    }

    @Test func aCombiningMarkAfterTheBoundaryStillMatchesTheRule() {
        // As Characters, "/\u{0301}" is not "/" and the admin rule would be missed; as bytes
        // (how the router splits) it is a segment under /v1/admin.
        #expect(AccessRule.first(for: "/v1/admin/\u{0301}x", in: AccessRule.defaults)?.feature == .admin)
    }

    @Test func normalFormIsRecognized() {
        #expect(AccessRule.isNormalized("/"))
        #expect(AccessRule.isNormalized("/v1/chat/completions"))
        #expect(!AccessRule.isNormalized(""))
        #expect(!AccessRule.isNormalized("v1/chat"))
        #expect(!AccessRule.isNormalized("/v1//chat"))
        #expect(!AccessRule.isNormalized("/v1/chat/"))
    }
}
