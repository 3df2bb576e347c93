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

    /// Compared as bytes, as the router splits paths: a prefix followed by the end of the path
    /// or a `/` (a combining mark after the `/` does not hide the boundary, as it would for
    /// `String`'s Character comparison). Runs on every request, so no Character walks.
    public func matches(_ path: String) -> Bool {
        var path = path
        return path.withUTF8 { matches($0) }
    }

    /// Over contiguous bytes: `first(for:in:)` tries up to a dozen rules per request, and the
    /// UTF8View comparison cost ~5,000 instructions a request (callgrind).
    func matches(_ path: UnsafeBufferPointer<UInt8>) -> Bool {
        var prefix = self.prefix
        return prefix.withUTF8 { prefix in
            guard path.count >= prefix.count, UnsafeBufferPointer(rebasing: path[..<prefix.count]).elementsEqual(prefix) else { return false }
            guard path.count > prefix.count else { return true }
            return prefix.last == UInt8(ascii: "/") || path[prefix.count] == UInt8(ascii: "/")
        }
    }

    /// The protected API surface (DESIGN.md): chat, MCP and admin are rate limited.
    public static let defaults: [AccessRule] = [
        AccessRule("/health", isPublic: true),
        AccessRule("/healthz", isPublic: true),
        AccessRule("/v1/models", isPublic: true),
        AccessRule("/v1/client/login", isPublic: true),
        // MetricsController checks the scrape token or admin credentials itself.
        AccessRule("/metrics", isPublic: true),
        // First-run setup: open to guests (the one-time token is the credential), but limited,
        // so wrong tokens cannot flood the audit log.
        AccessRule("/v1/setup", rateLimited: true),
        AccessRule("/v1/chat", feature: .chat, rateLimited: true),
        AccessRule("/v1/messages", feature: .chat, rateLimited: true),
        AccessRule("/v1/mcp", rateLimited: true),
        AccessRule("/mcp", rateLimited: true),
        AccessRule("/v1/admin", feature: .admin, rateLimited: true),
        AccessRule("/v1/mesh", feature: .mesh),
    ]

    /// The rule for a path, matched on its normalized form ("//v1//admin/x" is "/v1/admin/x",
    /// as the router sees it), so extra slashes cannot route around a rule.
    public static func first(for path: String, in rules: [AccessRule]) -> AccessRule? {
        var normalized = isNormalized(path) ? path : "/" + path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
        return normalized.withUTF8 { bytes in rules.first { $0.matches(bytes) } }
    }

    /// Already in normal form (the usual case, and always for a matched route pattern): a
    /// leading `/`, no empty segment, no trailing `/` except the root. Spares the split and
    /// join on every request.
    static func isNormalized(_ path: String) -> Bool {
        var previous: UInt8 = 0
        for (offset, byte) in path.utf8.enumerated() {
            if offset == 0, byte != UInt8(ascii: "/") { return false }
            if byte == UInt8(ascii: "/"), previous == UInt8(ascii: "/") { return false }
            previous = byte
        }
        return previous != 0 && (previous != UInt8(ascii: "/") || path.utf8.count == 1)
    }
}
