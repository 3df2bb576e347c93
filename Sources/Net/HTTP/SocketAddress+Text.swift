public import NIOCore
// `sockaddr_in` comes to this module through CCurl's headers (<sys/socket.h> via <curl/curl.h>).
internal import CCurl

extension SocketAddress {
    /// The IP address as text, as `ipAddress` gives it. IPv4 is written by hand: the client
    /// address is read on every request, and `ipAddress` formats through `inet_ntop` and a C
    /// string, ~2,900 instructions (callgrind).
    public var ipText: String? {
        guard case .v4(let v4) = self else { return ipAddress }
        // s_addr is in network byte order: the first octet is the lowest byte in memory.
        let address = UInt32(bigEndian: v4.address.sin_addr.s_addr)
        return String(unsafeUninitializedCapacity: 15) { out in
            var index = 0
            for shift in stride(from: 24, through: 0, by: -8) {
                let octet = UInt8(truncatingIfNeeded: address >> UInt32(shift))
                if octet >= 100 { out[index] = 0x30 + octet / 100; index += 1 }
                if octet >= 10 { out[index] = 0x30 + octet / 10 % 10; index += 1 }
                out[index] = 0x30 + octet % 10
                index += 1
                if shift > 0 { out[index] = 0x2E; index += 1 }
            }
            return index
        }
    }
}
