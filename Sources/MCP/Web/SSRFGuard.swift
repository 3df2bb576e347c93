import Glibc

/// Decides which peer addresses the web tools may connect to. Private, loopback,
/// link-local, CGNAT, multicast and reserved ranges are refused unless allow-listed
/// (`ssrf_allowlist`: IPs or CIDRs). It is given to `OutgoingRequest.allowAddress`, so the
/// fetcher checks every resolved address on every redirect hop, not just the first URL.
public struct SSRFGuard: Sendable {
    struct Network: Sendable {
        var bytes: [UInt8]
        var prefix: Int
        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == bytes.count else { return false }
            var remaining = prefix
            for (a, b) in zip(address, bytes) {
                if remaining <= 0 { return true }
                let mask: UInt8 = remaining >= 8 ? 0xff : ~(0xff >> UInt8(remaining))
                if a & mask != b & mask { return false }
                remaining -= 8
            }
            return true
        }
    }

    let allowed: [Network]

    /// `allowlist` entries: "10.0.0.5", "192.168.0.0/16", "fd00::/8". Bad entries are skipped.
    public init(allowlist: [String] = []) {
        allowed = allowlist.compactMap(Self.network)
    }

    public static func parseList(_ text: String?) -> [String] {
        (text ?? "").split { $0 == "," || $0 == " " }.map(String.init)
    }

    static let blocked: [Network] = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4",
        "::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8", "64:ff9b::/96",
    ].compactMap(network)

    /// True when a connection to `address` (IPv4 dotted or IPv6 text) is allowed.
    public func allows(_ address: String) -> Bool {
        guard var bytes = Self.parse(address) else { return false }
        // IPv4-mapped IPv6 (::ffff:a.b.c.d) is judged as the IPv4 address it carries.
        if bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
            bytes = Array(bytes[12...])
        }
        if allowed.contains(where: { $0.contains(bytes) }) { return true }
        return !Self.blocked.contains { $0.contains(bytes) }
    }

    /// The closure form for `OutgoingRequest.allowAddress`.
    public var check: @Sendable (String) -> Bool { { [self] in allows($0) } }

    static func network(_ text: String) -> Network? {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let first = parts.first, let bytes = parse(String(first)) else { return nil }
        let prefix = parts.count == 2 ? Int(parts[1]) ?? -1 : bytes.count * 8
        guard (0...(bytes.count * 8)).contains(prefix) else { return nil }
        return Network(bytes: bytes, prefix: prefix)
    }

    static func parse(_ text: String) -> [UInt8]? {
        var host = text
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if let percent = host.firstIndex(of: "%") { host = String(host[..<percent]) }   // zone id
        var v4 = [UInt8](repeating: 0, count: 4)
        if v4.withUnsafeMutableBytes({ inet_pton(AF_INET, host, $0.baseAddress) }) == 1 { return v4 }
        var v6 = [UInt8](repeating: 0, count: 16)
        if v6.withUnsafeMutableBytes({ inet_pton(AF_INET6, host, $0.baseAddress) }) == 1 { return v6 }
        return nil
    }
}
