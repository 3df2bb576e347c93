import Testing
import NIOCore
import Net

/// `ipText` (hand-written IPv4) gives what NIO's `ipAddress` gives, for every octet width.
@Suite struct SocketAddressTextTests {
    @Test(arguments: ["127.0.0.1", "0.0.0.0", "255.255.255.255", "10.9.100.199", "1.22.203.4", "192.168.0.10"])
    func ipv4MatchesNIO(_ ip: String) throws {
        let address = try SocketAddress(ipAddress: ip, port: 443)
        #expect(address.ipText == ip)
        #expect(address.ipText == address.ipAddress)
    }

    @Test func everyOctetValue() throws {
        for octet in 0...255 {
            let address = try SocketAddress(ipAddress: "\(octet).\(255 - octet).\(octet / 2).\(octet % 7)", port: 1)
            #expect(address.ipText == address.ipAddress)
        }
    }

    @Test func ipv6FallsBackToNIO() throws {
        let address = try SocketAddress(ipAddress: "::1", port: 80)
        #expect(address.ipText == address.ipAddress)
    }
}
