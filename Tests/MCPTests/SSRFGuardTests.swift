import Core
import Testing
import MCP
import Net
import FoundationEssentials

/// Issue 9 item 14: the SSRF guard against the complete IANA special-purpose registries,
/// embedded IPv4 addresses, and every textual IPv4 form.
@Suite("SSRF guard: IANA registries, embedded IPv4, textual forms")
struct SSRFGuardTests {
    static let refused: [String] = [
        // IPv4 registry
        "0.0.0.0", "0.1.2.3", "10.1.2.3", "100.64.0.1", "100.127.255.254", "127.0.0.1", "127.255.255.254", "169.254.169.254",
        "172.16.0.1", "172.31.255.255", "192.0.0.1", "192.0.0.8", "192.0.0.170", "192.0.0.171", "192.0.2.10", "192.88.99.1",
        "192.88.99.2", "192.168.1.1", "198.18.0.1", "198.19.255.255", "198.51.100.7", "203.0.113.9", "240.0.0.1",
        "255.255.255.255", "224.0.0.1", "239.255.255.250",
        // IPv6 registry
        "::", "::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "64:ff9b::127.0.0.1",
        "64:ff9b::a9fe:a9fe", "64:ff9b:1::8.8.8.8", "64:ff9b:1:ffff::1", "100::1", "100:0:0:1::1", "2001::1",
        "2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001:2::1", "2001:10::1", "2001:db8::1", "2002:7f00:1::1", "2002:c0a8:101::1",
        "3fff::1", "5f00::1", "fc00::1", "fd12:3456::1", "fe80::1", "fe80::1%eth0", "[::1]", "ff02::1", "ff05::2",
        // Outside the registry: deprecated and translated forms that carry an IPv4 address
        "::127.0.0.1", "::10.0.0.1", "::8.8.8.8", "::ffff:0:127.0.0.1", "fec0::1", "feff::1",
        // Textual IPv4 forms (inet_aton: what getaddrinfo and curl accept)
        "2130706433", "0x7f000001", "0x7f.1", "0x7f.0.0.1", "0177.0.0.1", "0177.1", "127.1", "127.0.1", "127.000.000.001",
        "0x0a.0x00.0x00.0x01", "012.0.0.1", "3232235777", "0xa9.0xfe.0xa9.0xfe", "0", "127.0.0.1.", "017700000001",
        // Ambiguous zero padding: 010.8.8.8 is 8.8.8.8 to inet_aton but 10.8.8.8 to a decimal parser.
        "010.8.8.8",
        // Not an address at all
        "", "localhost", "not-an-ip", "1.2.3.4.5", "256.1.1.1", "1.2.3.0x100", "4294967296", "::g",
    ]

    static let allowed: [String] = [
        "8.8.8.8", "1.1.1.1", "93.184.216.34", "100.63.255.255", "100.128.0.1", "172.15.255.255", "172.32.0.1",
        "192.0.0.9", "192.0.0.10", "192.31.196.1", "192.52.193.1", "192.175.48.1", "198.17.255.255", "198.20.0.1",
        "223.255.255.255", "2606:4700:4700::1111", "2a00:1450:4001::200e", "::ffff:8.8.8.8", "64:ff9b::8.8.8.8",
        "2001:1::1", "2001:1::2", "2001:1::3", "2001:3::1", "2001:4:112::1", "2001:20::1", "2001:30::1", "2620:4f:8000::1",
        "0x08.0x08.0x08.0x08", "134744072", "8.8.2056", "[2606:4700:4700::1111]",
    ]

    @Test(arguments: refused)
    func refusesSpecialPurposeAndDisguisedAddresses(_ address: String) {
        #expect(!SSRFGuard().allows(address), "\(address)")
    }

    @Test(arguments: allowed)
    func allowsGloballyReachableAddresses(_ address: String) {
        #expect(SSRFGuard().allows(address), "\(address)")
    }

    @Test func theAllowListWinsAlsoForEmbeddedForms() {
        let guarded = SSRFGuard(allowlist: ["127.0.0.2", "10.0.0.0/8", "fd00::/8", "bogus", "1.2.3.4/33"])
        for address in ["127.0.0.2", "::ffff:127.0.0.2", "64:ff9b::127.0.0.2", "10.9.9.9", "0x0a.1", "fd00::5"] {
            #expect(guarded.allows(address), "\(address)")
        }
        for address in ["127.0.0.1", "::ffff:127.0.0.1", "fc00::1", "192.168.0.1"] {
            #expect(!guarded.allows(address), "\(address)")
        }
    }

    @Test func hostNamesPassUntilConnectButLiteralsAreJudgedAtOnce() {
        let guarded = SSRFGuard()
        #expect(guarded.allowsHost("example.com"))
        #expect(guarded.allowsHost("cafe.example"))
        #expect(!guarded.allowsHost("0x7f.1"))
        #expect(!guarded.allowsHost("2130706433"))
        #expect(!guarded.allowsHost("[::ffff:127.0.0.1]"))
        #expect(guarded.allowsHost("8.8.8.8"))
    }

    /// Through the tool and libcurl: disguised loopback literals are refused before any
    /// connection, and a name resolving to loopback (localhost) is refused at connect time.
    @Test func crawlRefusesDisguisedLoopbackSpellings() async throws {
        let tools = WebTools.all(fetcher: try CurlHTTPClient(), searxngURL: nil, guard: SSRFGuard())
        let registry = ToolRegistry(tools: tools, policy: ClosureAccessPolicy(), audit: nil)
        let context = ToolContext(principal: Principal(subject: "u", tier: "pro", method: .token))
        for url in ["http://0x7f.1/", "http://2130706433/", "http://0177.0.0.1/", "http://127.1/", "http://[::ffff:127.0.0.1]/",
                    "http://[::127.0.0.1]/", "http://[64:ff9b::7f00:1]/", "http://localhost/", "http://[::1]:9/"] {
            let result = try await registry.call(name: "crawl", arguments: ["url": .string(url)], context: context)
            #expect(result.isError, "\(url)")
            #expect(result.text.first?.contains("SSRF") == true, "\(url): \(result.text)")
        }
    }
}
