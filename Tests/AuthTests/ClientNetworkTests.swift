import Testing
@testable import Core

/// Guest and login keys group IPv6 by /64 (and login sites IPv4 by /24).
@Suite struct ClientNetworkTests {
    @Test func ipv4IsItsOwnHostAndGroupsBySlash24ForSites() {
        #expect(ClientNetwork.host("203.0.113.7") == "203.0.113.7")
        #expect(ClientNetwork.site("203.0.113.7") == "203.0.113.0/24")
        #expect(ClientNetwork.site("203.0.113.250") == ClientNetwork.site("203.0.113.7"))
        #expect(ClientNetwork.host("203.0.114.7") != ClientNetwork.host("203.0.113.7"))
    }

    /// The canonical dotted quad is returned as is (the fast path); every other IPv4 spelling
    /// still goes through the parser and comes out canonical.
    @Test func ipv4FastPathGivesTheParsersAnswer() {
        for address in ["127.0.0.1", "0.0.0.0", "255.255.255.255", "10.20.30.40", "1.2.3.4"] {
            #expect(ClientNetwork.isCanonicalIPv4(address), "\(address)")
            #expect(ClientNetwork.host(address) == ClientNetwork.key(address, ipv4Site: false), "\(address)")
        }
        #expect(ClientNetwork.host("010.001.0.1") == "10.1.0.1")
        for text in ["010.1.1.1", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.", ".1.2.3", "1..2.3", "1.2.3.4 ", "unknown", ""] {
            #expect(!ClientNetwork.isCanonicalIPv4(text), "\(text)")
        }
        #expect(ClientNetwork.host("unknown") == "unknown")
    }

    @Test func ipv6GroupsBySlash64InEveryTextForm() {
        let key = "2001:db8:1:2::/64"
        for address in ["2001:db8:1:2::1", "2001:0db8:0001:0002:aaaa:bbbb:cccc:dddd", "2001:DB8:1:2:ffff::", "2001:db8:1:2::1%eth0",
                        "2001:db8:1:2:0:0:1.2.3.4"] {
            #expect(ClientNetwork.host(address) == key, "\(address)")
            #expect(ClientNetwork.site(address) == key, "\(address)")
        }
        #expect(ClientNetwork.host("2001:db8:1:3::1") == "2001:db8:1:3::/64")
        #expect(ClientNetwork.host("::1") == "0:0:0:0::/64")
        #expect(ClientNetwork.host("::") == "0:0:0:0::/64")
    }

    @Test func ipv4MappedIPv6CountsAsTheIPv4Address() {
        #expect(ClientNetwork.host("::ffff:203.0.113.7") == "203.0.113.7")
        #expect(ClientNetwork.host("::ffff:cb00:7107") == "203.0.113.7")
        #expect(ClientNetwork.site("::ffff:203.0.113.7") == "203.0.113.0/24")
    }

    @Test func textThatIsNotAnAddressIsItsOwnGroup() {
        for text in ["unknown", "", "1.2.3", "1.2.3.256", "1::2::3", ":1:2", "1:2:3:4:5:6:7:8:9", "12345::", "1:2:3:4:5:6:7:", "1.2.3.4:"] {
            #expect(ClientNetwork.host(text) == text, "\(text)")
        }
    }

    @Test func guestsFromOneSlash64AreOnePrincipal() {
        #expect(Principal.guest(address: "2001:db8::1").subject == Principal.guest(address: "2001:db8::dead:beef").subject)
        #expect(Principal.guest(address: "2001:db8::1").subject == "guest:2001:db8:0:0::/64")
        #expect(Principal.guest(address: "198.51.100.7").subject == "guest:198.51.100.7")
    }
}
