import Net

/// DNS-rebinding and cross-site defences for the MCP endpoint (transport spec: servers
/// MUST validate Origin). A request without Origin (curl, SDKs) passes; a browser origin
/// passes when it is loopback or listed. When the server is bound to loopback, the Host
/// header must name loopback too, so a rebound DNS name cannot reach it.
public struct OriginPolicy: Sendable {
    /// Exact origins (scheme://host[:port]) allowed besides loopback, lower-cased.
    public var allowedOrigins: Set<String>
    /// True when listening on 127.0.0.0/8 or ::1 only.
    public var loopbackOnly: Bool

    public init(allowedOrigins: [String] = [], loopbackOnly: Bool) {
        self.allowedOrigins = Set(allowedOrigins.map { Self.normalize($0) }.filter { !$0.isEmpty })
        self.loopbackOnly = loopbackOnly
    }

    /// Parses the comma- or space-separated `mcp_allowed_origins` setting.
    public static func parseList(_ text: String?) -> [String] {
        (text ?? "").split { $0 == "," || $0 == " " }.map(String.init)
    }

    public func allowsOrigin(_ origin: String?) -> Bool {
        guard let origin else { return true }
        let normalized = Self.normalize(origin)
        if allowedOrigins.contains(normalized) { return true }
        for scheme in ["http://", "https://"] where normalized.hasPrefix(scheme) {
            return Self.isLoopbackAuthority(String(normalized.dropFirst(scheme.count)))
        }
        return false
    }

    public func allowsHost(_ host: String?) -> Bool {
        guard loopbackOnly else { return true }
        guard let host else { return false }
        return Self.isLoopbackAuthority(host.lowercased())
    }

    /// "localhost", "127.x.y.z" or "[::1]", each with an optional numeric port.
    static func isLoopbackAuthority(_ authority: String) -> Bool {
        var host = Substring(authority)
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let rest = host[host.index(after: close)...]
            guard rest.isEmpty || isPort(rest) else { return false }
            return host[host.index(after: host.startIndex)..<close] == "::1"
        }
        if let colon = host.lastIndex(of: ":") {
            guard isPort(host[colon...]) else { return false }
            host = host[..<colon]
        }
        if host == "localhost" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    private static func isPort(_ text: Substring) -> Bool {
        text.first == ":" && text.count > 1 && text.dropFirst().allSatisfy(\.isNumber)
    }

    static func normalize(_ origin: String) -> String {
        var text = origin.lowercased().trimmed()
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }
}

extension OriginPolicy {
    /// True for "localhost", 127.0.0.0/8 and ::1 (no port).
    public static func isLoopbackHost(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        return bare == "::1" || isLoopbackAuthority(bare.lowercased())
    }
}
