public import NIOCore

extension SocketAddress {
    /// The IP address as text, as `ipAddress` gives it. IPv4 is written by hand: the client
    /// address is read on every request, and `ipAddress` formats through `inet_ntop` and a C
    /// string, ~2,900 instructions (callgrind).
    public var ipText: String? {
        guard case .v4(let v4) = self else { return ipAddress }
        // Linux's sockaddr_in: family (2 bytes), port (2), then the address, first octet first.
        // Read as bytes: which C module Swift credits `sin_addr` to differs between builds.
        return withUnsafeBytes(of: v4.address) { raw in
            String(unsafeUninitializedCapacity: 15) { out in
                var index = 0
                for position in 4..<8 {
                    let octet = raw[position]
                    if octet >= 100 { out[index] = 0x30 + octet / 100; index += 1 }
                    if octet >= 10 { out[index] = 0x30 + octet / 10 % 10; index += 1 }
                    out[index] = 0x30 + octet % 10
                    index += 1
                    if position < 7 { out[index] = 0x2E; index += 1 }
                }
                return index
            }
        }
    }
}
