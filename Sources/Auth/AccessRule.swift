public import Core
import Net

/// What the `AuthMiddleware` enforces on a path: public (no auth at all), or authenticated
/// (a guest when no credentials) with an optional required feature and rate limit.
/// The first rule whose prefix matches on a segment boundary wins; unmatched paths are
/// authenticated, not limited.
public struct AccessRule: Sendable, Equatable {
    public var prefix: String
    public var isPublic: Bool
    public var feature: Feature?
    public var rateLimited: Bool

    public init(_ prefix: String, isPublic: Bool = false, feature: Feature? = nil, rateLimited: Bool = false) {
        self.prefix = prefix
        self.isPublic = isPublic
        self.feature = feature
        self.rateLimited = rateLimited
    }

    public func matches(_ path: String) -> Bool {
        path == prefix || (path.hasPrefix(prefix) && (prefix.hasSuffix("/") || path.dropFirst(prefix.count).hasPrefix("/")))
    }

    /// The protected API surface (DESIGN.md): chat, MCP and admin are rate limited.
    public static let defaults: [AccessRule] = [
        AccessRule("/health", isPublic: true),
        AccessRule("/healthz", isPublic: true),
        AccessRule("/v1/models", isPublic: true),
        AccessRule("/v1/client/login", isPublic: true),
        // First-run setup: open to guests (the one-time token is the credential), but limited,
        // so wrong tokens cannot flood the audit log.
        AccessRule("/v1/setup", rateLimited: true),
        AccessRule("/v1/chat", feature: .chat, rateLimited: true),
        AccessRule("/v1/messages", feature: .chat, rateLimited: true),
        AccessRule("/v1/mcp", rateLimited: true),
        AccessRule("/mcp", rateLimited: true),
        AccessRule("/v1/admin", feature: .admin, rateLimited: true),
    ]

    /// The rule for a path, matched on its normalized form ("//v1//admin/x" is "/v1/admin/x",
    /// as the router sees it), so extra slashes cannot route around a rule.
    public static func first(for path: String, in rules: [AccessRule]) -> AccessRule? {
        let normalized = "/" + path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
        return rules.first { $0.matches(normalized) }
    }
}
