import Glibc

/// Address literals in every textual form a resolver or curl accepts. IPv4 follows
/// inet_aton: one to four dot-separated parts, each decimal, `0x` hex or `0`-led octal, the
/// last part filling the remaining bytes (`2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`).
/// A text with zero-padded parts also has its all-decimal reading, since parsers disagree.
enum IPAddressText {
    /// 16 bytes for an IPv6 literal (brackets and a zone id allowed), else nil.
    static func ipv6(_ text: String) -> [UInt8]? {
        var host = Substring(text)
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        if let percent = host.firstIndex(of: "%") { host = host[..<percent] }   // zone id
        guard host.contains(":") else { return nil }
        var bytes = [UInt8](repeating: 0, count: 16)
        let ok = bytes.withUnsafeMutableBytes { inet_pton(AF_INET6, String(host), $0.baseAddress) } == 1
        return ok ? bytes : nil
    }

    /// The distinct 4-byte readings of an IPv4 literal (empty when it is none).
    static func ipv4Readings(_ text: String) -> [[UInt8]] {
        var parts = text.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count > 1, parts.last?.isEmpty == true { parts.removeLast() }   // "127.0.0.1." is the same host
        guard (1...4).contains(parts.count) else { return [] }
        var readings: [[UInt8]] = []
        for octalLeadingZero in [true, false] {
            let values = parts.map { number($0, octalLeadingZero: octalLeadingZero) }
            guard values.allSatisfy({ $0 != nil }), let bytes = pack(values.compactMap { $0 }) else { continue }
            if !readings.contains(bytes) { readings.append(bytes) }
        }
        return readings
    }

    /// One part's value; nil when it is not a number in that base or is absurdly long.
    static func number(_ part: Substring, octalLeadingZero: Bool) -> UInt64? {
        guard !part.isEmpty, part.utf8.count <= 34 else { return nil }
        var digits = part
        var radix: UInt64 = 10
        if digits.count > 1, digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            radix = 16
            digits = digits.dropFirst(2)
            if digits.isEmpty { return 0 }   // "0x" alone is 0 to the WHATWG URL parser
        } else if digits.count > 1, digits.hasPrefix("0"), octalLeadingZero {
            radix = 8
            digits = digits.dropFirst()
        }
        var value: UInt64 = 0
        for character in digits {
            guard let digit = character.hexDigitValue, UInt64(digit) < radix else { return nil }
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: radix)
            let (sum, overflow2) = shifted.addingReportingOverflow(UInt64(digit))
            guard !overflow1, !overflow2, sum <= UInt64(UInt32.max) else { return nil }
            value = sum
        }
        return value
    }

    /// inet_aton's packing: leading parts are single bytes, the last fills what is left.
    static func pack(_ values: [UInt64]) -> [UInt8]? {
        guard let last = values.last else { return nil }
        let leading = values.dropLast()
        guard leading.allSatisfy({ $0 <= 255 }) else { return nil }
        let lastBytes = 4 - leading.count
        guard last < (UInt64(1) << (8 * UInt64(lastBytes))) else { return nil }
        var bytes = leading.map { UInt8($0) }
        for index in stride(from: lastBytes - 1, through: 0, by: -1) {
            bytes.append(UInt8((last >> (8 * UInt64(index))) & 0xff))
        }
        return bytes
    }
}
