import Glibc

/// Decides which peer addresses the web tools may connect to: only globally reachable ones
/// by the IANA special-purpose registries (`SpecialPurposeAddresses`), unless allow-listed
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

    /// True when a connection to `address` (an IPv4 or IPv6 literal in any textual form
    /// getaddrinfo or curl accept) is allowed. Every reading of an ambiguous IPv4 text
    /// (`010.0.0.1` is 8.0.0.1 to inet_aton, 10.0.0.1 to a decimal parser) must pass.
    public func allows(_ address: String) -> Bool {
        let readings = Self.addresses(address)
        return !readings.isEmpty && readings.allSatisfy(allows)
    }

    /// For a URL host: a name passes (its resolved addresses are checked at connect time);
    /// an address literal in any form must be allowed.
    public func allowsHost(_ host: String) -> Bool {
        let readings = Self.addresses(host)
        return readings.isEmpty || readings.allSatisfy(allows)
    }

    /// The allow-list first; then an embedded IPv4 address (IPv4-mapped, NAT64 well-known
    /// prefix) is judged as itself; then the most specific special-purpose registry entry
    /// decides, and an address in none of them is public.
    func allows(_ bytes: [UInt8]) -> Bool {
        if allowed.contains(where: { $0.contains(bytes) }) { return true }
        if let embedded = Self.embeddedIPv4(bytes) { return allows(embedded) }
        return SpecialPurposeAddresses.lookup(bytes)?.globallyReachable ?? true
    }

    /// The IPv4 address carried by ::ffff:a.b.c.d (RFC 4291) or 64:ff9b::a.b.c.d (RFC 6052).
    /// Other carriers (IPv4-compatible, 6to4, Teredo, local-use NAT64) are refused outright.
    static func embeddedIPv4(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count == 16 else { return nil }
        let mapped = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff
        let nat64 = bytes[0..<4] == [0x00, 0x64, 0xff, 0x9b] && bytes[4..<12].allSatisfy { $0 == 0 }
        return mapped || nat64 ? Array(bytes[12...]) : nil
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

    /// One canonical reading: IPv6 text, or IPv4 as inet_aton reads it. For tables and lists.
    static func parse(_ text: String) -> [UInt8]? {
        if let v6 = IPAddressText.ipv6(text) { return v6 }
        return IPAddressText.ipv4Readings(text).first
    }

    /// Every reading of `text` as an address (empty when it is not an address literal).
    static func addresses(_ text: String) -> [[UInt8]] {
        if let v6 = IPAddressText.ipv6(text) { return [v6] }
        return IPAddressText.ipv4Readings(text)
    }
}
