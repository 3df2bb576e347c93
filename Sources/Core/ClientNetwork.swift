/// The network a client address belongs to, for keys an attacker must not be able to
/// rotate cheaply. A subscriber is normally handed a whole IPv6 /64, so rotating through its
/// addresses must not make a new client (new guest quota, new MCP sessions, new login
/// attempts). IPv4-mapped IPv6 (`::ffff:a.b.c.d`) counts as the IPv4 address; a zone
/// (`%eth0`) is ignored. Text that is not an address (e.g. "unknown") is its own network.
///
/// Pure Swift over UTF-8 bytes: it runs on every guest request, so no regex and no libc.
public enum ClientNetwork {
    /// One client: the IPv4 address (/32) or the IPv6 /64.
    /// `203.0.113.7` → `203.0.113.7`; `2001:db8:1:2:aa::1` → `2001:db8:1:2::/64`.
    public static func host(_ address: String) -> String {
        // Every guest request: a peer address already in dotted-quad form is its own key
        // (no arrays, no interpolation).
        if isCanonicalIPv4(address) { return address }
        return key(address, ipv4Site: false)
    }

    /// Four decimal octets without leading zeros: exactly the text `key` would render.
    static func isCanonicalIPv4(_ address: String) -> Bool {
        var octets = 0, value = 0, digits = 0, leadingZero = false
        for byte in address.utf8 {
            if byte == dot {
                guard digits > 0, octets < 3 else { return false }
                octets += 1
                (value, digits, leadingZero) = (0, 0, false)
            } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 3, !leadingZero {
                leadingZero = digits == 0 && byte == UInt8(ascii: "0")
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                digits += 1
                guard value <= 255 else { return false }
            } else {
                return false
            }
        }
        return digits > 0 && octets == 3
    }

    /// One site: the IPv4 /24 or the IPv6 /64 (`203.0.113.7` → `203.0.113.0/24`).
    public static func site(_ address: String) -> String {
        key(address, ipv4Site: true)
    }

    static func key(_ address: String, ipv4Site: Bool) -> String {
        let bytes = Array(address.utf8)
        var v4: [UInt8]?
        if bytes.contains(colon) {
            let end = bytes.firstIndex(of: percent) ?? bytes.count
            guard let groups = ipv6Groups(bytes[0..<end]) else { return address }
            guard groups[0..<5].allSatisfy({ $0 == 0 }), groups[5] == 0xffff else {
                return groups[0..<4].map { String($0, radix: 16) }.joined(separator: ":") + "::/64"
            }
            v4 = [UInt8(groups[6] >> 8), UInt8(groups[6] & 0xff), UInt8(groups[7] >> 8), UInt8(groups[7] & 0xff)]
        } else {
            v4 = ipv4Bytes(bytes[...])
        }
        guard let v4 else { return address }
        return ipv4Site ? "\(v4[0]).\(v4[1]).\(v4[2]).0/24" : "\(v4[0]).\(v4[1]).\(v4[2]).\(v4[3])"
    }

    static let colon = UInt8(ascii: ":"), dot = UInt8(ascii: "."), percent = UInt8(ascii: "%")

    /// The eight 16-bit groups of an IPv6 address in text form (RFC 4291 §2.2), or nil.
    static func ipv6Groups(_ bytes: ArraySlice<UInt8>) -> [UInt16]? {
        var head: [UInt16] = [], tail: [UInt16] = []
        var compressed = false
        var i = bytes.startIndex
        if bytes.count >= 2, bytes[i] == colon, bytes[i + 1] == colon {
            compressed = true
            i += 2
        } else if bytes.first == colon {
            return nil
        }
        while i < bytes.endIndex {
            var j = i
            var value: UInt16 = 0
            while j < bytes.endIndex, j - i < 4, let digit = hexValue(bytes[j]) {
                value = value << 4 | digit
                j += 1
            }
            if j < bytes.endIndex, bytes[j] == dot {
                // A dotted IPv4 tail is only allowed as the last 32 bits.
                guard let v4 = ipv4Bytes(bytes[i...]) else { return nil }
                let pair = [UInt16(v4[0]) << 8 | UInt16(v4[1]), UInt16(v4[2]) << 8 | UInt16(v4[3])]
                if compressed { tail += pair } else { head += pair }
                i = bytes.endIndex
                break
            }
            guard j > i else { return nil }
            if compressed { tail.append(value) } else { head.append(value) }
            i = j
            guard i < bytes.endIndex else { break }
            guard bytes[i] == colon else { return nil }
            i += 1
            if i < bytes.endIndex, bytes[i] == colon {
                guard !compressed else { return nil }
                compressed = true
                i += 1
            } else if i == bytes.endIndex {
                return nil
            }
        }
        let count = head.count + tail.count
        if compressed {
            guard count <= 7 else { return nil }
            return head + [UInt16](repeating: 0, count: 8 - count) + tail
        }
        return count == 8 ? head : nil
    }

    static func ipv4Bytes(_ bytes: ArraySlice<UInt8>) -> [UInt8]? {
        var parts: [UInt8] = []
        var value = 0, digits = 0
        for byte in bytes {
            if byte == dot {
                guard digits > 0, parts.count < 3 else { return nil }
                parts.append(UInt8(value))
                (value, digits) = (0, 0)
            } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 3 {
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                digits += 1
                guard value <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard digits > 0, parts.count == 3 else { return nil }
        return parts + [UInt8(value)]
    }

    static func hexValue(_ byte: UInt8) -> UInt16? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt16(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt16(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt16(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
