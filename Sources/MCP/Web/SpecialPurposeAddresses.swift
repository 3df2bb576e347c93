/// The IANA IPv4 and IPv6 Special-Purpose Address Registries (iana-ipv4-special-registry,
/// iana-ipv6-special-registry, as of 2025), plus the multicast and deprecated ranges they
/// leave to other registries. Each entry keeps the registry's "Globally Reachable" column;
/// the most specific entry containing an address decides (the registry's own rule: e.g.
/// 192.0.0.9/32 is reachable inside the non-reachable 192.0.0.0/24).
/// Tunnel and translation prefixes that embed an IPv4 address are handled in `SSRFGuard`.
enum SpecialPurposeAddresses {
    struct Entry: Sendable {
        let network: SSRFGuard.Network
        let globallyReachable: Bool
        let name: String
    }

    static func entry(_ cidr: String, _ globallyReachable: Bool, _ name: String) -> Entry? {
        SSRFGuard.network(cidr).map { Entry(network: $0, globallyReachable: globallyReachable, name: name) }
    }

    static let ipv4: [Entry] = [
        entry("0.0.0.0/8", false, "this network (RFC 791 §3.2)"),
        entry("0.0.0.0/32", false, "this host on this network (RFC 1122 §3.2.1.3)"),
        entry("10.0.0.0/8", false, "private use (RFC 1918)"),
        entry("100.64.0.0/10", false, "shared address space, CGNAT (RFC 6598)"),
        entry("127.0.0.0/8", false, "loopback (RFC 1122 §3.2.1.3)"),
        entry("169.254.0.0/16", false, "link local (RFC 3927)"),
        entry("172.16.0.0/12", false, "private use (RFC 1918)"),
        entry("192.0.0.0/24", false, "IETF protocol assignments (RFC 6890 §2.1)"),
        entry("192.0.0.0/29", false, "IPv4 service continuity prefix (RFC 7335)"),
        entry("192.0.0.8/32", false, "IPv4 dummy address (RFC 7600)"),
        entry("192.0.0.9/32", true, "port control protocol anycast (RFC 7723)"),
        entry("192.0.0.10/32", true, "TURN anycast (RFC 8155)"),
        entry("192.0.0.170/32", false, "NAT64/DNS64 discovery (RFC 8880, RFC 7050 §2.2)"),
        entry("192.0.0.171/32", false, "NAT64/DNS64 discovery (RFC 8880, RFC 7050 §2.2)"),
        entry("192.0.2.0/24", false, "documentation TEST-NET-1 (RFC 5737)"),
        entry("192.31.196.0/24", true, "AS112-v4 (RFC 7535)"),
        entry("192.52.193.0/24", true, "AMT (RFC 7450)"),
        entry("192.88.99.0/24", false, "deprecated 6to4 relay anycast (RFC 7526)"),
        entry("192.88.99.2/32", false, "6a44 relay anycast (RFC 6751)"),
        entry("192.168.0.0/16", false, "private use (RFC 1918)"),
        entry("192.175.48.0/24", true, "direct delegation AS112 service (RFC 7534)"),
        entry("198.18.0.0/15", false, "benchmarking (RFC 2544)"),
        entry("198.51.100.0/24", false, "documentation TEST-NET-2 (RFC 5737)"),
        entry("203.0.113.0/24", false, "documentation TEST-NET-3 (RFC 5737)"),
        entry("240.0.0.0/4", false, "reserved (RFC 1112 §4)"),
        entry("255.255.255.255/32", false, "limited broadcast (RFC 8190, RFC 919 §7)"),
        // Not in the special-purpose registry (it has its own): never a web server.
        entry("224.0.0.0/4", false, "multicast (RFC 5771)"),
    ].compactMap { $0 }

    static let ipv6: [Entry] = [
        entry("::1/128", false, "loopback (RFC 4291)"),
        entry("::/128", false, "unspecified (RFC 4291)"),
        entry("::ffff:0:0/96", false, "IPv4-mapped (RFC 4291)"),
        entry("64:ff9b::/96", true, "IPv4-IPv6 translation, NAT64 (RFC 6052)"),
        entry("64:ff9b:1::/48", false, "local-use IPv4/IPv6 translation (RFC 8215)"),
        entry("100::/64", false, "discard-only (RFC 6666)"),
        entry("100:0:0:1::/64", false, "dummy IPv6 prefix (RFC 9780)"),
        entry("2001::/23", false, "IETF protocol assignments (RFC 2928)"),
        entry("2001::/32", false, "Teredo (RFC 4380, RFC 8190): tunnels to an embedded IPv4 address"),
        entry("2001:1::1/128", true, "port control protocol anycast (RFC 7723)"),
        entry("2001:1::2/128", true, "TURN anycast (RFC 8155)"),
        entry("2001:1::3/128", true, "DNS-SD service registration protocol anycast (RFC 9665)"),
        entry("2001:2::/48", false, "benchmarking (RFC 5180, erratum 1752)"),
        entry("2001:3::/32", true, "AMT (RFC 7450)"),
        entry("2001:4:112::/48", true, "AS112-v6 (RFC 7535)"),
        entry("2001:10::/28", false, "deprecated ORCHID (RFC 4843)"),
        entry("2001:20::/28", true, "ORCHIDv2 (RFC 7343)"),
        entry("2001:30::/28", true, "drone remote ID entity tags (RFC 9374)"),
        entry("2001:db8::/32", false, "documentation (RFC 3849)"),
        entry("2002::/16", false, "6to4 (RFC 3056): tunnels to an embedded IPv4 address"),
        entry("2620:4f:8000::/48", true, "direct delegation AS112 service (RFC 7534)"),
        entry("3fff::/20", false, "documentation (RFC 9637)"),
        entry("5f00::/16", false, "segment routing SIDs (RFC 9602)"),
        entry("fc00::/7", false, "unique local (RFC 4193, RFC 8190)"),
        entry("fe80::/10", false, "link-local unicast (RFC 4291)"),
        // Outside the special-purpose registry, never a web server on the internet:
        entry("::/96", false, "deprecated IPv4-compatible addresses (RFC 4291 §2.5.5.1)"),
        entry("::ffff:0:0:0/96", false, "IPv4-translated addresses (RFC 2765)"),
        entry("fec0::/10", false, "deprecated site-local (RFC 3879)"),
        entry("ff00::/8", false, "multicast (RFC 4291 §2.7)"),
    ].compactMap { $0 }

    /// The most specific entry containing `address` (4 or 16 bytes), if any.
    static func lookup(_ address: [UInt8]) -> Entry? {
        let table = address.count == 4 ? ipv4 : ipv6
        return table.filter { $0.network.contains(address) }.max { $0.network.prefix < $1.network.prefix }
    }
}
